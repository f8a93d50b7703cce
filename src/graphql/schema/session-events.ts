import * as z from 'zod';
import { builder } from '../builder.js';
import { SessionEventRef } from './subscription.js';

/**
 * `sessionEvents(sessionUuid, after, limit)`: one page of a session's event
 * log, for replay and catch-up (the subscription of the same name streams it
 * live). Tenant-checked: another tenant's session reads as NOT_FOUND.
 */
builder.queryField('sessionEvents', (t) =>
  t.field({
    type: [SessionEventRef],
    nullable: false,
    description:
      'Events of a session with seq > `after` (0 or omitted: from the start), in order, at most `limit` (default 100, max 1000). Page on with the last seq.',
    args: {
      sessionUuid: t.arg.string({ required: true, validate: z.string().min(1).max(64) }),
      after: t.arg.int({ required: false, validate: z.number().int().min(0) }),
      limit: t.arg.int({ required: false, validate: z.number().int().min(1).max(1000) }),
    },
    resolve: async (_root, args, ctx) => {
      const feed = ctx.services.sessionEventFeed;
      if (!feed) throw new Error('sessionEvents is not wired on this transport');
      await feed.assertAccess(ctx.caller.tenant, args.sessionUuid);
      return feed.after(ctx.caller.tenant, args.sessionUuid, args.after ?? 0, args.limit ?? 100);
    },
  }),
);
