/**
 * Every event a writer appends to a session's log, each built by one
 * constructor. The union is the log's input type: a shape rebuilt by hand
 * elsewhere does not compile. Readers (GraphQL sessionEvents, the WebSocket
 * subscription) see the same `{type, data}`.
 */
type Event<T extends string, D> = { readonly type: T; readonly data: D };

interface AgentRef {
  readonly session_agent_uuid: string;
  readonly agent_uuid: string;
  readonly agent_name?: string | null;
}

export type RunOutcomeStatus = 'completed' | 'failed' | 'cancelled' | 'timeout';

export type SessionStatusEvent = Event<
  'session_status',
  {
    status: string;
    reason?: string;
    task_uuid?: string;
    agent_count?: number;
    /** Appended by resume after a crash lost the original. */
    recovered?: boolean;
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
  }
>;
export type RunRecordedEvent = Event<
  'run_recorded',
  { run_uuid: string; session_agent_uuid: string; thread_uuid: string }
>;
export type AgentOutputEvent = Event<'agent_output', { session_agent_uuid: string; output: string }>;
export type UserInputEvent = Event<'user_input', { session_agent_uuid: string; user_input: string }>;
export type RunStartedEvent = Event<
  'run_started',
  { run_uuid: string; agent_uuid: string; thread_uuid: string; thread: string; triage: unknown }
>;
export type RunUnassignedEvent = Event<'run_unassigned', { run_uuid: string; triage: unknown }>;
export type RunFinishedEvent = Event<
  `run_${RunOutcomeStatus}`,
  { run_uuid: string; agent_uuid: string; thread_uuid: string; error?: string; answer_chars?: number }
>;
export type RunQueuedEvent = Event<'run_queued', { run_uuid: string }>;
export type RunInterruptedEvent = Event<'run_interrupted', { run_uuid: string; interrupted_by: string }>;
export type TokenEvent = Event<'token', { run_uuid: string; from_index: number; chunks: readonly string[] }>;

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
  agentState: (agent: AgentRef, state: string, notes?: string): AgentStateEvent => ({
    type: 'agent_state',
    data: {
      session_agent_uuid: agent.session_agent_uuid,
      agent_uuid: agent.agent_uuid,
      agent_name: agent.agent_name,
      state,
      ...(notes !== undefined && { notes }),
    },
  }),
  runRecorded: (data: RunRecordedEvent['data']): RunRecordedEvent => ({ type: 'run_recorded', data }),
  agentOutput: (sessionAgentUuid: string, output: string): AgentOutputEvent => ({
    type: 'agent_output',
    data: { session_agent_uuid: sessionAgentUuid, output },
  }),
  userInput: (sessionAgentUuid: string, userInput: string): UserInputEvent => ({
    type: 'user_input',
    data: { session_agent_uuid: sessionAgentUuid, user_input: userInput },
  }),
  runStarted: (data: RunStartedEvent['data']): RunStartedEvent => ({ type: 'run_started', data }),
  runUnassigned: (data: RunUnassignedEvent['data']): RunUnassignedEvent => ({ type: 'run_unassigned', data }),
  runFinished: (status: RunOutcomeStatus, data: RunFinishedEvent['data']): RunFinishedEvent => ({
    type: `run_${status}`,
    data,
  }),
  runQueued: (runUuid: string): RunQueuedEvent => ({ type: 'run_queued', data: { run_uuid: runUuid } }),
  runInterrupted: (runUuid: string, interruptedBy: string): RunInterruptedEvent => ({
    type: 'run_interrupted',
    data: { run_uuid: runUuid, interrupted_by: interruptedBy },
  }),
  token: (data: TokenEvent['data']): TokenEvent => ({ type: 'token', data }),
  planModification: (data: PlanModificationEvent['data']): PlanModificationEvent => ({
    type: 'plan_modification',
    data,
  }),
};
