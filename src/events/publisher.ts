import type { Tenant } from '../tenant.js';

/**
 * A session event as the procedure and operation hubs record it: one row of
 * the session_events table, ordered by `seq` within its session.
 */
export interface SessionEvent {
  readonly sessionUuid: string;
  readonly seq: number;
  /** e.g. session_status, agent_state, run_recorded, agent_output, token */
  readonly type: string;
  readonly data: Record<string, unknown>;
  readonly createdAt: string;
}

/**
 * Where recorded events go live: the WebSocket transport implements it by
 * fanning out to the session's subscribers. Publishing is best effort: the
 * event log is the source of truth, and a reconnecting client replays from it.
 */
export interface EventPublisher {
  publish(tenant: Tenant, events: readonly SessionEvent[]): Promise<void>;
}

export const noPublisher: EventPublisher = { publish: async () => undefined };
