import * as z from 'zod';
import { IdSchema, UpdatedBySchema } from '../../domain/common/fields.js';
import {
  type SessionAgent,
  SessionAgentSchema,
  SessionAgentStateSchema,
} from '../../domain/session-agent/model.js';
import { AgentActionSchema } from '../../domain/task/model.js';
import { newId } from '../../ids.js';
import { builder } from '../builder.js';
import { toCamelDeep } from '../case.js';
import {
  jsonInput,
  OptionalId,
  optionalFilter,
  PageArgsSchema,
  requireForInsert,
  supplied,
} from '../inputs.js';
import { DeletePayloadRef, listType, payloadType } from './common.js';

/** Loader key: `${sessionUuid}:${sessionAgentUuid}` (ids never contain ":"). */
export const sessionAgentKey = (sessionUuid: string, sessionAgentUuid: string) =>
  `${sessionUuid}:${sessionAgentUuid}`;

export const SessionAgentRef = builder.loadableObjectRef('SessionAgent', {
  load: (keys: string[], ctx) =>
    ctx.repos.sessionAgents.batchGet(
      ctx.caller.tenant,
      keys.map((key) => {
        const [sessionUuid = '', sessionAgentUuid = ''] = key.split(':');
        return { sessionUuid, sessionAgentUuid };
      }),
    ),
  // BatchGetItem answers in any order: sort maps items to keys; resolved objects prime the cache.
  toKey: (agent: SessionAgent) => sessionAgentKey(agent.session_uuid, agent.session_agent_uuid),
  sort: true,
  cacheResolved: true,
  loaderOptions: { maxBatchSize: 100 },
});

SessionAgentRef.implement({
  description: 'One agent of a task running inside a session.',
  fields: (t) => ({
    sessionUuid: t.exposeID('session_uuid', { nullable: false }),
    sessionAgentUuid: t.exposeID('session_agent_uuid', { nullable: false }),
    coordinationUuid: t.exposeID('coordination_uuid', { nullable: false }),
    agentUuid: t.exposeID('agent_uuid', { nullable: false }),
    agentAction: t.field({
      type: 'JSON',
      description: '{predecessors, primaryPath, userInTheLoop, actionFunction}.',
      resolve: (a) => toCamelDeep(a.agent_action),
    }),
    userInput: t.exposeString('user_input'),
    agentInput: t.exposeString('agent_input'),
    agentOutput: t.exposeString('agent_output'),
    inDegree: t.exposeInt('in_degree', { nullable: false }),
    state: t.exposeString('state', { nullable: false }),
    notes: t.exposeString('notes'),
    subtaskQuery: t.exposeString('subtask_query'),
    threadUuid: t.exposeString('thread_uuid'),
    pendingToolCalls: t.field({
      type: 'JSON',
      description:
        'Tool calls waiting for approval (state waitForUserInput): [{callId, tool, arguments}]; answer with decideToolCalls.',
      resolve: (a) => (a.pending_tool_calls?.length ? toCamelDeep(a.pending_tool_calls) : null),
    }),
    createdAt: t.expose('created_at', { type: 'DateTime' }),
    updatedAt: t.expose('updated_at', { type: 'DateTime' }),
    updatedBy: t.exposeString('updated_by'),
  }),
});

builder.queryField('sessionAgent', (t) =>
  t.field({
    type: SessionAgentRef,
    args: t.validate(
      { sessionUuid: t.arg.string({ required: true }), sessionAgentUuid: t.arg.string({ required: true }) },
      z.object({ sessionUuid: IdSchema, sessionAgentUuid: IdSchema }),
    ),
    resolve: (_, args, ctx) =>
      ctx.repos.sessionAgents.get(ctx.caller.tenant, args.sessionUuid, args.sessionAgentUuid),
  }),
);

const ListArgs = z.object({
  ...PageArgsSchema,
  sessionUuid: OptionalId,
  coordinationUuid: OptionalId,
  primaryPath: optionalFilter(z.boolean()),
  userInTheLoop: optionalFilter(z.boolean()),
  predecessor: OptionalId,
  predecessors: optionalFilter(z.array(IdSchema).min(1).max(100)),
  inDegree: optionalFilter(z.number().int().min(0)),
  states: optionalFilter(z.array(SessionAgentStateSchema).min(1).max(100)),
});
const SessionAgentListRef = listType('SessionAgentListType', 'sessionAgentList', SessionAgentRef);

