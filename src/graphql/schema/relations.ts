import { createContextCache } from '@pothos/core';
import DataLoader from 'dataloader';
import type { SessionAgent } from '../../domain/session-agent/model.js';
import type { SessionRun } from '../../domain/session-run/model.js';
import { builder } from '../builder.js';
import type { GraphQLContext } from '../context.js';
import { CoordinationRef } from './coordination.js';
import { SessionRef, sessionKey } from './session.js';
import { SessionAgentRef, sessionAgentKey } from './session-agent.js';
import { SessionRunRef } from './session-run.js';
import { TaskRef, taskKey } from './task.js';
import { TaskScheduleRef } from './task-schedule.js';

/**
 * Typed relations between the entities, resolved lazily.
 *
 * Belongs-to: the resolver returns the parent's loader key and the loadable
 * object's per-request DataLoader turns every key of one tick into a single
 * BatchGetItem (100 keys a call). Has-many: one query per parent, all of a
 * tick run concurrently. `loadersEnabled: false` (the loader benchmark only)
 * resolves each relation with its own direct read, to measure the difference.
 */
const batched = (ctx: GraphQLContext) => ctx.loadersEnabled !== false;

function hasManyLoader<T>(list: (ctx: GraphQLContext, parentUuid: string) => Promise<T[]>) {
  return createContextCache(
    (ctx: GraphQLContext) =>
      new DataLoader<string, T[]>((uuids) => Promise.all(uuids.map((uuid) => list(ctx, uuid))), {
        maxBatchSize: 100,
      }),
  );
}

const sessionAgentsOf = hasManyLoader<SessionAgent>((ctx, sessionUuid) =>
  ctx.repos.sessionAgents.list(ctx.caller.tenant, { sessionUuid }),
);
const sessionRunsOf = hasManyLoader<SessionRun>((ctx, sessionUuid) =>
  ctx.repos.sessionRuns.list(ctx.caller.tenant, { sessionUuid }),
);

builder.objectFields(TaskRef, (t) => ({
  coordination: t.field({
    type: CoordinationRef,
    resolve: async (task, _, ctx) =>
      batched(ctx)
        ? task.coordination_uuid
        : ((await ctx.repos.coordinations.find(ctx.caller.tenant, task.coordination_uuid)) ?? null),
  }),
}));

builder.objectFields(TaskScheduleRef, (t) => ({
  task: t.field({
    type: TaskRef,
    resolve: async (schedule, _, ctx) =>
      batched(ctx)
        ? taskKey(schedule.coordination_uuid, schedule.task_uuid)
        : ((await ctx.repos.tasks.find(ctx.caller.tenant, schedule.coordination_uuid, schedule.task_uuid)) ??
          null),
  }),
}));

builder.objectFields(SessionRef, (t) => ({
  coordination: t.field({
    type: CoordinationRef,
    resolve: async (session, _, ctx) =>
      batched(ctx)
        ? session.coordination_uuid
        : ((await ctx.repos.coordinations.find(ctx.caller.tenant, session.coordination_uuid)) ?? null),
  }),
  task: t.field({
    type: TaskRef,
    resolve: async (session, _, ctx) => {
      if (!session.task_uuid) return null;
      return batched(ctx)
        ? taskKey(session.coordination_uuid, session.task_uuid)
        : ((await ctx.repos.tasks.find(ctx.caller.tenant, session.coordination_uuid, session.task_uuid)) ??
            null);
    },
  }),
  sessionAgents: t.field({
    type: [SessionAgentRef],
    nullable: false,
    resolve: (session, _, ctx) =>
      batched(ctx)
        ? sessionAgentsOf(ctx).load(session.session_uuid)
        : ctx.repos.sessionAgents.list(ctx.caller.tenant, { sessionUuid: session.session_uuid }),
  }),
  sessionRuns: t.field({
    type: [SessionRunRef],
    nullable: false,
    resolve: (session, _, ctx) =>
      batched(ctx)
        ? sessionRunsOf(ctx).load(session.session_uuid)
        : ctx.repos.sessionRuns.list(ctx.caller.tenant, { sessionUuid: session.session_uuid }),
  }),
}));

builder.objectFields(SessionAgentRef, (t) => ({
  session: t.field({
    type: SessionRef,
    resolve: async (agent, _, ctx) =>
      batched(ctx)
        ? sessionKey(agent.coordination_uuid, agent.session_uuid)
        : ((await ctx.repos.sessions.find(ctx.caller.tenant, agent.coordination_uuid, agent.session_uuid)) ??
          null),
  }),
}));

builder.objectFields(SessionRunRef, (t) => ({
  session: t.field({
    type: SessionRef,
    resolve: async (run, _, ctx) =>
      batched(ctx)
        ? sessionKey(run.coordination_uuid, run.session_uuid)
        : ((await ctx.repos.sessions.find(ctx.caller.tenant, run.coordination_uuid, run.session_uuid)) ??
          null),
  }),
  sessionAgent: t.field({
    type: SessionAgentRef,
    resolve: async (run, _, ctx) => {
      if (!run.session_agent_uuid) return null;
      return batched(ctx)
        ? sessionAgentKey(run.session_uuid, run.session_agent_uuid)
        : ((await ctx.repos.sessionAgents.find(
            ctx.caller.tenant,
            run.session_uuid,
            run.session_agent_uuid,
          )) ?? null);
    },
  }),
}));
