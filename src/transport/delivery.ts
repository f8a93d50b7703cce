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

/**
 * Delivers a session's events to one subscription, exactly once and in seq
 * order: the subscription row's `cursor` is moved (conditionally) over a run
 * of events before they are sent, so two deliveries racing for the same
 * events cannot both send them. Replay after subscribe and live fan-out use
 * the same pump; within a process pumps of one subscription run one after
 * another, so their messages also leave in order.
 */
export function createDelivery(deps: DeliveryDeps) {
  const { store, poster, eventLog, logger } = deps;
  const queues = new Map<string, Promise<void>>();

  async function pumpOnce(connectionId: string, subscriptionId: string, hint: readonly SessionEvent[]) {
    for (let attempt = 0; attempt < 50; attempt++) {
      const row = await store.getSubscription(connectionId, subscriptionId);
      if (row?.kind !== 'session_events' || !row.session_uuid) return;
      const tenant = tenantFromPartitionKey(row.partition_key);
      let pending = hint.filter((e) => e.sessionUuid === row.session_uuid && e.seq > row.cursor);
      const fromHint = pending.length > 0 && pending[0]?.seq === row.cursor + 1;
      if (!fromHint) pending = await eventLog.after(tenant, row.session_uuid, row.cursor, PAGE);
      if (pending.length === 0) return;
      const last = pending[pending.length - 1]!.seq;
      if (!(await store.advanceCursor(connectionId, subscriptionId, row.cursor, last))) continue;
      const context = deps.contextFor(row);
      for (const event of pending) {
        const payload = await executeForEvent(deps.schema, subscriptionSource(row), event, context);
        if (!(await poster.post(connectionId, { id: subscriptionId, type: 'next', payload }))) return;
        if (isTerminalEvent(event)) {
          await poster.post(connectionId, { id: subscriptionId, type: 'complete' });
          await store.deleteSubscription(connectionId, subscriptionId);
          return;
        }
      }
      if (fromHint || pending.length < PAGE) return;
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
