import * as z from 'zod';
import { IdSchema, UpdatedBySchema } from '../../domain/common/fields.js';
import type { SessionRun } from '../../domain/session-run/model.js';
import { AppError, NotFoundError } from '../../errors.js';
import { newId } from '../../ids.js';
import { builder } from '../builder.js';
import { toCamelDeep } from '../case.js';
import { OptionalId, PageArgsSchema, requireForInsert, supplied } from '../inputs.js';
import { DeletePayloadRef, listType, payloadType } from './common.js';

export const SessionRunRef = builder.objectRef<SessionRun>('SessionRun');

SessionRunRef.implement({
  description: 'One agent call on a thread, within a session.',
  fields: (t) => ({
    sessionUuid: t.exposeID('session_uuid', { nullable: false }),
    runUuid: t.exposeID('run_uuid', { nullable: false }),
    threadUuid: t.exposeString('thread_uuid', { nullable: false }),
    agentUuid: t.exposeID('agent_uuid', { nullable: false }),
    coordinationUuid: t.exposeID('coordination_uuid', { nullable: false }),
    asyncTaskUuid: t.exposeString('async_task_uuid'),
    sessionAgentUuid: t.exposeID('session_agent_uuid'),
    userQuery: t.exposeString('user_query'),
    answer: t.exposeString('answer'),
    status: t.exposeString('status'),
    triage: t.field({
      type: 'JSON',
      description: 'Operation hub: how the agent was chosen {method, agentUuid, confidence, reason}.',
      resolve: (run) => toCamelDeep(run.triage ?? null),
    }),
    userId: t.exposeString('user_id'),
    createdAt: t.expose('created_at', { type: 'DateTime' }),
    updatedAt: t.expose('updated_at', { type: 'DateTime' }),
    updatedBy: t.exposeString('updated_by'),
  }),
});

builder.queryField('sessionRun', (t) =>
  t.field({
    type: SessionRunRef,
    args: t.validate(
      { sessionUuid: t.arg.string({ required: true }), runUuid: t.arg.string({ required: true }) },
      z.object({ sessionUuid: IdSchema, runUuid: IdSchema }),
    ),
    resolve: (_, args, ctx) => ctx.repos.sessionRuns.get(ctx.caller.tenant, args.sessionUuid, args.runUuid),
  }),
);

const ListArgs = z.object({
  ...PageArgsSchema,
  sessionUuid: OptionalId,
  coordinationUuid: OptionalId,
  agentUuid: OptionalId,
  threadUuid: OptionalId,
});
const SessionRunListRef = listType('SessionRunListType', 'sessionRunList', SessionRunRef);

builder.queryField('sessionRunList', (t) =>
  t.field({
    type: SessionRunListRef,
    args: t.validate(
      {
        pageNumber: t.arg.int(),
        limit: t.arg.int(),
        nextToken: t.arg.string(),
        sessionUuid: t.arg.string(),
        coordinationUuid: t.arg.string(),
        agentUuid: t.arg.string(),
        threadUuid: t.arg.string(),
      },
      ListArgs,
    ),
    resolve: (_, raw, ctx) => {
      const { pageNumber, limit, nextToken, ...filter } = raw as z.output<typeof ListArgs>;
      return ctx.repos.sessionRuns.page(ctx.caller.tenant, filter, { pageNumber, limit, nextToken });
    },
  }),
);

const InsertUpdateArgs = z.object({
  sessionUuid: IdSchema,
  runUuid: OptionalId,
  threadUuid: z.string().min(1).max(128).optional(),
  agentUuid: IdSchema.optional(),
  coordinationUuid: IdSchema.optional(),
  asyncTaskUuid: z.string().min(1).max(128).nullish(),
  sessionAgentUuid: IdSchema.nullish(),
  updatedBy: UpdatedBySchema,
});
const InsertUpdateSessionRunRef = payloadType('InsertUpdateSessionRunPayload', 'sessionRun', SessionRunRef);

builder.mutationField('insertUpdateSessionRun', (t) =>
  t.field({
    type: InsertUpdateSessionRunRef,
    description:
      'Creates a run (a new runUuid, given or generated) or updates the supplied fields of an existing one.',
    args: t.validate(
      {
        sessionUuid: t.arg.string({ required: true }),
        runUuid: t.arg.string(),
        threadUuid: t.arg.string(),
        agentUuid: t.arg.string(),
        coordinationUuid: t.arg.string(),
        asyncTaskUuid: t.arg.string(),
        sessionAgentUuid: t.arg.string(),
        updatedBy: t.arg.string({ required: true }),
      },
      InsertUpdateArgs,
    ),
    resolve: async (_, raw, ctx) => {
      const args = raw as z.output<typeof InsertUpdateArgs>;
      const tenant = ctx.caller.tenant;
      const existing = args.runUuid
        ? await ctx.repos.sessionRuns.find(tenant, args.sessionUuid, args.runUuid)
        : undefined;
      if (existing && args.runUuid) {
        const sessionRun = await ctx.repos.sessionRuns.update(tenant, args.sessionUuid, args.runUuid, {
          ...supplied({
            thread_uuid: args.threadUuid,
            agent_uuid: args.agentUuid,
            async_task_uuid: args.asyncTaskUuid,
            session_agent_uuid: args.sessionAgentUuid,
          }),
          updated_by: args.updatedBy,
        });
        return { sessionRun };
      }
      const missingForInsert = !args.threadUuid || !args.agentUuid || !args.coordinationUuid;
      if (args.runUuid && missingForInsert) {
        // An update of a run that is not there (or not the caller's): say so rather than ask for insert fields.
        throw new NotFoundError('SessionRun', { session_uuid: args.sessionUuid, run_uuid: args.runUuid });
      }
      requireForInsert('SessionRun', {
        threadUuid: args.threadUuid,
        agentUuid: args.agentUuid,
        coordinationUuid: args.coordinationUuid,
      });
      await ctx.repos.sessions.get(tenant, args.coordinationUuid as string, args.sessionUuid);
      try {
        const sessionRun = await ctx.repos.sessionRuns.insert(tenant, {
          session_uuid: args.sessionUuid,
          run_uuid: args.runUuid ?? newId(),
          thread_uuid: args.threadUuid as string,
          agent_uuid: args.agentUuid as string,
          coordination_uuid: args.coordinationUuid as string,
          async_task_uuid: args.asyncTaskUuid ?? undefined,
          session_agent_uuid: args.sessionAgentUuid ?? undefined,
          updated_by: args.updatedBy,
        });
        return { sessionRun };
      } catch (error) {
        // The key exists but is not ours (find() saw nothing): report it as missing, never as taken.
        if (error instanceof AppError && error.code === 'CONFLICT') {
          throw new NotFoundError('SessionRun', { session_uuid: args.sessionUuid, run_uuid: args.runUuid });
        }
        throw error;
      }
    },
  }),
);

builder.mutationField('deleteSessionRun', (t) =>
  t.field({
    type: DeletePayloadRef,
    args: t.validate(
      { sessionUuid: t.arg.string({ required: true }), runUuid: t.arg.string({ required: true }) },
      z.object({ sessionUuid: IdSchema, runUuid: IdSchema }),
    ),
    resolve: async (_, args, ctx) => {
      await ctx.repos.sessionRuns.delete(ctx.caller.tenant, args.sessionUuid, args.runUuid);
      return { ok: true };
    },
  }),
);
