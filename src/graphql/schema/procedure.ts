import * as z from 'zod';
import { IdSchema, LargeTextSchema, QueryTextSchema } from '../../domain/common/fields.js';
import type { Session } from '../../domain/session/model.js';
import { ExecutionPolicySchema } from '../../domain/task/model.js';
import type { ProcedureHub, ResumeReport } from '../../hubs/procedure/hub.js';
import { PrefetchListSchema } from '../../prefetch/spec.js';
import { builder } from '../builder.js';
import { jsonInput, optionalFilter } from '../inputs.js';
import { CoordinationRef } from './coordination.js';
import { SessionRef } from './session.js';
import { TaskRef, taskKey } from './task.js';

declare module '../context.js' {
  interface Services {
    /** The procedure hub behind executeProcedureTaskSession, executeForUserInput and resume. */
    procedure?: ProcedureHub;
  }
}

export function procedureHub(services: { procedure?: ProcedureHub }): ProcedureHub {
  if (!services.procedure) throw new Error('the procedure hub is not wired on this transport');
  return services.procedure;
}

/** The Python engine's `procedureTaskSession` shape, with typed relations. */
export const ProcedureTaskSessionRef = builder.objectRef<Session>('ProcedureTaskSession').implement({
  description: 'A started task execution: the session is `dispatched`, its agents run on the work queue.',
  fields: (t) => ({
    coordinationUuid: t.exposeID('coordination_uuid', { nullable: false }),
    sessionUuid: t.exposeID('session_uuid', { nullable: false }),
    taskUuid: t.exposeID('task_uuid'),
    userId: t.exposeString('user_id'),
    taskQuery: t.exposeString('task_query'),
    status: t.exposeString('status', { nullable: false }),
    statusReason: t.exposeString('status_reason', {
      description: 'Why it was cancelled, paused, resumed or redriven.',
    }),
    statusChangedBy: t.exposeString('status_changed_by', {
      description: 'Who cancelled, paused, resumed or redrove it.',
    }),
    statusChangedAt: t.exposeString('status_changed_at'),
    redriveCount: t.int({ nullable: false, resolve: (session) => session.redrive_count ?? 0 }),
    session: t.field({ type: SessionRef, nullable: false, resolve: (session) => session }),
    task: t.field({
      type: TaskRef,
      resolve: (session) =>
        session.task_uuid ? taskKey(session.coordination_uuid, session.task_uuid) : null,
    }),
    coordination: t.field({ type: CoordinationRef, resolve: (session) => session.coordination_uuid }),
  }),
});

export const ExecuteProcedureTaskSessionRef = builder
  .objectRef<{ procedureTaskSession: Session }>('ExecuteProcedureTaskSessionPayload')
  .implement({
    fields: (t) => ({
      procedureTaskSession: t.field({
        type: ProcedureTaskSessionRef,
        nullable: false,
        resolve: (payload) => payload.procedureTaskSession,
      }),
    }),
  });

const OkPayloadRef = builder.objectRef<{ ok: boolean }>('ExecuteForUserInputPayload').implement({
  fields: (t) => ({ ok: t.exposeBoolean('ok', { nullable: false }) }),
});

const ResumeReportRef = builder.objectRef<ResumeReport>('ResumeProcedureTaskSessionPayload').implement({
  description: 'What resume found and re-dispatched.',
  fields: (t) => ({
    sessionUuid: t.exposeID('sessionUuid', { nullable: false }),
    status: t.exposeString('status', { nullable: false }),
    dispatched: t.exposeInt('dispatched', {
      nullable: false,
      description: 'SessionAgents put back on the queue.',
    }),
  }),
});

const ExecuteArgs = z.object({
  coordinationUuid: IdSchema,
  taskUuid: IdSchema,
  userId: optionalFilter(z.string().min(1).max(256)),
  taskQuery: optionalFilter(QueryTextSchema),
  policy: jsonInput(ExecutionPolicySchema.strict()),
  idempotencyKey: optionalFilter(z.string().min(1).max(256)),
  prefetch: jsonInput(PrefetchListSchema),
});

builder.mutationField('executeProcedureTaskSession', (t) =>
  t.field({
    type: ExecuteProcedureTaskSessionRef,
    nullable: false,
    description:
      'Starts a task: validates its DAG, creates the session and queues it. `policy` ({maxParallel, agentTimeoutMs, maxRetries, failureMode}) overrides the task’s execution policy for this run.',
    args: t.validate(
      {
        coordinationUuid: t.arg.string({ required: true }),
        taskUuid: t.arg.string({ required: true }),
        userId: t.arg.string(),
        taskQuery: t.arg.string(),
        policy: t.arg({ type: 'JSON' }),
        idempotencyKey: t.arg.string({ description: 'A repeated key returns the first session.' }),
        prefetch: t.arg({
          type: 'JSON',
          description:
            'This execution’s prefetch specs [{fn, params, cacheKey, ttlSeconds, agents}], after the task’s.',
        }),
      },
      ExecuteArgs,
    ),
    resolve: async (_root, raw, ctx) => {
      const args = raw as unknown as z.output<typeof ExecuteArgs>;
      await ctx.services.rateLimiter?.consume(ctx.caller.tenant, 'executeProcedureTaskSession');
      const session = await procedureHub(ctx.services).executeProcedureTaskSession(ctx.caller.tenant, {
        coordinationUuid: args.coordinationUuid,
        taskUuid: args.taskUuid,
        userId: args.userId ?? ctx.caller.userId,
        taskQuery: args.taskQuery,
        policy: args.policy ?? undefined,
        idempotencyKey: args.idempotencyKey ?? undefined,
        prefetch: args.prefetch ?? undefined,
      });
      return { procedureTaskSession: session };
    },
  }),
);

builder.mutationField('executeForUserInput', (t) =>
  t.field({
    type: OkPayloadRef,
    nullable: false,
    description:
      'Answers an agent waiting for user input (CONFLICT unless it is `wait_for_user_input`); the session continues.',
    args: t.validate(
      {
        sessionUuid: t.arg.string({ required: true }),
        sessionAgentUuid: t.arg.string({ required: true }),
        userInput: t.arg.string({ required: true }),
      },
      z.object({
        sessionUuid: IdSchema,
        sessionAgentUuid: IdSchema,
        userInput: LargeTextSchema.min(1),
      }),
    ),
    resolve: async (_root, args, ctx) => {
      await procedureHub(ctx.services).executeForUserInput(ctx.caller.tenant, args);
      return { ok: true };
    },
  }),
);

builder.mutationField('resumeProcedureTaskSession', (t) =>
  t.field({
    type: ResumeReportRef,
    nullable: false,
    description:
      'Re-derives what is ready from stored state and re-dispatches what was lost; a paused session is un-paused first. Safe at any time.',
    args: t.validate({ sessionUuid: t.arg.string({ required: true }) }, z.object({ sessionUuid: IdSchema })),
    resolve: (_root, args, ctx) =>
      procedureHub(ctx.services).resumeProcedureTaskSession(ctx.caller.tenant, args.sessionUuid, {
        by: ctx.caller.userId ?? 'unknown',
      }),
  }),
);
