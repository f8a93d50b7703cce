import { z } from 'zod';
import { IdSchema, QueryTextSchema } from '../../domain/common/fields.js';
import type { Session } from '../../domain/session/model.js';
import type { ProcedureHub } from '../../hubs/procedure/hub.js';
import { builder } from '../builder.js';
import { CoordinationRef } from './coordination.js';
import { SessionRef, sessionKey } from './session.js';
import { SessionEventRef } from './subscription.js';
import { TaskRef, taskKey } from './task.js';

/**
 * The procedure hub's operations, with the Python engine's names and
 * arguments: executeProcedureTaskSession, executeForUserInput, plus
 * resumeProcedureTaskSession and the event log as a query.
 */
declare module '../context.js' {
  interface Services {
    /** The procedure hub (DAG executor) behind these fields. */
    procedure?: ProcedureHub;
  }
}

function hubOf(services: { procedure?: ProcedureHub }): ProcedureHub {
  if (!services.procedure) throw new Error('the procedure hub is not wired on this transport');
  return services.procedure;
}

const ProcedureTaskSessionRef = builder.objectRef<Session>('ProcedureTaskSession').implement({
  description:
    'The session an execution of a task created (or, for a repeated idempotency key, the first one).',
  fields: (t) => ({
    coordinationUuid: t.exposeID('coordination_uuid', { nullable: false }),
    sessionUuid: t.exposeID('session_uuid', { nullable: false }),
    taskUuid: t.exposeID('task_uuid'),
    userId: t.exposeString('user_id'),
    taskQuery: t.exposeString('task_query'),
    status: t.exposeString('status', { nullable: false }),
    session: t.field({ type: SessionRef, resolve: (s) => sessionKey(s.coordination_uuid, s.session_uuid) }),
    task: t.field({
      type: TaskRef,
      resolve: (s) => (s.task_uuid ? taskKey(s.coordination_uuid, s.task_uuid) : null),
    }),
    coordination: t.field({ type: CoordinationRef, resolve: (s) => s.coordination_uuid }),
  }),
});

const ExecutePayloadRef = builder
  .objectRef<{ procedureTaskSession: Session }>('ExecuteProcedureTaskSessionPayload')
  .implement({
    fields: (t) => ({
      procedureTaskSession: t.field({
        type: ProcedureTaskSessionRef,
        nullable: false,
        resolve: (p) => p.procedureTaskSession,
      }),
    }),
  });

const OkPayloadRef = builder.objectRef<{ ok: boolean }>('OkPayload').implement({
  fields: (t) => ({ ok: t.exposeBoolean('ok', { nullable: false }) }),
});

const ResumeReportRef = builder
  .objectRef<{ sessionUuid: string; status: string; dispatched: number }>('ResumeReport')
  .implement({
    fields: (t) => ({
      sessionUuid: t.exposeID('sessionUuid', { nullable: false }),
      status: t.exposeString('status', { nullable: false }),
      dispatched: t.exposeInt('dispatched', { nullable: false }),
    }),
  });

builder.mutationField('executeProcedureTaskSession', (t) =>
  t.field({
    type: ExecutePayloadRef,
    nullable: false,
    description:
      'Starts the task: creates the session and its agents, then runs every agent as soon as its predecessors are done. ' +
      'Follow it with the sessionEvents subscription.',
    args: t.validate(
      {
        coordinationUuid: t.arg.string({ required: true }),
        taskUuid: t.arg.string({ required: true }),
        userId: t.arg.string(),
        taskQuery: t.arg.string({
          description: 'Free text, or a JSON object whose keys fill {placeholders}.',
        }),
        idempotencyKey: t.arg.string({ description: 'A repeated key returns the first session.' }),
      },
      z.object({
        coordinationUuid: IdSchema,
        taskUuid: IdSchema,
        userId: z.string().min(1).max(256).nullish(),
        taskQuery: QueryTextSchema.nullish(),
        idempotencyKey: z.string().min(1).max(256).nullish(),
      }),
    ),
    resolve: async (_root, args, ctx) => {
      const session = await hubOf(ctx.services).executeProcedureTaskSession(ctx.caller.tenant, {
        coordinationUuid: args.coordinationUuid,
        taskUuid: args.taskUuid,
        userId: args.userId ?? ctx.caller.userId,
        taskQuery: args.taskQuery ?? null,
        idempotencyKey: args.idempotencyKey ?? null,
      });
      return { procedureTaskSession: session };
    },
  }),
);

builder.mutationField('executeForUserInput', (t) =>
  t.field({
    type: OkPayloadRef,
    nullable: false,
    description: 'Answers an agent waiting for user input (state wait_for_user_input; CONFLICT otherwise).',
    args: t.validate(
      {
        sessionUuid: t.arg.string({ required: true }),
        sessionAgentUuid: t.arg.string({ required: true }),
        userInput: t.arg.string({ required: true }),
      },
      z.object({ sessionUuid: IdSchema, sessionAgentUuid: IdSchema, userInput: QueryTextSchema }),
    ),
    resolve: async (_root, args, ctx) => {
      await hubOf(ctx.services).executeForUserInput(ctx.caller.tenant, args);
      return { ok: true };
    },
  }),
);

builder.mutationField('resumeProcedureTaskSession', (t) =>
  t.field({
    type: ResumeReportRef,
    nullable: false,
    description: 'Re-derives what is ready from stored state and re-dispatches what was lost; safe any time.',
    args: t.validate({ sessionUuid: t.arg.string({ required: true }) }, z.object({ sessionUuid: IdSchema })),
    resolve: (_root, args, ctx) =>
      hubOf(ctx.services).resumeProcedureTaskSession(ctx.caller.tenant, args.sessionUuid),
  }),
);

builder.queryField('sessionEvents', (t) =>
  t.field({
    type: [SessionEventRef],
    nullable: false,
    description:
      "A session's event log after the cursor `after` (a replay; the subscription of the same name is live).",
    args: t.validate(
      { sessionUuid: t.arg.string({ required: true }), after: t.arg.int(), limit: t.arg.int() },
      z.object({
        sessionUuid: IdSchema,
        after: z.number().int().min(0).nullish(),
        limit: z.number().int().min(1).max(1000).nullish(),
      }),
    ),
    resolve: async (_root, args, ctx) => {
      const feed = ctx.services.sessionEventFeed;
      if (!feed) throw new Error('the event log is not wired on this transport');
      await feed.assertAccess(ctx.caller.tenant, args.sessionUuid);
      return feed.after(ctx.caller.tenant, args.sessionUuid, args.after ?? 0, args.limit ?? 100);
    },
  }),
);
