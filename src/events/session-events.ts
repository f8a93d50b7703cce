/**
 * Every event a writer appends to a session's log, each built by one
 * constructor. The union is the log's input type: a shape rebuilt by hand
 * elsewhere does not compile. Readers (GraphQL sessionEvents, the WebSocket
 * subscription) see the same `{type, data}`.
 */
import type { GuardrailReport } from '../guardrails/guarded-runtime.js';

type Event<T extends string, D> = { readonly type: T; readonly data: D };

interface AgentRef {
  readonly session_agent_uuid: string;
  readonly agent_uuid: string;
  readonly agent_name?: string | null;
}

export type RunOutcomeStatus =
  | 'completed'
  | 'failed'
  | 'cancelled'
  | 'timeout'
  | 'budget_exceeded'
  | 'blocked'
  | 'escalated'
  | 'waiting_for_approval';

export type SessionStatusEvent = Event<
  'session_status',
  {
    status: string;
    reason?: string;
    task_uuid?: string;
    agent_count?: number;
    /** Appended by resume after a crash lost the original. */
    recovered?: boolean;
    /** The budget that ended the session (status budget_exceeded). */
    budget?: string;
    /** Who steered the session here (cancel, pause, resume, redrive). */
    changed_by?: string;
    redrive_count?: number;
  }
>;
export type PlanModificationEvent = Event<
  'plan_modification',
  {
    modification_uuid: string;
    operation: string;
    status: string;
    session_agent_uuid?: string;
    reason?: string;
    changed_by?: string;
  }
>;
export type AgentStateEvent = Event<
  'agent_state',
  {
    session_agent_uuid: string;
    agent_uuid: string;
    agent_name?: string | null;
    state: string;
    notes?: string;
  } & AgentStateExtra
>;
/** What some transitions add to an agent_state event. */
export interface AgentStateExtra {
  /** Calls made by the run that ended here (retries included). */
  readonly attempts?: number;
  /** The calls waiting for a person (state wait_for_user_input after a tool approval request). */
  readonly pending_tool_calls?: readonly PendingToolCall[];
  /** The budget that kept the agent from running (back to initial). */
  readonly budget?: string;
  /** A guardrail's escalation: the findings and the run that holds the output. */
  readonly escalation?: { readonly findings: readonly unknown[]; readonly run_uuid: string };
}
export type RunRecordedEvent = Event<
  'run_recorded',
  { run_uuid: string; session_agent_uuid: string; thread_uuid: string }
>;
export type AgentOutputEvent = Event<'agent_output', { session_agent_uuid: string; output: string }>;
export type UserInputEvent = Event<
  'user_input',
  { session_agent_uuid: string; user_input: string /** On an escalated output. */; decision?: string }
>;
export type RunStartedEvent = Event<
  'run_started',
  { run_uuid: string; agent_uuid: string; thread_uuid: string; thread: string; triage: unknown }
>;
export type RunUnassignedEvent = Event<'run_unassigned', { run_uuid: string; triage: unknown }>;
export type RunFinishedEvent = Event<
  `run_${RunOutcomeStatus}`,
  { run_uuid: string; agent_uuid: string; thread_uuid: string; error?: string; answer_chars?: number }
>;
export type RunContinuedEvent = Event<'run_continued', { run_uuid: string; agent_uuid: string }>;
export type RunQueuedEvent = Event<'run_queued', { run_uuid: string }>;
export type RunInterruptedEvent = Event<'run_interrupted', { run_uuid: string; interrupted_by: string }>;
export type TokenEvent = Event<'token', { run_uuid: string; from_index: number; chunks: readonly string[] }>;

export interface PendingToolCall {
  readonly call_id: string;
  readonly tool: string;
  readonly arguments: unknown;
}
interface ToolCallIdentity {
  readonly run_uuid: string;
  readonly call_id: string;
  readonly tool: string;
  readonly session_agent_uuid?: string;
}
export type ToolCallEvent = Event<'tool_call', ToolCallIdentity & { arguments: unknown; status: string }>;
export type ToolResultEvent = Event<
  'tool_result',
  ToolCallIdentity & { ok: boolean; result: string; truncated: boolean; result_chars: number }
>;
export type ToolApprovalRequestedEvent = Event<
  'tool_approval_requested',
  { run_uuid: string; session_agent_uuid?: string; pending_tool_calls: readonly PendingToolCall[] }
>;
export type ToolCallsDecidedEvent = Event<
  'tool_calls_decided',
  {
    run_uuid: string;
    session_agent_uuid?: string;
    decisions: readonly { call_id: string; approve: boolean; edited: boolean; reason?: string }[];
  }
>;
export type GuardrailFindingsEvent = Event<
  'guardrail_findings',
  { agent_uuid: string; run_uuid?: string; session_agent_uuid?: string } & GuardrailReport
