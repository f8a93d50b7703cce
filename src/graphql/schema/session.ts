import * as z from 'zod';
import { IdSchema, QueryTextSchema, UpdatedBySchema } from '../../domain/common/fields.js';
import { deleteSession } from '../../domain/delete-protection.js';
import { type Session, SessionSchema, SessionStatusSchema } from '../../domain/session/model.js';
import { SubtaskQuerySchema } from '../../domain/task/model.js';
import { newId } from '../../ids.js';
import { builder } from '../builder.js';
import { toCamelDeep } from '../case.js';
import { jsonInput, OptionalId, optionalFilter, PageArgsSchema, supplied } from '../inputs.js';
import { DeletePayloadRef, listType, payloadType } from './common.js';

/** Loader key: `${coordinationUuid}:${sessionUuid}` (ids never contain ":"). */
export const sessionKey = (coordinationUuid: string, sessionUuid: string) =>
  `${coordinationUuid}:${sessionUuid}`;

export const SessionRef = builder.loadableObjectRef('Session', {
  load: (keys: string[], ctx) =>
    ctx.repos.sessions.batchGet(
      ctx.caller.tenant,
      keys.map((key) => {
        const [coordinationUuid = '', sessionUuid = ''] = key.split(':');
        return { coordinationUuid, sessionUuid };
      }),
    ),
  // BatchGetItem answers in any order: sort maps items to keys; resolved objects prime the cache.
  toKey: (session: Session) => sessionKey(session.coordination_uuid, session.session_uuid),
  sort: true,
  cacheResolved: true,
  loaderOptions: { maxBatchSize: 100 },
});

SessionRef.implement({
  description: 'One execution of a task (procedure hub) or a conversation (operation hub).',
  fields: (t) => ({
    coordinationUuid: t.exposeID('coordination_uuid', { nullable: false }),
    sessionUuid: t.exposeID('session_uuid', { nullable: false }),
    taskUuid: t.exposeID('task_uuid'),
    userId: t.exposeString('user_id'),
    taskQuery: t.exposeString('task_query'),
    inputFiles: t.field({ type: 'JSON', resolve: (s) => toCamelDeep(s.input_files ?? null) }),
    iterationCount: t.exposeInt('iteration_count', { nullable: false }),
    subtaskQueries: t.field({
      type: 'JSON',
      description: 'List of {agentUuid, subtaskQuery}.',
      resolve: (s) => toCamelDeep(s.subtask_queries),
    }),
    status: t.exposeString('status', { nullable: false }),
    logs: t.exposeString('logs', {
      description: 'JSON-encoded list of {runUuid|agentUuid, log} or {error}.',
    }),
    executionPolicy: t.field({ type: 'JSON', resolve: (s) => toCamelDeep(s.execution_policy ?? null) }),
    scheduleUuid: t.exposeID('schedule_uuid'),
    createdAt: t.expose('created_at', { type: 'DateTime' }),
    updatedAt: t.expose('updated_at', { type: 'DateTime' }),
    updatedBy: t.exposeString('updated_by'),
  }),
});

const statuses = z.array(SessionStatusSchema).min(1).max(100);

builder.queryField('session', (t) =>
  t.field({
    type: SessionRef,
    args: t.validate(
      { coordinationUuid: t.arg.string({ required: true }), sessionUuid: t.arg.string({ required: true }) },
      z.object({ coordinationUuid: IdSchema, sessionUuid: IdSchema }),
    ),
    resolve: (_, args, ctx) =>
      ctx.repos.sessions.get(ctx.caller.tenant, args.coordinationUuid, args.sessionUuid),
  }),
);

const ListArgs = z.object({
  ...PageArgsSchema,
  coordinationUuid: OptionalId,
  taskUuid: OptionalId,
  userId: optionalFilter(z.string().min(1).max(256)),
  statuses: optionalFilter(statuses),
});
const SessionListRef = listType('SessionListType', 'sessionList', SessionRef);

