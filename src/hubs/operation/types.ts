import type { Logger } from 'pino';
import * as z from 'zod';
import type { Budget } from '../../budgets/model.js';
import type { TableNames } from '../../db/tables.js';
import type { Repositories } from '../../domain/repositories.js';
import type { Session } from '../../domain/session/model.js';
import type { NewSessionEvent } from '../../events/session-events.js';
import type { Governance } from '../../governance/governance.js';
import type { EscalationDecision } from '../../guardrails/escalation-decision.js';
import type { Finding } from '../../guardrails/model.js';
import type { RuntimeResolver } from '../../runtimes/port.js';
import type { Tenant } from '../../tenant.js';
import type { ThreadStore } from '../../threads/store.js';
import type { ToolServices } from '../../tools/context.js';
import type { ToolCallDecisionInput } from '../../tools/decisions.js';
import type { PendingToolCall } from '../../tools/events.js';
import type { SessionLock } from './session-lock.js';
import type { TriageDecision } from './triage.js';

export const DoubleTextingSchema = z.enum(['reject', 'enqueue', 'interrupt']);
export type DoubleTexting = z.infer<typeof DoubleTextingSchema>;

export interface AskInput {
  readonly coordinationUuid: string;
  readonly userQuery: string;
  readonly agentUuid?: string | null;
  readonly sessionUuid?: string | null;
  readonly threadUuid?: string | null;
  readonly userId?: string | null;
  readonly inputFiles?: readonly unknown[] | null;
  readonly stream?: boolean | null;
  readonly threadLifeMinutes?: number | null;
  /** Policy for a session created by this ask; an existing session keeps its own. */
  readonly doubleTexting?: DoubleTexting | null;
  /** Limits of this ask alone (maxTokens, maxCostUsd, maxModelCalls, maxToolCalls, maxDurationMs). */
  readonly budget?: Budget | null;
  /** Limits of a session created by this ask (an existing session keeps its own). */
  readonly sessionBudget?: Budget | null;
}

export type RunStatus =
  | 'completed'
  | 'failed'
  | 'cancelled'
  | 'unassigned'
  | 'timeout'
  /** A budget (the ask's or the session's) refused a model call. */
  | 'budget_exceeded'
  /** An output guardrail blocked the answer: nothing of it was streamed or stored. */
  | 'blocked'
  /** An output guardrail held the answer for a person: it is on the run, not returned. */
  | 'escalated'
  /** A tool call waits for a person's decision (decideToolCalls). */
  | 'waiting_for_approval';

export interface AskResult {
  readonly coordinationUuid: string;
  readonly sessionUuid: string;
  readonly runUuid: string;
  readonly threadUuid: string;
  readonly agentUuid: string | null;
  readonly asyncTaskUuid: string | null;
  readonly status: RunStatus;
  readonly answer: string | null;
  readonly error: string | null;
  readonly triage: TriageDecision;
  readonly session: Session;
  /** With status waiting_for_approval: the calls to decide (decideToolCalls with this runUuid). */
  readonly pendingToolCalls?: readonly PendingToolCall[] | null;
  /** With status escalated: what the guardrails found (decideEscalation with this runUuid). */
  readonly escalation?: RunEscalation | null;
}

export interface RunEscalation {
  readonly findings: readonly Finding[];
}

/** The session event log as the hub needs it (the exec branch's EventLog satisfies it). */
export interface SessionEventSink {
  append(tenant: Tenant, sessionUuid: string, events: readonly NewSessionEvent[]): Promise<unknown>;
}

export interface OperationHubSettings {
  readonly threadLifeMinutes: number;
  readonly doubleTexting: DoubleTexting;
  readonly agentTimeoutMs: number;
  readonly triageTimeoutMs: number;
  /** How long an `enqueue`d ask waits for the session before it gives up. */
  readonly enqueueWaitMs: number;
  readonly enqueuePollMs: number;
  /** Streamed chunks are logged as `token` events in batches of this many (one write per batch). */
  readonly tokenEventBatch: number;
  /** How often a running ask checks it still holds its session (interrupts from other instances). */
  readonly ownershipCheckMs: number;
}

export const defaultOperationHubSettings: OperationHubSettings = {
  threadLifeMinutes: 30,
  doubleTexting: 'reject',
  agentTimeoutMs: 120_000,
  triageTimeoutMs: 30_000,
  enqueueWaitMs: 120_000,
  enqueuePollMs: 100,
  tokenEventBatch: 16,
  ownershipCheckMs: 2_000,
};

export interface OperationHubDeps {
  readonly repos: Repositories;
  readonly runtimes: RuntimeResolver;
  readonly locks: SessionLock;
  readonly events?: SessionEventSink;
  readonly logger?: Logger;
  readonly now?: () => Date;
  readonly settings?: Partial<OperationHubSettings>;
  /** Usage ledger, budgets and guardrails (with the table names the budget counters live in). */
  readonly governance?: Governance;
  readonly tables?: TableNames;
  /** Agents' tools and the exactly-once call store; without them an agent with tools fails clearly. */
  readonly tools?: ToolServices;
  /** The engine's thread store: an approved escalated answer joins its thread. */
  readonly threads?: ThreadStore;
}

export interface AskCaller {
  readonly tenant: Tenant;
  readonly userId: string;
}

export interface ChunkMeta {
  readonly sessionUuid: string;
  readonly runUuid: string;
  readonly agentUuid: string;
  /** 0-based position of the chunk in the answer. */
  readonly index: number;
}

export interface AskOptions {
  /** Each streamed chunk, in order (the WebSocket transport forwards them as `next` messages). */
  readonly onChunk?: (chunk: string, meta: ChunkMeta) => void | Promise<void>;
  /** Each tool_call / tool_result event of the run as it happens (the WebSocket transport forwards them). */
  readonly onToolEvent?: (event: NewSessionEvent) => void | Promise<void>;
}

export interface DecideRunInput {
  readonly sessionUuid: string;
  readonly runUuid: string;
  readonly decisions: readonly ToolCallDecisionInput[];
}

export interface DecideEscalationInput {
  readonly sessionUuid: string;
  readonly runUuid: string;
  readonly decision: EscalationDecision;
}

export interface OperationHub {
  ask(caller: AskCaller, input: AskInput, options?: AskOptions): Promise<AskResult>;
  /** Decides the pending tool calls of a run that is waiting_for_approval and continues it in this request. */
  decideToolCalls(caller: AskCaller, input: DecideRunInput, options?: AskOptions): Promise<AskResult>;
  /** Approves, edits or rejects the held answer of a run a guardrail escalated (status escalated). */
  decideEscalation(caller: AskCaller, input: DecideEscalationInput): Promise<AskResult>;
}

/** What the hub's parts share within one hub instance. */
export interface HubInternals {
  readonly repos: Repositories;
  readonly locks: SessionLock;
  readonly runtimes: RuntimeResolver;
  readonly settings: OperationHubSettings;
  /** Runs of this instance that an `interrupt` may cancel; runs on other instances notice at their end. */
  readonly inFlight: Map<string, AbortController>;
  readonly governance?: Governance;
  readonly tables?: TableNames;
  /** Appends one session event; never throws (the log is best effort for the hub's answer). */
  readonly record: (tenant: Tenant, sessionUuid: string, event: NewSessionEvent) => Promise<void>;
  readonly tools?: ToolServices;
  readonly threads?: ThreadStore;
  readonly logger?: Logger;
}