>;
export type BudgetExceededEvent = Event<
  'budget_exceeded',
  {
    budget: string;
    limit: number;
    used: number;
    /** Operation hub: the ask's run and whose budget (the session's or the ask's own). */
    run_uuid?: string;
    scope?: 'session' | 'ask';
    /** Procedure hub: model calls already started when the budget ran out, and when. */
    model_calls_started?: number;
    at_ms?: number;
  }
>;
/** Operation hub: a person decided a run a guardrail escalated (decideEscalation). */
export type EscalationDecidedEvent = Event<
  'escalation_decided',
  { run_uuid: string; decision: 'approve' | 'edit' | 'reject'; decided_by: string; reason?: string }
>;
export type PrefetchEvent = Event<
  'prefetch',
  { cache_key: string; fn: string; status: string; error?: string }
>;

export type NewSessionEvent =
  | SessionStatusEvent
  | AgentStateEvent
  | RunRecordedEvent
  | AgentOutputEvent
  | UserInputEvent
  | RunStartedEvent
  | RunUnassignedEvent
  | RunFinishedEvent
  | RunQueuedEvent
  | RunInterruptedEvent
  | TokenEvent
  | RunContinuedEvent
  | ToolCallEvent
  | ToolResultEvent
  | ToolApprovalRequestedEvent
  | ToolCallsDecidedEvent
  | GuardrailFindingsEvent
  | BudgetExceededEvent
  | EscalationDecidedEvent
  | PrefetchEvent
  | PlanModificationEvent;

export type SessionEventType = NewSessionEvent['type'];

export const sessionEvent = {
  sessionStatus: (
    status: string,
    extra: Omit<SessionStatusEvent['data'], 'status'> = {},
  ): SessionStatusEvent => ({
    type: 'session_status',
    data: { status, ...extra },
  }),
  agentState: (
    agent: AgentRef,
    state: string,
    notes?: string,
    extra: AgentStateExtra = {},
  ): AgentStateEvent => ({
    type: 'agent_state',
    data: {
      session_agent_uuid: agent.session_agent_uuid,
      agent_uuid: agent.agent_uuid,
      agent_name: agent.agent_name,
      state,
      ...(notes !== undefined && { notes }),
      ...extra,
    },
  }),
  runRecorded: (data: RunRecordedEvent['data']): RunRecordedEvent => ({ type: 'run_recorded', data }),
  agentOutput: (sessionAgentUuid: string, output: string): AgentOutputEvent => ({
    type: 'agent_output',
    data: { session_agent_uuid: sessionAgentUuid, output },
  }),
  userInput: (sessionAgentUuid: string, userInput: string, decision?: string): UserInputEvent => ({
    type: 'user_input',
    data: {
      session_agent_uuid: sessionAgentUuid,
      user_input: userInput,
      ...(decision !== undefined && { decision }),
    },
  }),
  runStarted: (data: RunStartedEvent['data']): RunStartedEvent => ({ type: 'run_started', data }),
  runUnassigned: (data: RunUnassignedEvent['data']): RunUnassignedEvent => ({ type: 'run_unassigned', data }),
  runFinished: (status: RunOutcomeStatus, data: RunFinishedEvent['data']): RunFinishedEvent => ({
    type: `run_${status}`,
    data,
  }),
  runContinued: (data: RunContinuedEvent['data']): RunContinuedEvent => ({ type: 'run_continued', data }),
  escalationDecided: (data: EscalationDecidedEvent['data']): EscalationDecidedEvent => ({
    type: 'escalation_decided',
    data,
  }),
  runQueued: (runUuid: string): RunQueuedEvent => ({ type: 'run_queued', data: { run_uuid: runUuid } }),
  runInterrupted: (runUuid: string, interruptedBy: string): RunInterruptedEvent => ({
    type: 'run_interrupted',
    data: { run_uuid: runUuid, interrupted_by: interruptedBy },
  }),
  token: (data: TokenEvent['data']): TokenEvent => ({ type: 'token', data }),
  toolCall: (data: ToolCallEvent['data']): ToolCallEvent => ({ type: 'tool_call', data }),
  toolResult: (data: ToolResultEvent['data']): ToolResultEvent => ({ type: 'tool_result', data }),
  toolApprovalRequested: (data: ToolApprovalRequestedEvent['data']): ToolApprovalRequestedEvent => ({
    type: 'tool_approval_requested',
    data,
  }),
  toolCallsDecided: (data: ToolCallsDecidedEvent['data']): ToolCallsDecidedEvent => ({
    type: 'tool_calls_decided',
    data,
  }),
  guardrailFindings: (data: GuardrailFindingsEvent['data']): GuardrailFindingsEvent => ({
    type: 'guardrail_findings',
    data,
  }),
  budgetExceeded: (data: BudgetExceededEvent['data']): BudgetExceededEvent => ({
    type: 'budget_exceeded',
    data,
  }),
  prefetch: (data: PrefetchEvent['data']): PrefetchEvent => ({ type: 'prefetch', data }),
  planModification: (data: PlanModificationEvent['data']): PlanModificationEvent => ({
    type: 'plan_modification',
    data,
  }),
};
