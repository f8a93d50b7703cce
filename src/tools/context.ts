import type { NewSessionEvent } from '../events/event-log.js';
import type { Tenant } from '../tenant.js';
import type { Decision, ToolCallStore } from './call-store.js';
import type { Toolbox } from './toolbox.js';

/**
 * What a hub hands a runtime so that the engine's tool loop can run the
 * agent's tools: the run's key (stable across redeliveries, retries and
 * crash-resumes), the toolbox, the exactly-once call store and the event log.
 */
export interface ToolRunContext {
  readonly runUuid: string;
  readonly tenant: Tenant;
  readonly sessionUuid?: string;
  readonly sessionAgentUuid?: string;
  readonly toolbox: Toolbox;
  readonly calls: ToolCallStore;
  /** A person's decisions on calls that awaited approval (decideToolCalls), by call id. */
  readonly decisions?: Readonly<Record<string, Decision>>;
  /** Appends tool_call / tool_result events to the session's log (and so to its subscribers). */
  readonly record: (events: readonly NewSessionEvent[]) => Promise<unknown>;
}

/** The engine-wide tool services the hubs build a ToolRunContext from. */
export interface ToolServices {
  readonly toolbox: Toolbox;
  readonly calls: ToolCallStore;
}
