import * as z from 'zod';
import {
  DescriptionSchema,
  IdSchema,
  NameSchema,
  QueryTextSchema,
  UpdatedBySchema,
} from '../../domain/common/fields.js';
import { deleteTask } from '../../domain/delete-protection.js';
import {
  AgentActionSchema,
  ExecutionPolicySchema,
  SubtaskQuerySchema,
  type Task,
} from '../../domain/task/model.js';
import {
  describeDagProblems,
  findDagProblems,
  hasDagProblems,
} from '../../domain/task/validate-agent-actions.js';
import { ValidationError } from '../../errors.js';
import { newId } from '../../ids.js';
import { builder } from '../builder.js';
import { toCamelDeep } from '../case.js';
import { FilterText, jsonInput, OptionalId, PageArgsSchema, requireForInsert, supplied } from '../inputs.js';
import { DeletePayloadRef, listType, payloadType } from './common.js';

/** Loader key: `${coordinationUuid}:${taskUuid}` (ids never contain ":"). */
export const taskKey = (coordinationUuid: string, taskUuid: string) => `${coordinationUuid}:${taskUuid}`;

export const TaskRef = builder.loadableObjectRef('Task', {
  load: (keys: string[], ctx) =>
    ctx.repos.tasks.batchGet(
      ctx.caller.tenant,
      keys.map((key) => {
        const [coordinationUuid = '', taskUuid = ''] = key.split(':');
        return { coordinationUuid, taskUuid };
      }),
    ),
  // BatchGetItem answers in any order: sort maps items to keys; resolved objects prime the cache.
  toKey: (task: Task) => taskKey(task.coordination_uuid, task.task_uuid),
  sort: true,
  cacheResolved: true,
  loaderOptions: { maxBatchSize: 100 },
});

TaskRef.implement({
  description: 'A procedure: a DAG of agent actions over a coordination’s agents.',
  fields: (t) => ({
    coordinationUuid: t.exposeID('coordination_uuid', { nullable: false }),
    taskUuid: t.exposeID('task_uuid', { nullable: false }),
    taskName: t.exposeString('task_name', { nullable: false }),
    taskDescription: t.exposeString('task_description'),
    initialTaskQuery: t.exposeString('initial_task_query'),
    subtaskQueries: t.field({
      type: 'JSON',
      description: 'List of {agentUuid, subtaskQuery}.',
      resolve: (task) => toCamelDeep(task.subtask_queries),
    }),
    agentActions: t.field({
      type: 'JSON',
      description: 'Map agentUuid -> {predecessors, primaryPath, userInTheLoop, actionFunction}.',
      resolve: (task) => toCamelDeep(task.agent_actions, { keepTopKeys: true }),
    }),
    executionPolicy: t.field({
      type: 'JSON',
      description: '{maxParallel, agentTimeoutMs, maxRetries, failureMode}.',
      resolve: (task) => toCamelDeep(task.execution_policy ?? null),
    }),
    createdAt: t.expose('created_at', { type: 'DateTime' }),
    updatedAt: t.expose('updated_at', { type: 'DateTime' }),
    updatedBy: t.exposeString('updated_by'),
  }),
});

builder.queryField('task', (t) =>
  t.field({
    type: TaskRef,
    args: t.validate(
      { coordinationUuid: t.arg.string({ required: true }), taskUuid: t.arg.string({ required: true }) },
      z.object({ coordinationUuid: IdSchema, taskUuid: IdSchema }),
    ),
    resolve: (_, args, ctx) => ctx.repos.tasks.get(ctx.caller.tenant, args.coordinationUuid, args.taskUuid),
  }),
);

const ListArgs = z.object({
  ...PageArgsSchema,
  coordinationUuid: OptionalId,
  taskName: FilterText,
  taskDescription: FilterText,
  initialTaskQuery: FilterText,
});
const TaskListRef = listType('TaskListType', 'taskList', TaskRef);

