import type { GraphQLSchema } from 'graphql';
import type { Logger } from 'pino';
import type { EventPublisher, SessionEvent } from '../events/publisher.js';
import type { GraphQLContext } from '../graphql/context.js';
import { tenantFromPartitionKey } from '../tenant.js';
import { type ConnectionStore, type Subscription, sessionTopic } from './connection-store.js';
import { type EventLogReader, isTerminalEvent } from './event-log.js';
import { executeForEvent } from './operation.js';
import type { Poster } from './poster.js';

const PAGE = 100;

export interface DeliveryDeps {
  readonly store: ConnectionStore;
  readonly poster: Poster;
  readonly eventLog: EventLogReader;
  readonly schema: GraphQLSchema;
  readonly logger: Logger;
  /** The per-event context (the subscriber's tenant and user, transport 'ws'). */
  readonly contextFor: (subscription: Subscription) => GraphQLContext;
}

/** A post that failed (other than Gone) is tried this many more times before it is left for the next delivery. */
const POST_RETRIES = 2;

/**
 * Delivers a session's events to one subscription, in seq order, losing
 * none: the subscription row's `cursor` moves (conditionally) past an event
 * only after its post succeeded. A post that fails (other than Gone) is
 * retried, then left for the next delivery (the next event, or a
 * reconnect's replay), which starts again after the cursor. So an event may
 * be sent twice (a crash between post and cursor write, two deliveries
 * racing) and clients de-duplicate by `seq` (docs/TRANSPORTS.md). Replay
 * after subscribe and live fan-out use the same pump; within a process pumps
 * of one subscription run one after another, so their messages leave in order.
 */
export function createDelivery(deps: DeliveryDeps) {
  const { store, poster, eventLog, logger } = deps;
  const queues = new Map<string, Promise<void>>();

  /** True when sent; false when the connection is gone (cleaned up) or the post kept failing. */
  async function post(
    connectionId: string,
    message: Record<string, unknown>,
  ): Promise<'sent' | 'gone' | 'failed'> {
    for (let attempt = 0; ; attempt++) {
      try {
        return (await poster.post(connectionId, message)) ? 'sent' : 'gone';
      } catch (error) {
        if (attempt >= POST_RETRIES) {
          logger.warn({ err: error, connectionId }, 'post failed; left for the next delivery');
          return 'failed';
        }
        await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
      }
    }
  }

  async function pumpOnce(connectionId: string, subscriptionId: string, hint: readonly SessionEvent[]) {
    for (let attempt = 0; attempt < 50; attempt++) {
      const row = await store.getSubscription(connectionId, subscriptionId);
      if (row?.kind !== 'session_events' || !row.session_uuid) return;
      const tenant = tenantFromPartitionKey(row.partition_key);
      let pending = hint.filter((e) => e.sessionUuid === row.session_uuid && e.seq > row.cursor);
      const fromHint = pending.length > 0 && pending[0]?.seq === row.cursor + 1;
      if (!fromHint) pending = await eventLog.after(tenant, row.session_uuid, row.cursor, PAGE);
      if (pending.length === 0) return;
      const context = deps.contextFor(row);
      let cursor = row.cursor;
      let raced = false;
      for (const event of pending) {
        const payload = await executeForEvent(deps.schema, subscriptionSource(row), event, context);
        const sent = await post(connectionId, { id: subscriptionId, type: 'next', payload });
        if (sent !== 'sent') return;
        if (isTerminalEvent(event)) {
          // The cursor stays before the last event until `complete` is out: a retry sends both again.
          if ((await post(connectionId, { id: subscriptionId, type: 'complete' })) !== 'sent') return;
          await store.deleteSubscription(connectionId, subscriptionId);
          return;
        }
        if (!(await store.advanceCursor(connectionId, subscriptionId, cursor, event.seq))) {
          raced = true; // another delivery moved the cursor: read it again
          break;
        }
        cursor = event.seq;
      }
      if (!raced && (fromHint || pending.length < PAGE)) return;
    }
    logger.warn({ connectionId, subscriptionId }, 'gave up delivering after repeated cursor races');
  }

  return {
    /** Sends every event after the subscription's cursor; `hint` spares a log read when it is contiguous. */
    pump(connectionId: string, subscriptionId: string, hint: readonly SessionEvent[] = []): Promise<void> {
      const key = `${connectionId}#${subscriptionId}`;
      const previous = queues.get(key) ?? Promise.resolve();
      const next = previous.catch(() => undefined).then(() => pumpOnce(connectionId, subscriptionId, hint));
      queues.set(key, next);
      const cleanup = () => {
        if (queues.get(key) === next) queues.delete(key);
      };
      next.then(cleanup, cleanup);
      return next;
    },
  };
}

export type Delivery = ReturnType<typeof createDelivery>;

function subscriptionSource(row: Subscription) {
  return {
    query: row.query ?? '',
    ...(row.variables && { variables: row.variables }),
    ...(row.operation_name && { operation_name: row.operation_name }),
  };
}

/**
 * The EventPublisher the hubs are given: fans recorded events out to the
 * subscribers of their session's topic. The topic carries the tenant, and
 * each subscriber's tenant is checked again, so no event crosses tenants.
 * Best effort: a failure is logged, and the subscriber catches up from the
 * log on the next event (or on reconnect with its cursor).
 */
export function createFanOutPublisher(deps: {
  store: ConnectionStore;
  delivery: Delivery;
  logger: Logger;
}): EventPublisher {
  return {
    async publish(tenant, events) {
      const bySession = new Map<string, SessionEvent[]>();
      for (const event of events) {
        const list = bySession.get(event.sessionUuid) ?? [];
        list.push(event);
        bySession.set(event.sessionUuid, list);
      }
      await Promise.all(
        [...bySession].map(async ([sessionUuid, sessionEvents]) => {
          try {
            const subscribers = await deps.store.subscribersOf(sessionTopic(tenant, sessionUuid));
            const sorted = [...sessionEvents].sort((a, b) => a.seq - b.seq);
            await Promise.all(
              subscribers
                .filter((s) => s.partition_key === tenant.partitionKey)
                .map((s) =>
                  deps.delivery.pump(s.connection_id, s.subscription_id, sorted).catch((error: unknown) => {
                    deps.logger.warn({ err: error, connectionId: s.connection_id }, 'event delivery failed');
                  }),
                ),
            );
          } catch (error) {
            deps.logger.warn({ err: error, sessionUuid }, 'event fan-out failed');
          }
        }),
      );
    },
  };
}
