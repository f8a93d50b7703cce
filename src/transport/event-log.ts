import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { TableNames } from '../db/tables.js';
import type { SessionEvent } from '../events/publisher.js';
import type { Tenant } from '../tenant.js';

/**
 * Reads the procedure hub's session event log (table session_events, hash
 * session_uuid, range seq) for replay and catch-up delivery. Strongly
 * consistent reads; rows of another tenant are never returned.
 */
export interface EventLogReader {
  after(tenant: Tenant, sessionUuid: string, afterSeq: number, limit: number): Promise<SessionEvent[]>;
  /** The tenant that owns a session's log, when it has any rows. */
  ownerOf(sessionUuid: string): Promise<string | undefined>;
}

/** The procedure hub's log stores runs of events per item (at most this many); see src/events/event-log.ts. */
const MAX_EVENTS_PER_ITEM = 32;

export function createEventLogReader(deps: {
  doc: DynamoDBDocumentClient;
  tables: TableNames;
}): EventLogReader {
  const table = deps.tables.sessionEvents;
  return {
    async after(tenant, sessionUuid, afterSeq, limit) {
      const events: SessionEvent[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        // An item that starts before the cursor may still hold events after it.
        const page = await deps.doc.send(
          new QueryCommand({
            TableName: table,
            KeyConditionExpression: 'session_uuid = :s AND seq > :from',
            ExpressionAttributeValues: { ':s': sessionUuid, ':from': afterSeq - MAX_EVENTS_PER_ITEM },
            ConsistentRead: true,
            ExclusiveStartKey: start,
          }),
        );
        for (const item of page.Items ?? []) {
          if (item.partition_key !== tenant.partitionKey) continue;
          for (const event of eventsOfItem(item)) {
            if (event.seq > afterSeq && events.length < limit) events.push(event);
          }
        }
        start = events.length < limit ? page.LastEvaluatedKey : undefined;
      } while (start);
      return events;
    },

    async ownerOf(sessionUuid) {
      const page = await deps.doc.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: 'session_uuid = :s',
          ExpressionAttributeValues: { ':s': sessionUuid },
          ConsistentRead: true,
          Limit: 1,
        }),
      );
      const owner = page.Items?.[0]?.partition_key;
      return typeof owner === 'string' ? owner : undefined;
    },
  };
}

/** One stored item: a run of events starting at `seq` (`events` list), or a single event. */
export function eventsOfItem(item: Record<string, unknown>): SessionEvent[] {
  const sessionUuid = String(item.session_uuid);
  const first = Number(item.seq);
  const stored = Array.isArray(item.events) ? (item.events as Record<string, unknown>[]) : [item];
  return stored.map((e, i) => ({
    sessionUuid,
    seq: first + i,
    type: String(e.type ?? 'unknown'),
    data: (e.data ?? {}) as Record<string, unknown>,
    createdAt: String(e.created_at ?? ''),
  }));
}

const TERMINAL_STATUSES = new Set(['completed', 'failed', 'cancelled', 'timeout']);

/** The session reached a final status: a subscription to it completes after this event. */
export function isTerminalEvent(event: SessionEvent): boolean {
  return event.type === 'session_status' && TERMINAL_STATUSES.has(String(event.data.status));
}
