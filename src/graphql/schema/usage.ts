import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { TableNames } from '../../db/tables.js';
import { IdSchema } from '../../domain/common/fields.js';
import type { Session } from '../../domain/session/model.js';
import {
  totalsOf,
  type UsageReport,
  type UsageReportRow,
  type UsageTotals,
  usageReport,
} from '../../usage/report.js';
import { UsageGroupBySchema } from '../../usage/rollup-keys.js';
import { builder } from '../builder.js';
import { toCamelDeep } from '../case.js';
import { SessionRef } from './session.js';
import { SessionAgentRef } from './session-agent.js';
import { SessionRunRef } from './session-run.js';

declare module '../context.js' {
  interface Services {
    /** Where usageReport reads the rollups. */
    usage?: { doc: DynamoDBDocumentClient; tables: TableNames };
  }
}

// biome-ignore lint/suspicious/noExplicitAny: the same fields on two object types
const totalsFields = (t: any) => ({
  inputTokens: t.exposeInt('inputTokens', { nullable: false }),
  outputTokens: t.exposeInt('outputTokens', { nullable: false }),
  cachedTokens: t.exposeInt('cachedTokens', { nullable: false }),
  reasoningTokens: t.exposeInt('reasoningTokens', { nullable: false }),
  totalTokens: t.exposeInt('totalTokens', { nullable: false }),
  modelCalls: t.exposeInt('modelCalls', { nullable: false }),
  toolCalls: t.exposeInt('toolCalls', { nullable: false }),
  costUsd: t.exposeFloat('costUsd', {
    description: 'Null when no call had a known price (never a guessed one).',
  }),
  unpricedCalls: t.exposeInt('unpricedCalls', {
    nullable: false,
    description: 'Model calls whose model has no price.',
  }),
});

export const UsageTotalsRef = builder.objectRef<UsageTotals>('UsageTotals');
UsageTotalsRef.implement({
  description: 'Tokens, calls and cost, as the usage ledger summed them (inputTokens includes cachedTokens).',
  fields: (t) => totalsFields(t),
});

const UsageReportRowRef = builder.objectRef<UsageReportRow>('UsageReportRow');
UsageReportRowRef.implement({
  description: 'One group of a usage report: an agent uuid, a model, a day (YYYY-MM-DD) or a task uuid.',
  fields: (t) => ({ key: t.exposeString('key', { nullable: false }), ...totalsFields(t) }),
});

const UsageReportRef = builder.objectRef<UsageReport>('UsageReport');
UsageReportRef.implement({
  fields: (t) => ({
    coordinationUuid: t.exposeID('coordinationUuid', { nullable: false }),
    groupBy: t.exposeString('groupBy', { nullable: false }),
    from: t.exposeString('from', { nullable: false }),
    to: t.exposeString('to', { nullable: false }),
    rows: t.field({ type: [UsageReportRowRef], nullable: false, resolve: (r) => r.rows }),
    total: t.field({ type: UsageTotalsRef, nullable: false, resolve: (r) => r.total }),
  }),
});

const UsageGroupByRef = builder.enumType('UsageGroupBy', { values: UsageGroupBySchema.options });

const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}/, 'must be a date (YYYY-MM-DD) or an ISO-8601 time');

builder.queryField('usageReport', (t) =>
  t.field({
    type: UsageReportRef,
    nullable: false,
    description:
      'Usage of a coordination between two days (inclusive, UTC), grouped by AGENT, MODEL, DAY or TASK: read from stored totals, never from the runs.',
    args: t.validate(
      {
        coordinationUuid: t.arg.string({ required: true }),
        from: t.arg.string({ required: true }),
        to: t.arg.string({ required: true }),
        groupBy: t.arg({ type: UsageGroupByRef, required: true }),
      },
      z
        .object({ coordinationUuid: IdSchema, from: Day, to: Day, groupBy: UsageGroupBySchema })
        .refine((a) => a.from.slice(0, 10) <= a.to.slice(0, 10), {
          message: 'from is after to',
          path: ['from'],
        }),
    ),
    resolve: async (_, args, ctx) => {
      const usage = ctx.services.usage;
      if (!usage) throw new Error('usageReport: the usage ledger is not wired on this transport');
      return usageReport(usage, ctx.caller.tenant, args);
    },
  }),
);

const usageOf = (parent: unknown) => totalsOf(parent as Record<string, unknown>);

builder.objectFields(SessionRef, (t) => ({
  usage: t.field({
    type: UsageTotalsRef,
    nullable: false,
    description: 'What every model and tool call of the session used (the usage ledger).',
    resolve: usageOf,
  }),
  budgetExceeded: t.string({
    description: 'The budget that ended the session (maxCostUsd, maxTokens, ...), if one did.',
    resolve: (s) => (s as Session).budget_exceeded ?? null,
  }),
}));

builder.objectFields(SessionAgentRef, (t) => ({
  usage: t.field({
    type: UsageTotalsRef,
    nullable: false,
    description: "What the agent's model and tool calls used (the usage ledger).",
    resolve: usageOf,
  }),
}));

builder.objectFields(SessionRunRef, (t) => ({
  usage: t.field({
    type: UsageTotalsRef,
    nullable: false,
    description: 'What this run used (its own record).',
    resolve: (run) => usageOf({ ...run, total_tokens: (run.input_tokens ?? 0) + (run.output_tokens ?? 0) }),
  }),
  model: t.exposeString('model'),
  guardrailFindings: t.field({
    type: 'JSON',
    description: 'Guardrail findings of the run: [{stage, verdict, attempt, findings}].',
    resolve: (run) => toCamelDeep(run.guardrail_findings ?? null),
  }),
}));
