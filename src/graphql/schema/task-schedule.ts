import * as z from 'zod';
import { IdSchema, QueryTextSchema, UpdatedBySchema } from '../../domain/common/fields.js';
import { ScheduleStatusSchema, type TaskSchedule } from '../../domain/task-schedule/model.js';
import { newId } from '../../ids.js';
import { builder } from '../builder.js';
import { OptionalId, optionalFilter, PageArgsSchema, requireForInsert, supplied } from '../inputs.js';
import { DeletePayloadRef, listType, payloadType } from './common.js';

export const TaskScheduleRef = builder.objectRef<TaskSchedule>('TaskSchedule');

TaskScheduleRef.implement({
  description: 'Runs a task on a cron or rate expression.',
  fields: (t) => ({
    taskUuid: t.exposeID('task_uuid', { nullable: false }),
    scheduleUuid: t.exposeID('schedule_uuid', { nullable: false }),
    coordinationUuid: t.exposeID('coordination_uuid', { nullable: false }),
    schedule: t.exposeString('schedule', { nullable: false }),
    status: t.exposeString('status', { nullable: false }),
    taskQuery: t.exposeString('task_query'),
    userId: t.exposeString('user_id'),
    lastFiredAt: t.exposeString('last_fired_at'),
    createdAt: t.expose('created_at', { type: 'DateTime' }),
    updatedAt: t.expose('updated_at', { type: 'DateTime' }),
    updatedBy: t.exposeString('updated_by'),
  }),
});

/**
 * EventBridge forms `cron(m h dom mon dow y)`, `rate(n unit)`, or a plain
 * 5/6-field cron expression.
 */
export const ScheduleExpressionSchema = z
  .string()
  .trim()
  .max(256)
  .regex(
    /^(cron\(\S+( \S+){5}\)|rate\(\d+ (minute|minutes|hour|hours|day|days)\)|\S+( \S+){4,5})$/,
    'must be cron(...), rate(n unit) or a 5/6-field cron expression',
  );

const statuses = z.array(ScheduleStatusSchema).min(1).max(100);

builder.queryField('taskSchedule', (t) =>
  t.field({
    type: TaskScheduleRef,
    args: t.validate(
      { taskUuid: t.arg.string({ required: true }), scheduleUuid: t.arg.string({ required: true }) },
      z.object({ taskUuid: IdSchema, scheduleUuid: IdSchema }),
    ),
    resolve: (_, args, ctx) =>
      ctx.repos.taskSchedules.get(ctx.caller.tenant, args.taskUuid, args.scheduleUuid),
  }),
);

const ListArgs = z.object({
  ...PageArgsSchema,
  taskUuid: OptionalId,
  coordinationUuid: OptionalId,
  statuses: optionalFilter(statuses),
});
const TaskScheduleListRef = listType('TaskScheduleListType', 'taskScheduleList', TaskScheduleRef);

builder.queryField('taskScheduleList', (t) =>
  t.field({
    type: TaskScheduleListRef,
    args: t.validate(
      {
        pageNumber: t.arg.int(),
        limit: t.arg.int(),
        nextToken: t.arg.string(),
        taskUuid: t.arg.string(),
        coordinationUuid: t.arg.string(),
        statuses: t.arg.stringList(),
      },
      ListArgs,
    ),
    resolve: (_, raw, ctx) => {
      const { pageNumber, limit, nextToken, ...filter } = raw as z.output<typeof ListArgs>;
      return ctx.repos.taskSchedules.page(ctx.caller.tenant, filter, { pageNumber, limit, nextToken });
    },
  }),
);

const InsertUpdateArgs = z.object({
  taskUuid: IdSchema,
  scheduleUuid: OptionalId,
  coordinationUuid: OptionalId,
  schedule: ScheduleExpressionSchema.optional(),
  status: ScheduleStatusSchema.optional(),
  taskQuery: QueryTextSchema.nullish(),
  userId: z.string().min(1).max(256).nullish(),
  updatedBy: UpdatedBySchema,
});
const InsertUpdateTaskScheduleRef = payloadType(
  'InsertUpdateTaskSchedulePayload',
  'taskSchedule',
  TaskScheduleRef,
);

builder.mutationField('insertUpdateTaskSchedule', (t) =>
  t.field({
    type: InsertUpdateTaskScheduleRef,
    description:
      'Creates a schedule (no scheduleUuid; the Python engine always created one) or updates the supplied fields of one.',
    args: t.validate(
      {
        taskUuid: t.arg.string({ required: true }),
        scheduleUuid: t.arg.string(),
        coordinationUuid: t.arg.string(),
        schedule: t.arg.string(),
        status: t.arg.string(),
        taskQuery: t.arg.string(),
        userId: t.arg.string(),
        updatedBy: t.arg.string({ required: true }),
      },
      InsertUpdateArgs,
    ),
    resolve: async (_, raw, ctx) => {
      const args = raw as z.output<typeof InsertUpdateArgs>;
      const tenant = ctx.caller.tenant;
      if (args.scheduleUuid) {
        const taskSchedule = await ctx.repos.taskSchedules.update(tenant, args.taskUuid, args.scheduleUuid, {
          ...supplied({
            schedule: args.schedule,
            status: args.status,
            task_query: args.taskQuery,
            user_id: args.userId,
          }),
          updated_by: args.updatedBy,
        });
        // After the write: a failed sync surfaces as an error, and repeating the same update re-syncs.
        await ctx.services.scheduleSync?.put(taskSchedule);
        return { taskSchedule };
      }
      requireForInsert('TaskSchedule', { schedule: args.schedule });
      const task = args.coordinationUuid
        ? await ctx.repos.tasks.get(tenant, args.coordinationUuid, args.taskUuid)
        : await ctx.repos.tasks.getByUuid(tenant, args.taskUuid);
      const taskSchedule = await ctx.repos.taskSchedules.insert(tenant, {
        task_uuid: task.task_uuid,
        schedule_uuid: newId(),
        coordination_uuid: task.coordination_uuid,
        schedule: args.schedule as string,
        status: args.status ?? 'active',
        task_query: args.taskQuery ?? undefined,
        user_id: args.userId ?? undefined,
        updated_by: args.updatedBy,
      });
      try {
        await ctx.services.scheduleSync?.put(taskSchedule);
      } catch (error) {
        // A schedule that cannot fire must not look created: undo the row, report the failure.
        await ctx.repos.taskSchedules.delete(tenant, taskSchedule.task_uuid, taskSchedule.schedule_uuid);
        throw error;
      }
      return { taskSchedule };
    },
  }),
);

builder.mutationField('deleteTaskSchedule', (t) =>
  t.field({
    type: DeletePayloadRef,
    args: t.validate(
      { taskUuid: t.arg.string({ required: true }), scheduleUuid: t.arg.string({ required: true }) },
      z.object({ taskUuid: IdSchema, scheduleUuid: IdSchema }),
    ),
    resolve: async (_, args, ctx) => {
      const { tenant } = ctx.caller;
      // Tenant check first, then stop the firing, then drop the row: a failure leaves the row to retry on.
      const taskSchedule = await ctx.repos.taskSchedules.get(tenant, args.taskUuid, args.scheduleUuid);
      await ctx.services.scheduleSync?.remove(taskSchedule);
      await ctx.repos.taskSchedules.delete(tenant, args.taskUuid, args.scheduleUuid);
      return { ok: true };
    },
  }),
);
