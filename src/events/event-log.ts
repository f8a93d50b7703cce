import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Logger } from 'pino';
import type { TableNames } from '../db/tables.js';
import type { PayloadStore } from '../payloads/store.js';
import type { Tenant } from '../tenant.js';
import type { EventPublisher, SessionEvent } from './publisher.js';
import type { NewSessionEvent } from './session-events.js';

/** An event before it is recorded (one of the constructors' union): the log assigns `seq` and `createdAt`. */
export type { NewSessionEvent } from './session-events.js';

export interface ListEventsOptions {
  /** Return events with seq strictly greater than this (a cursor; 0 = from the start). */
  readonly after?: number;
  readonly limit?: number;
  /** Resolves references to large values (S3). */
  readonly payloads?: PayloadStore;
}

export interface EventLog {
  /** Appends the events in order (consecutive seqs), then publishes them (best effort). */
  append(tenant: Tenant, sessionUuid: string, events: readonly NewSessionEvent[]): Promise<SessionEvent[]>;
  list(tenant: Tenant, sessionUuid: string, options?: ListEventsOptions): Promise<SessionEvent[]>;
}

export interface EventLogDeps {
  readonly doc: DynamoDBDocumentClient;
  readonly tables: Pick<TableNames, 'sessionEvents'>;
  readonly publisher?: EventPublisher;
  readonly logger?: Logger;
  readonly now?: () => Date;
  /** Strings over the inline limit go to S3 (read back whole); without it they are cut at 60 000 chars. */
  readonly payloads?: PayloadStore;
}

/** Events per stored item: one append of up to this many events costs one write. */
export const MAX_EVENTS_PER_ITEM = 32;
/** Keep each item well under DynamoDB's 400 KB item limit. */
const MAX_ITEM_CHARS = 300_000;
const MAX_STRING_CHARS = 60_000;
const MAX_APPEND_ATTEMPTS = 100;

interface StoredEvent {
  type: string;
  data: Record<string, unknown>;
  created_at: string;
}

interface EventItem {
  session_uuid: string;
  seq: number;
  count: number;
  partition_key: string;
  events: StoredEvent[];
}

/**
 * The per-session, append-only event log (table session_events).
 *
 * One item holds a run of consecutive events: the item at `seq = k` with
 * `count = m` holds events k..k+m-1, and the next item starts at k+m. An
 * append writes the next item with `attribute_not_exists(seq)`: two writers
 * that saw the same tail compute the same key, so one loses, re-reads the
 * tail and retries. Seqs are therefore dense and an event with seq n is only
 * visible once every event before it is: a reader that resumes "after n"
 * never misses one. No transactions, no counter item.
 */
export function createEventLog(deps: EventLogDeps): EventLog {
  const { doc } = deps;
  const tableName = deps.tables.sessionEvents;
  const now = () => (deps.now?.() ?? new Date()).toISOString();
  // Next free seq per session, as last seen by this instance: saves the tail read in the common case.
  const nextSeqHint = new Map<string, number>();
  // Group commit: appends of one session from this instance are queued; one writer per session
  // drains the queue, writing every waiting event in one item (they would only collide otherwise).
  interface PendingAppend {
    readonly tenant: Tenant;
    readonly events: StoredEvent[];
    resolve(recorded: SessionEvent[]): void;
    reject(error: unknown): void;
  }
  const queues = new Map<string, PendingAppend[]>();

  async function drain(sessionUuid: string, queue: PendingAppend[]) {
    while (queue.length > 0) {
      const first = queue.shift() as PendingAppend;
      const batch = [first];
      let count = first.events.length;
      while (queue.length > 0) {
        const next = queue[0] as PendingAppend;
        if (next.tenant.partitionKey !== first.tenant.partitionKey) break;
        if (count + next.events.length > MAX_EVENTS_PER_ITEM) break;
        batch.push(queue.shift() as PendingAppend);
        count += next.events.length;
      }
      try {
        const all = batch.flatMap((p) => p.events);
        const recorded: SessionEvent[] = [];
        for (const chunk of chunkEvents(all)) {
          const seq = await putItem(first.tenant, sessionUuid, chunk);
          chunk.forEach((e, i) => {
            recorded.push({ sessionUuid, seq: seq + i, type: e.type, data: e.data, createdAt: e.created_at });
          });
        }
        let offset = 0;
        for (const pending of batch) {
          pending.resolve(recorded.slice(offset, offset + pending.events.length));
          offset += pending.events.length;
        }
      } catch (error) {
        for (const pending of batch) pending.reject(error);
      }
    }
    queues.delete(sessionUuid);
  }

  function enqueue(tenant: Tenant, sessionUuid: string, events: StoredEvent[]): Promise<SessionEvent[]> {
    return new Promise((resolve, reject) => {
      const queue = queues.get(sessionUuid);
      if (queue) {
        queue.push({ tenant, events, resolve, reject });
        return;
      }
      const fresh: PendingAppend[] = [{ tenant, events, resolve, reject }];
      queues.set(sessionUuid, fresh);
      void drain(sessionUuid, fresh);
    });
  }

  async function readNextSeq(sessionUuid: string): Promise<number> {
    const { Items } = await doc.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'session_uuid = :s',
        ExpressionAttributeValues: { ':s': sessionUuid },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    const last = Items?.[0] as EventItem | undefined;
    return last ? last.seq + last.count : 1;
  }

  async function putItem(tenant: Tenant, sessionUuid: string, events: StoredEvent[]): Promise<number> {
    let seq = nextSeqHint.get(sessionUuid) ?? (await readNextSeq(sessionUuid));
    for (let attempt = 0; attempt < MAX_APPEND_ATTEMPTS; attempt++) {
      try {
        await doc.send(
          new PutCommand({
            TableName: tableName,
            Item: {
              session_uuid: sessionUuid,
              seq,
              count: events.length,
              partition_key: tenant.partitionKey,
              events,
            } satisfies EventItem,
            ConditionExpression: 'attribute_not_exists(seq)',
          }),
        );
        remember(sessionUuid, seq + events.length);
        return seq;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        seq = await readNextSeq(sessionUuid);
      }
    }
    throw new Error(`event log append for session ${sessionUuid} kept losing the race`);
  }

  function remember(sessionUuid: string, next: number) {
    if (nextSeqHint.size > 10_000) nextSeqHint.clear();
    nextSeqHint.set(sessionUuid, next);
  }

  return {
    async append(tenant, sessionUuid, newEvents) {
      if (newEvents.length === 0) return [];
      const createdAt = now();
      const stored = await Promise.all(newEvents.map((e) => fitEvent(e, createdAt, tenant, deps.payloads)));
      const recorded = (await enqueue(tenant, sessionUuid, stored)).map((event, i) => ({
        ...event,
        // Subscribers get the whole values at once; the item holds references to the large ones.
        data: withoutUndefined(newEvents[i]?.data as Record<string, unknown>),
      }));
      if (deps.publisher) {
        await deps.publisher.publish(tenant, recorded).catch((error: unknown) => {
          deps.logger?.warn(
            { err: error, sessionUuid },
            'publishing session events failed (the log has them)',
          );
        });
      }
      return recorded;
    },

    list: (tenant, sessionUuid, options) =>
      listSessionEvents(doc, tableName, tenant, sessionUuid, { ...options, payloads: deps.payloads }),
  };
}

