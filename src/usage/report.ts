import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { TableNames } from '../db/tables.js';
import type { Tenant } from '../tenant.js';
import { bucketRange, rollupKeyOf, type UsageGroupBy } from './rollup-keys.js';

export interface UsageTotals {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cachedTokens: number;
  readonly reasoningTokens: number;
  readonly totalTokens: number;
  readonly modelCalls: number;
  readonly toolCalls: number;
  /** Sum over the priced calls; null when no call had a known price. */
  readonly costUsd: number | null;
  /** Model calls whose model is not in the price table (their cost is unknown, not zero). */
  readonly unpricedCalls: number;
}

export interface UsageReportRow extends UsageTotals {
  readonly key: string;
}

export interface UsageReport {
  readonly coordinationUuid: string;
  readonly groupBy: UsageGroupBy;
  readonly from: string;
  readonly to: string;
  readonly rows: UsageReportRow[];
  readonly total: UsageTotals;
  /** Rollup items read to answer (days x groups x generations): never the runs. */
  readonly itemsRead: number;
}

const num = (v: unknown) => (typeof v === 'number' ? v : 0);

/** Reads a stored item's totals (the attribute names the ledger ADDs). */
export function totalsOf(item: Record<string, unknown>): UsageTotals {
  return {
    inputTokens: num(item.input_tokens),
    outputTokens: num(item.output_tokens),
    cachedTokens: num(item.cached_tokens),
    reasoningTokens: num(item.reasoning_tokens),
    totalTokens: num(item.total_tokens),
    modelCalls: num(item.model_calls),
    toolCalls: num(item.tool_calls),
    costUsd: typeof item.cost_usd === 'number' ? item.cost_usd : null,
    unpricedCalls: num(item.unpriced_calls),
  };
}

const roundUsd = (v: number) => Math.round(v * 1e10) / 1e10;

function sum(a: UsageTotals, b: UsageTotals): UsageTotals {
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    cachedTokens: a.cachedTokens + b.cachedTokens,
    reasoningTokens: a.reasoningTokens + b.reasoningTokens,
    totalTokens: a.totalTokens + b.totalTokens,
    modelCalls: a.modelCalls + b.modelCalls,
    toolCalls: a.toolCalls + b.toolCalls,
    costUsd: a.costUsd === null && b.costUsd === null ? null : roundUsd((a.costUsd ?? 0) + (b.costUsd ?? 0)),
    unpricedCalls: a.unpricedCalls + b.unpricedCalls,
  };
}

export const zeroTotals: UsageTotals = totalsOf({});

/**
 * The one read path of the rollup items: a coordination's items of one
 * grouping between two buckets, page by page, with `group_key` and the named
 * counters only (the marker sets are never read). Serves usageReport and
 * agentAnalytics.
 */
export async function* rollupItems(
  deps: { doc: DynamoDBDocumentClient; tables: TableNames },
  tenant: Tenant,
  coordinationUuid: string,
  range: { low: string; high: string },
  attributes: readonly string[],
): AsyncGenerator<Record<string, unknown>> {
  let start: Record<string, unknown> | undefined;
  do {
    const page = await deps.doc.send(
      new QueryCommand({
        TableName: deps.tables.usageRollups,
        KeyConditionExpression: 'rollup_key = :k AND #bucket BETWEEN :low AND :high',
        ExpressionAttributeNames: { '#bucket': 'bucket' },
        ProjectionExpression: ['group_key', ...attributes].join(', '),
        ExpressionAttributeValues: {
          ':k': rollupKeyOf(tenant, coordinationUuid),
          ':low': range.low,
          ':high': range.high,
        },
        ExclusiveStartKey: start,
      }),
    );
    yield* page.Items ?? [];
    start = page.LastEvaluatedKey;
  } while (start);
}

/**
 * usageReport: one Query over the coordination's rollup items of a grouping
 * between two days (inclusive, UTC), summed per group. The marker sets are
 * not read (projection), only the totals.
 */
export async function usageReport(
  deps: { doc: DynamoDBDocumentClient; tables: TableNames },
  tenant: Tenant,
  input: { coordinationUuid: string; from: string; to: string; groupBy: UsageGroupBy },
): Promise<UsageReport> {
  const fromDay = input.from.slice(0, 10);
  const toDay = input.to.slice(0, 10);
  const range = bucketRange(input.groupBy, fromDay, toDay);
  const byKey = new Map<string, UsageTotals>();
  let itemsRead = 0;
  const attributes =
    'input_tokens, output_tokens, cached_tokens, reasoning_tokens, total_tokens, model_calls, tool_calls, cost_usd, unpriced_calls';
  for await (const item of rollupItems(deps, tenant, input.coordinationUuid, range, attributes.split(', '))) {
    itemsRead++;
    const key = String(item.group_key);
    byKey.set(key, sum(byKey.get(key) ?? zeroTotals, totalsOf(item)));
  }
  const rows = [...byKey.entries()]
    .map(([key, totals]) => ({ key, ...totals }))
    .sort((a, b) => a.key.localeCompare(b.key));
  return {
    coordinationUuid: input.coordinationUuid,
    groupBy: input.groupBy,
    from: fromDay,
    to: toDay,
    rows,
    total: rows.reduce<UsageTotals>((acc, row) => sum(acc, row), zeroTotals),
    itemsRead,
  };
}
