import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Logger } from 'pino';
import type { TableNames } from '../../db/tables.js';
import type { WriteHooks } from '../../db/write-hooks.js';
import type { Repositories } from '../../domain/repositories.js';
import type { EventLog, NewSessionEvent } from '../../events/event-log.js';
import type { SessionEvent } from '../../events/publisher.js';
import type { Governance } from '../../governance/governance.js';
import type { PayloadStore } from '../../payloads/store.js';
import type { PrefetchFetcher } from '../../prefetch/run.js';
import type { WorkQueue } from '../../queue/port.js';
import type { RuntimeResolver } from '../../runtimes/port.js';
import type { Tenant } from '../../tenant.js';
import type { ToolServices } from '../../tools/context.js';
import type { Toolbox } from '../../tools/toolbox.js';
import type { ActionRegistry } from './actions.js';
import type { RunRegistry } from './heartbeat.js';
import type { ResolvedPolicy } from './policy.js';

export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** What the procedure hub needs; every piece is passed in (tests pass real local servers). */
export interface ProcedureHubDeps {
  readonly doc: DynamoDBDocumentClient;
  readonly tables: TableNames;
  readonly eventLog: EventLog;
  readonly queue: WorkQueue;
  readonly runtimes: RuntimeResolver;
  readonly actions?: ActionRegistry;
  readonly clock?: Clock;
  readonly logger: Logger;
  readonly policyDefaults?: Partial<ResolvedPolicy>;
  /** First retry delay of agent calls (doubles each retry, with jitter). */
  readonly retryBaseMs?: number;
  /** Usage ledger, budgets and guardrails; without it, calls are neither metered nor bounded nor guarded. */
  readonly governance?: Governance;
  /** Large values (outputs, inputs) to S3 and back; without it every value stays inline. */
  readonly payloads?: PayloadStore;
  /** Crash-test hook: sees every write (state, run, event log, idempotency key, tool calls). */
  readonly faults?: WriteHooks;
  /** Agents' tools (http, lambda, mcp, builtin); without it an agent with tools fails clearly. */
  readonly toolbox?: Toolbox;
  /** How prefetch specs are fetched; by default the tool their `fn` names, through the toolbox. */
  readonly prefetchFetcher?: PrefetchFetcher;
  /** How long a claim holds without a heartbeat (default 30 s): a dead worker's agent is free after it. */
  readonly leaseMs?: number;
  /** How often a running agent renews its lease (default a third of the lease). */
  readonly heartbeatMs?: number;
  /**
   * How many agents one worker runs at once before the successors a completion makes ready go
   * through the queue instead of running inline beside it (default 8; at least one is always kept).
   */
  readonly inlineRunsPerWorker?: number;
  /** Sessions left untouched this long may be stuck: the sweeper looks at them (default 60 s). */
  readonly sweepStaleMs?: number;
  /**
   * Called when cancel stops an agent, so whatever it left open is answered
   * (in-flight tool calls get an error result): the tool loop plugs in here.
   */
  readonly onAgentCancelled?: (tenant: Tenant, agent: CancelledAgent) => Promise<void>;
}

export interface CancelledAgent {
  readonly session_uuid: string;
  readonly session_agent_uuid: string;
  readonly run_uuid?: string | null;
  readonly reason: string;
}

/** What the work queue tells a handler about the invocation it runs in. */
export interface Invocation {
  /** Epoch ms by which this worker must have handed its claims back (Lambda's remaining time). */
  readonly deadlineMs?: number;
}

/** The hub's internals shared by its steps (start, execute, progress, resume). */
export interface HubContext {
  readonly deps: ProcedureHubDeps;
  /**
   * The tables' one access path (src/domain), built by the hub over its own
   * clock and write hooks: every write of the executor is a crash-test boundary.
   */
  readonly repos: Repositories;
  readonly actions: ActionRegistry;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly retryBaseMs: number;
  readonly leaseMs: number;
  readonly heartbeatMs: number;
  readonly sweepStaleMs: number;
  /** Agents a worker runs at once, the inline ones included (deps.inlineRunsPerWorker). */
  readonly inlineRunsPerWorker: number;
  /** This process's running agents (cancel reaches them at once). */
  readonly running: RunRegistry;
  /** The toolbox and the exactly-once call store (its writes pass the fault hooks like every other). */
  readonly tools?: ToolServices;
  /**
   * Cancel stopped an agent: its open tool calls are answered with an error (tool_result events),
   * then the deployment's own hook (deps.onAgentCancelled) runs.
   */
  onAgentCancelled(tenant: Tenant, agent: CancelledAgent): Promise<void>;
  /** Runs a write that is no repository's (the idempotency key, tool calls) as a write boundary. */
  write<T>(label: string, run: () => Promise<T>): Promise<T>;
  /** Appends to the session's event log (a write boundary like any other). */
  record(tenant: Tenant, sessionUuid: string, events: readonly NewSessionEvent[]): Promise<SessionEvent[]>;
}
