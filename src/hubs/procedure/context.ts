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
  /** The toolbox and the exactly-once call store (its writes pass the fault hooks like every other). */
  readonly tools?: ToolServices;
  /** Runs a write that is no repository's (the idempotency key, tool calls) as a write boundary. */
  write<T>(label: string, run: () => Promise<T>): Promise<T>;
  /** Appends to the session's event log (a write boundary like any other). */
  record(tenant: Tenant, sessionUuid: string, events: readonly NewSessionEvent[]): Promise<SessionEvent[]>;
}