/**
 * Events of one session with seq > `after`, in order, at most `limit`: the
 * one reader of the log, shared by the hubs' EventLog and the transport's
 * replay. Strongly consistent; rows of another tenant are skipped.
 */
export async function listSessionEvents(
  doc: DynamoDBDocumentClient,
  tableName: string,
  tenant: Tenant,
  sessionUuid: string,
  options: ListEventsOptions = {},
): Promise<SessionEvent[]> {
  const after = Math.max(0, Math.floor(options.after ?? 0));
  const limit = Math.min(Math.max(1, options.limit ?? 100), 1000);
  const out: SessionEvent[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    // An item that starts before `after` may still hold events after it.
    const page = await doc.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'session_uuid = :s AND seq > :from',
        ExpressionAttributeValues: { ':s': sessionUuid, ':from': after - MAX_EVENTS_PER_ITEM },
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    );
    for (const raw of page.Items ?? []) {
      const item = raw as EventItem;
      if (item.partition_key !== tenant.partitionKey) continue;
      item.events.forEach((e, i) => {
        const seq = item.seq + i;
        if (seq > after && out.length < limit) {
          out.push({ sessionUuid, seq, type: e.type, data: e.data, createdAt: e.created_at });
        }
      });
    }
    start = out.length < limit ? page.LastEvaluatedKey : undefined;
  } while (start);
  const { payloads } = options;
  if (!payloads) return out;
  return Promise.all(out.map(async (e) => ({ ...e, data: await payloads.getFields(tenant, e.data) })));
}

/** The tenant that owns a session's log, when it has any rows (the first item says). */
export async function ownerOfSessionLog(
  doc: DynamoDBDocumentClient,
  tableName: string,
  sessionUuid: string,
): Promise<string | undefined> {
  const page = await doc.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'session_uuid = :s',
      ExpressionAttributeValues: { ':s': sessionUuid },
      ConsistentRead: true,
      Limit: 1,
    }),
  );
  const owner = page.Items?.[0]?.partition_key;
  return typeof owner === 'string' ? owner : undefined;
}

function chunkEvents(events: StoredEvent[]): StoredEvent[][] {
  const chunks: StoredEvent[][] = [];
  let current: StoredEvent[] = [];
  let size = 0;
  for (const event of events) {
    const eventSize = JSON.stringify(event).length;
    if (current.length > 0 && (current.length >= MAX_EVENTS_PER_ITEM || size + eventSize > MAX_ITEM_CHARS)) {
      chunks.push(current);
      current = [];
      size = 0;
    }
    current.push(event);
    size += eventSize;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

const withoutUndefined = (data: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(data).filter(([, value]) => value !== undefined));

/**
 * Strings over the inline limit go to S3, the item keeps a reference (read
 * back whole). Without a payload store, long strings are cut in the log
 * instead; the SessionAgent row keeps the full value.
 */
async function fitEvent(
  event: NewSessionEvent,
  createdAt: string,
  tenant: Tenant,
  payloads?: PayloadStore,
): Promise<StoredEvent> {
  const data: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(withoutUndefined(event.data as Record<string, unknown>))) {
    if (typeof value !== 'string') data[key] = value;
    else if (payloads?.offloading) data[key] = await payloads.put(tenant, value);
    else
      data[key] =
        value.length > MAX_STRING_CHARS
          ? `${value.slice(0, MAX_STRING_CHARS)}… [truncated ${value.length - MAX_STRING_CHARS} chars]`
          : value;
  }
  return { type: event.type, data, created_at: createdAt };
}