builder.queryField('sessionAgentList', (t) =>
  t.field({
    type: SessionAgentListRef,
    description:
      '`predecessor`: agentAction.predecessors contains it; `predecessors`: agentUuid is one of them.',
    args: t.validate(
      {
        pageNumber: t.arg.int(),
        limit: t.arg.int(),
        nextToken: t.arg.string(),
        sessionUuid: t.arg.string(),
        coordinationUuid: t.arg.string(),
        primaryPath: t.arg.boolean(),
        userInTheLoop: t.arg.boolean(),
        predecessor: t.arg.string(),
        predecessors: t.arg.stringList(),
        inDegree: t.arg.int(),
        states: t.arg.stringList(),
      },
      ListArgs,
    ),
    resolve: (_, raw, ctx) => {
      const { pageNumber, limit, nextToken, ...filter } = raw as z.output<typeof ListArgs>;
      return ctx.repos.sessionAgents.page(ctx.caller.tenant, filter, { pageNumber, limit, nextToken });
    },
  }),
);

const text = (max: number) => z.string().max(max).nullish();
const InsertUpdateArgs = z.object({
  sessionUuid: IdSchema,
  sessionAgentUuid: OptionalId,
  coordinationUuid: OptionalId,
  agentUuid: IdSchema.optional(),
  agentAction: jsonInput(AgentActionSchema),
  userInput: text(100_000),
  agentInput: text(400_000),
  agentOutput: text(400_000),
  inDegree: SessionAgentSchema.shape.in_degree.unwrap().optional(),
  state: SessionAgentStateSchema.optional(),
  notes: text(100_000),
  updatedBy: UpdatedBySchema,
});
const InsertUpdateSessionAgentRef = payloadType(
  'InsertUpdateSessionAgentPayload',
  'sessionAgent',
  SessionAgentRef,
);

builder.mutationField('insertUpdateSessionAgent', (t) =>
  t.field({
    type: InsertUpdateSessionAgentRef,
    description: 'Creates a session agent (no sessionAgentUuid) or updates the supplied fields of one.',
    args: t.validate(
      {
        sessionUuid: t.arg.string({ required: true }),
        sessionAgentUuid: t.arg.string(),
        coordinationUuid: t.arg.string(),
        agentUuid: t.arg.string(),
        agentAction: t.arg({ type: 'JSON' }),
        userInput: t.arg.string(),
        agentInput: t.arg.string(),
        agentOutput: t.arg.string(),
        inDegree: t.arg.int(),
        state: t.arg.string(),
        notes: t.arg.string(),
        updatedBy: t.arg.string({ required: true }),
      },
      InsertUpdateArgs,
    ),
    resolve: async (_, raw, ctx) => {
      const args = raw as z.output<typeof InsertUpdateArgs>;
      const tenant = ctx.caller.tenant;
      const fields = {
        agent_action: args.agentAction ?? undefined,
        user_input: args.userInput,
        agent_input: args.agentInput,
        agent_output: args.agentOutput,
        in_degree: args.inDegree,
        state: args.state,
        notes: args.notes,
      };
      if (args.sessionAgentUuid) {
        const sessionAgent = await ctx.repos.sessionAgents.update(
          tenant,
          args.sessionUuid,
          args.sessionAgentUuid,
          {
            ...supplied({ ...fields, agent_uuid: args.agentUuid }),
            updated_by: args.updatedBy,
          },
        );
        return { sessionAgent };
      }
      requireForInsert('SessionAgent', { agentUuid: args.agentUuid });
      const session = args.coordinationUuid
        ? await ctx.repos.sessions.get(tenant, args.coordinationUuid, args.sessionUuid)
        : await ctx.repos.sessions.getByUuid(tenant, args.sessionUuid);
      const sessionAgent = await ctx.repos.sessionAgents.insert(tenant, {
        session_uuid: session.session_uuid,
        session_agent_uuid: newId(),
        coordination_uuid: session.coordination_uuid,
        agent_uuid: args.agentUuid as string,
        agent_action: args.agentAction ?? {
          predecessors: [],
          primary_path: true,
          user_in_the_loop: null,
          action_function: {},
        },
        user_input: args.userInput ?? undefined,
        agent_input: args.agentInput ?? undefined,
        agent_output: args.agentOutput ?? undefined,
        in_degree: args.inDegree ?? 0,
        state: args.state ?? 'initial',
        notes: args.notes ?? undefined,
        updated_by: args.updatedBy,
      });
      return { sessionAgent };
    },
  }),
);

builder.mutationField('deleteSessionAgent', (t) =>
  t.field({
    type: DeletePayloadRef,
    args: t.validate(
      { sessionUuid: t.arg.string({ required: true }), sessionAgentUuid: t.arg.string({ required: true }) },
      z.object({ sessionUuid: IdSchema, sessionAgentUuid: IdSchema }),
    ),
    resolve: async (_, args, ctx) => {
      await ctx.repos.sessionAgents.delete(ctx.caller.tenant, args.sessionUuid, args.sessionAgentUuid);
      return { ok: true };
    },
  }),
);
