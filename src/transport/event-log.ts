import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { TableNames } from '../db/tables.js';
import { listSessionEvents, ownerOfSessionLog } from '../events/event-log.js';
import type { SessionEvent } from '../events/publisher.js';
import type { PayloadStore } from '../payloads/store.js';
import type { Tenant } from '../tenant.js';

/**
 * The transport's view of the session event log: replay and catch-up
 * (through the log's own reader) and the owner of a session's log.
 */
export interface EventLogReader {
  after(tenant: Tenant, sessionUuid: string, afterSeq: number, limit: number): Promise<SessionEvent[]>;
  /** The tenant that owns a session's log, when it has any rows. */
  ownerOf(sessionUuid: string): Promise<string | undefined>;
}

export function createEventLogReader(deps: {
  doc: DynamoDBDocumentClient;
  tables: TableNames;
  /** Resolves references to large values, so replayed events are whole. */
  payloads?: PayloadStore;
}): EventLogReader {
  const table = deps.tables.sessionEvents;
  return {
    after: (tenant, sessionUuid, afterSeq, limit) =>
      listSessionEvents(deps.doc, table, tenant, sessionUuid, {
        after: afterSeq,
        limit,
        payloads: deps.payloads,
      }),

    ownerOf: (sessionUuid) => ownerOfSessionLog(deps.doc, table, sessionUuid),
  };
}

const TERMINAL_STATUSES = new Set(['completed', 'failed', 'cancelled', 'timeout', 'budget_exceeded']);

/** The session reached a final status: a subscription to it completes after this event. */
export function isTerminalEvent(event: SessionEvent): boolean {
  return event.type === 'session_status' && TERMINAL_STATUSES.has(String(event.data.status));
}