builder.queryField('sessionList', (t) =>
  t.field({
    type: SessionListRef,
    args: t.validate(
      {
        pageNumber: t.arg.int(),
        limit: t.arg.int(),
        nextToken: t.arg.string(),
        coordinationUuid: t.arg.string(),
        taskUuid: t.arg.string(),
        userId: t.arg.string(),
        statuses: t.arg.stringList(),
      },
      ListArgs,
    ),
    resolve: (_, raw, ctx) => {
      const { pageNumber, limit, nextToken, ...filter } = raw as z.output<typeof ListArgs>;
      return ctx.repos.sessions.page(ctx.caller.tenant, filter, { pageNumber, limit, nextToken });
    },
  }),
);

const InsertUpdateArgs = z.object({
  coordinationUuid: IdSchema,
  sessionUuid: OptionalId,
  taskUuid: IdSchema.nullish(),
  userId: z.string().min(1).max(256).nullish(),
  taskQuery: QueryTextSchema.nullish(),
  inputFiles: jsonInput(z.array(z.unknown()).max(100)),
  iterationCount: SessionSchema.shape.iteration_count.unwrap().optional(),
  subtaskQueries: jsonInput(z.array(SubtaskQuerySchema).max(500)),
  status: SessionStatusSchema.optional(),
  logs: SessionSchema.shape.logs,
  updatedBy: UpdatedBySchema,
});
const InsertUpdateSessionRef = payloadType('InsertUpdateSessionPayload', 'session', SessionRef);

builder.mutationField('insertUpdateSession', (t) =>
  t.field({
    type: InsertUpdateSessionRef,
    description: 'Creates a session (no sessionUuid) or updates the supplied fields of one.',
    args: t.validate(
      {
        coordinationUuid: t.arg.string({ required: true }),
        sessionUuid: t.arg.string(),
        taskUuid: t.arg.string(),
        userId: t.arg.string(),
        taskQuery: t.arg.string(),
        inputFiles: t.arg({ type: 'JSON' }),
        iterationCount: t.arg.int(),
        subtaskQueries: t.arg({ type: 'JSON' }),
        status: t.arg.string(),
        logs: t.arg.string(),
        updatedBy: t.arg.string({ required: true }),
      },
      InsertUpdateArgs,
    ),
    resolve: async (_, raw, ctx) => {
      const args = raw as z.output<typeof InsertUpdateArgs>;
      const tenant = ctx.caller.tenant;
      await ctx.repos.coordinations.get(tenant, args.coordinationUuid);
      if (args.taskUuid) await ctx.repos.tasks.get(tenant, args.coordinationUuid, args.taskUuid);
      const fields = {
        task_uuid: args.taskUuid,
        user_id: args.userId,
        task_query: args.taskQuery,
        input_files: args.inputFiles,
        iteration_count: args.iterationCount,
        subtask_queries: args.subtaskQueries === null ? [] : args.subtaskQueries,
        status: args.status,
        logs: args.logs,
      };
      if (args.sessionUuid) {
        const session = await ctx.repos.sessions.update(tenant, args.coordinationUuid, args.sessionUuid, {
          ...supplied(fields),
          updated_by: args.updatedBy,
        });
        return { session };
      }
      const session = await ctx.repos.sessions.insert(tenant, {
        coordination_uuid: args.coordinationUuid,
        session_uuid: newId(),
        task_uuid: args.taskUuid ?? undefined,
        user_id: args.userId ?? undefined,
        task_query: args.taskQuery ?? undefined,
        input_files: args.inputFiles ?? undefined,
        iteration_count: args.iterationCount ?? 0,
        subtask_queries: args.subtaskQueries ?? [],
        status: args.status ?? 'initial',
        logs: args.logs ?? undefined,
        updated_by: args.updatedBy,
      });
      return { session };
    },
  }),
);

builder.mutationField('deleteSession', (t) =>
  t.field({
    type: DeletePayloadRef,
    description: 'Deletes a session; CONFLICT while it has session agents or runs.',
    args: t.validate(
      { coordinationUuid: t.arg.string({ required: true }), sessionUuid: t.arg.string({ required: true }) },
      z.object({ coordinationUuid: IdSchema, sessionUuid: IdSchema }),
    ),
    resolve: async (_, args, ctx) => {
      await deleteSession(ctx.repos, ctx.caller.tenant, args.coordinationUuid, args.sessionUuid);
      return { ok: true };
    },
  }),
);
