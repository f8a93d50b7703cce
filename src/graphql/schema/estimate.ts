import * as z from 'zod';
import {
  type AgentEstimate,
  type EstimateRange,
  estimateTask,
  type TaskEstimate,
} from '../../analytics/estimate.js';
import { IdSchema, QueryTextSchema } from '../../domain/common/fields.js';
import type { Session } from '../../domain/session/model.js';
import type { Tenant } from '../../tenant.js';
import { DEFAULT_MODEL_PRICES } from '../../usage/prices.js';
import { builder } from '../builder.js';
import type { GraphQLContext } from '../context.js';
import { optionalFilter } from '../inputs.js';
import { analyticsOf } from './feedback.js';
import { ExecuteProcedureTaskSessionRef } from './procedure.js';

const RangeRef = builder.objectRef<EstimateRange>('EstimateRange').implement({
  description: 'The expected value and the range the estimate is sure of (at its confidence).',
  fields: (t) => ({
    expected: t.exposeFloat('expected', { nullable: false }),
    low: t.exposeFloat('low', { nullable: false }),
    high: t.exposeFloat('high', { nullable: false }),
  }),
});

const AgentEstimateRef = builder.objectRef<AgentEstimate>('AgentEstimate').implement({
  fields: (t) => ({
    agentUuid: t.exposeID('agentUuid', { nullable: false }),
    agentName: t.exposeString('agentName'),
    runsPerExecution: t.exposeInt('runsPerExecution', { nullable: false }),
    basis: t.exposeString('basis', {
      nullable: false,
      description: '`history` (its past runs) or `assumption`.',
    }),
    sampleRuns: t.exposeInt('sampleRuns', { nullable: false }),
    modelCalls: t.field({ type: RangeRef, nullable: false, resolve: (a) => a.modelCalls }),
    tokens: t.field({ type: RangeRef, nullable: false, resolve: (a) => a.tokens }),
    costUsd: t.field({ type: RangeRef, resolve: (a) => a.costUsd }),
  }),
});

const TaskEstimateRef = builder.objectRef<TaskEstimate>('TaskEstimate').implement({
  description:
    'Model calls, tokens and cost of one execution of a task: from its agents’ past runs (agentAnalytics) where they exist, stated assumptions otherwise.',
  fields: (t) => ({
    coordinationUuid: t.exposeID('coordinationUuid', { nullable: false }),
    taskUuid: t.exposeID('taskUuid', { nullable: false }),
    confidence: t.exposeFloat('confidence', { nullable: false }),
    historyDays: t.exposeInt('historyDays', { nullable: false }),
    agents: t.field({ type: [AgentEstimateRef], nullable: false, resolve: (e) => e.agents }),
    modelCalls: t.field({ type: RangeRef, nullable: false, resolve: (e) => e.modelCalls }),
    tokens: t.field({ type: RangeRef, nullable: false, resolve: (e) => e.tokens }),
    costUsd: t.field({
      type: RangeRef,
      resolve: (e) => e.costUsd,
      description: 'Null when an agent cannot be priced.',
    }),
    assumptions: t.exposeStringList('assumptions', { nullable: false }),
  }),
});

async function estimate(
  ctx: GraphQLContext,
  tenant: Tenant,
  coordinationUuid: string,
  taskUuid: string,
  taskQuery?: string | null,
) {
  const [task, coordination] = await Promise.all([
    ctx.repos.tasks.get(tenant, coordinationUuid, taskUuid),
    ctx.repos.coordinations.get(tenant, coordinationUuid),
  ]);
  const analytics = analyticsOf(ctx);
  return estimateTask({ ...analytics, prices: analytics.prices ?? DEFAULT_MODEL_PRICES }, tenant, {
    task,
    agents: coordination.agents,
    taskQuery: taskQuery ?? null,
  });
}

builder.queryField('estimateProcedureTaskSession', (t) =>
  t.field({
    type: TaskEstimateRef,
    nullable: false,
    description:
      'A dry run of executeProcedureTaskSession: what one execution of the task will likely use. Nothing is written.',
    args: t.validate(
      {
        coordinationUuid: t.arg.string({ required: true }),
        taskUuid: t.arg.string({ required: true }),
        taskQuery: t.arg.string(),
      },
      z.object({
        coordinationUuid: IdSchema,
        taskUuid: IdSchema,
        taskQuery: optionalFilter(QueryTextSchema),
      }),
    ),
    resolve: (_, args, ctx) =>
      estimate(ctx, ctx.caller.tenant, args.coordinationUuid, args.taskUuid, args.taskQuery),
  }),
);

builder.objectField(ExecuteProcedureTaskSessionRef, 'estimate', (t) =>
  t.field({
    type: TaskEstimateRef,
    nullable: false,
    description: 'The estimate of this execution, from the history before it started.',
    resolve: (payload: { procedureTaskSession: Session }, _args, ctx) => {
      const session = payload.procedureTaskSession;
      if (!session.task_uuid) throw new Error('the session has no task');
      return estimate(
        ctx,
        ctx.caller.tenant,
        session.coordination_uuid,
        session.task_uuid,
        session.task_query,
      );
    },
  }),
);
