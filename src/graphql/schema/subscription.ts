import { setTimeout as sleep } from 'node:timers/promises';
import * as z from 'zod';
import type { SessionEvent } from '../../events/publisher.js';
import type { Tenant } from '../../tenant.js';
import { builder } from '../builder.js';

/**
 * `sessionEvents(sessionUuid, after)`: the session's event log, from a cursor,
 * then live. Over the WebSocket transport the subscription is stored and
 * events are pushed by the EventPublisher fan-out (src/transport); each event
 * is the root value this selection set is executed against. Over HTTP
 * (GraphiQL's SSE) the `subscribe` resolver below polls the log instead.
 */
export interface SessionEventFeed {
  /** Throws NOT_FOUND unless the tenant owns the session. */
  assertAccess(tenant: Tenant, sessionUuid: string): Promise<void>;
  after(tenant: Tenant, sessionUuid: string, afterSeq: number, limit: number): Promise<SessionEvent[]>;
  isTerminal(event: SessionEvent): boolean;
}

declare module '../context.js' {
  interface Services {
    sessionEventFeed?: SessionEventFeed;
  }
}

const POLL_INTERVAL_MS = 250;

export const SessionEventRef = builder.objectRef<SessionEvent>('SessionEvent').implement({
  description: 'One transition of a session, in order (seq starts at 1 and has no gaps).',
  fields: (t) => ({
    sessionUuid: t.exposeString('sessionUuid', { nullable: false }),
    seq: t.exposeInt('seq', { nullable: false }),
    type: t.exposeString('type', {
      nullable: false,
      description: 'session_status, agent_state, run_recorded, agent_output, token, ...',
    }),
    data: t.field({ type: 'JSON', nullable: false, resolve: (event) => event.data }),
    createdAt: t.exposeString('createdAt', { nullable: false }),
  }),
});

builder.subscriptionType({});

builder.subscriptionField('sessionEvents', (t) =>
  t.field({
    type: SessionEventRef,
    nullable: false,
    description:
      'Events of a session after the cursor `after` (the last seq the client has; 0 or omitted for all), then live; completes after the session reaches a final status.',
    args: {
      sessionUuid: t.arg.string({ required: true }),
      after: t.arg.int({ required: false, validate: z.number().int().min(0) }),
    },
    subscribe: async function* (_root, args, ctx) {
      const feed = ctx.services.sessionEventFeed;
      if (!feed) throw new Error('sessionEvents is not wired on this transport');
      await feed.assertAccess(ctx.caller.tenant, args.sessionUuid);
      let cursor = args.after ?? 0;
      for (;;) {
        const events = await feed.after(ctx.caller.tenant, args.sessionUuid, cursor, 100);
        for (const event of events) {
          yield event;
          cursor = event.seq;
          if (feed.isTerminal(event)) return;
        }
        if (events.length === 0) await sleep(POLL_INTERVAL_MS);
      }
    },
    resolve: (event) => event,
  }),
);