builder.queryField('taskList', (t) =>
  t.field({
    type: TaskListRef,
    args: t.validate(
      {
        pageNumber: t.arg.int(),
        limit: t.arg.int(),
        nextToken: t.arg.string(),
        coordinationUuid: t.arg.string(),
        taskName: t.arg.string(),
        taskDescription: t.arg.string(),
        initialTaskQuery: t.arg.string(),
      },
      ListArgs,
    ),
    resolve: (_, raw, ctx) => {
      const { pageNumber, limit, nextToken, ...filter } = raw as z.output<typeof ListArgs>;
      return ctx.repos.tasks.page(ctx.caller.tenant, filter, { pageNumber, limit, nextToken });
    },
  }),
);

const InsertUpdateArgs = z.object({
  coordinationUuid: IdSchema,
  taskUuid: OptionalId,
  taskName: NameSchema.optional(),
  taskDescription: DescriptionSchema.nullish(),
  initialTaskQuery: QueryTextSchema.nullish(),
  subtaskQueries: jsonInput(z.array(SubtaskQuerySchema).max(500)),
  agentActions: jsonInput(z.record(IdSchema, AgentActionSchema), { keepTopKeys: true }),
  executionPolicy: jsonInput(ExecutionPolicySchema.strict()),
  updatedBy: UpdatedBySchema,
});
const InsertUpdateTaskRef = payloadType('InsertUpdateTaskPayload', 'task', TaskRef);

builder.mutationField('insertUpdateTask', (t) =>
  t.field({
    type: InsertUpdateTaskRef,
    description:
      'Creates a task (no taskUuid) or updates the supplied fields of one. agentActions must form a DAG over the coordination’s agents.',
    args: t.validate(
      {
        coordinationUuid: t.arg.string({ required: true }),
        taskUuid: t.arg.string(),
        taskName: t.arg.string(),
        taskDescription: t.arg.string(),
        initialTaskQuery: t.arg.string(),
        subtaskQueries: t.arg({ type: 'JSON' }),
        agentActions: t.arg({ type: 'JSON' }),
        executionPolicy: t.arg({ type: 'JSON' }),
        updatedBy: t.arg.string({ required: true }),
      },
      InsertUpdateArgs,
    ),
    resolve: async (_, raw, ctx) => {
      const args = raw as z.output<typeof InsertUpdateArgs>;
      const tenant = ctx.caller.tenant;
      const coordination = await ctx.repos.coordinations.get(tenant, args.coordinationUuid);
      if (args.agentActions) {
        const problems = findDagProblems(
          coordination.agents.map((a) => a.agent_uuid),
          args.agentActions,
        );
        if (hasDagProblems(problems))
          throw new ValidationError(describeDagProblems(problems), { ...problems });
      }
      const fields = supplied({
        task_name: args.taskName,
        task_description: args.taskDescription,
        initial_task_query: args.initialTaskQuery,
        subtask_queries: args.subtaskQueries === null ? [] : args.subtaskQueries,
        agent_actions: args.agentActions === null ? {} : args.agentActions,
        execution_policy: args.executionPolicy,
        updated_by: args.updatedBy,
      });
      if (args.taskUuid) {
        const task = await ctx.repos.tasks.update(tenant, args.coordinationUuid, args.taskUuid, {
          ...fields,
          updated_by: args.updatedBy,
        });
        return { task };
      }
      requireForInsert('Task', { taskName: args.taskName });
      const task = await ctx.repos.tasks.insert(tenant, {
        coordination_uuid: args.coordinationUuid,
        task_uuid: newId(),
        task_name: args.taskName as string,
        task_description: args.taskDescription ?? undefined,
        initial_task_query: args.initialTaskQuery ?? undefined,
        subtask_queries: args.subtaskQueries ?? [],
        agent_actions: args.agentActions ?? {},
        execution_policy: args.executionPolicy ?? undefined,
        updated_by: args.updatedBy,
      });
      return { task };
    },
  }),
);

builder.mutationField('deleteTask', (t) =>
  t.field({
    type: DeletePayloadRef,
    description: 'Deletes a task; CONFLICT while it has schedules.',
    args: t.validate(
      { coordinationUuid: t.arg.string({ required: true }), taskUuid: t.arg.string({ required: true }) },
      z.object({ coordinationUuid: IdSchema, taskUuid: IdSchema }),
    ),
    resolve: async (_, args, ctx) => {
      await deleteTask(ctx.repos, ctx.caller.tenant, args.coordinationUuid, args.taskUuid);
      return { ok: true };
    },
  }),
);
