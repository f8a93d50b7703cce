import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { TableNames } from '../db/tables.js';
import type { Tenant } from '../tenant.js';
import { rollupItems, totalsOf, type UsageTotals } from '../usage/report.js';
import { bucketRange } from '../usage/rollup-keys.js';
import { BUCKET_COUNT, bucketAttribute, quantileOf } from './histogram.js';

export const FEEDBACK_KINDS = ['quality', 'accuracy', 'performance'] as const;
export type FeedbackKind = (typeof FEEDBACK_KINDS)[number];

export interface AgentAnalytics {
  readonly agentUuid: string;
  readonly runs: number;
  readonly succeeded: number;
  readonly failed: number;
  /** succeeded / runs; null without runs. */
  readonly successRate: number | null;
  readonly p50DurationMs: number | null;
  readonly p95DurationMs: number | null;
  readonly averageDurationMs: number | null;
  readonly retries: number;
  readonly ratingCount: number;
  readonly averageRating: number | null;
  readonly averageRatingByKind: Readonly<Record<FeedbackKind, number | null>>;
  readonly usage: UsageTotals;
}

/** Summed stored counters of one agent over days and rollup generations. */
type Sums = Record<string, number>;

const num = (v: unknown) => (typeof v === 'number' ? v : 0);
const ratio = (a: number, b: number) => (b > 0 ? a / b : null);
const round = (v: number | null, digits = 4) =>
  v === null ? null : Math.round(v * 10 ** digits) / 10 ** digits;

const COUNTERS = [
  'runs',
  'runs_succeeded',
  'runs_failed',
  'run_retries',
  'run_ms_sum',
  'rating_count',
  'rating_sum',
  ...FEEDBACK_KINDS.flatMap((k) => [`rating_${k}_count`, `rating_${k}_sum`]),
  ...Array.from({ length: BUCKET_COUNT }, (_, i) => bucketAttribute(i)),
  'input_tokens',
  'output_tokens',
  'cached_tokens',
  'reasoning_tokens',
  'total_tokens',
  'model_calls',
  'tool_calls',
  'cost_usd',
  'unpriced_calls',
  'sample_runs',
  'sample_unpriced_runs',
  ...['tokens', 'calls', 'cost'].flatMap((m) => [`sample_${m}_sum`, `sample_${m}_sq`]),
];

export function analyticsOf(agentUuid: string, sums: Sums, hasCost: boolean): AgentAnalytics {
  const counts = Array.from({ length: BUCKET_COUNT }, (_, i) => sums[bucketAttribute(i)] ?? 0);
  const runs = sums.runs ?? 0;
  const usage = totalsOf({ ...sums, ...(hasCost ? {} : { cost_usd: undefined }) });
  return {
    agentUuid,
    runs,
    succeeded: sums.runs_succeeded ?? 0,
    failed: sums.runs_failed ?? 0,
    successRate: round(ratio(sums.runs_succeeded ?? 0, runs)),
    p50DurationMs: quantileOf(counts, 0.5),
    p95DurationMs: quantileOf(counts, 0.95),
    averageDurationMs: round(ratio(sums.run_ms_sum ?? 0, runs), 1),
    retries: sums.run_retries ?? 0,
    ratingCount: sums.rating_count ?? 0,
    averageRating: round(ratio(sums.rating_sum ?? 0, sums.rating_count ?? 0), 3),
    averageRatingByKind: Object.fromEntries(
      FEEDBACK_KINDS.map((k) => [
        k,
        round(ratio(sums[`rating_${k}_sum`] ?? 0, sums[`rating_${k}_count`] ?? 0), 3),
      ]),
    ) as Record<FeedbackKind, number | null>,
    usage,
  };
}

/**
 * agentAnalytics: one Query over the coordination's AGENT rollup items
 * between two days (inclusive, UTC), summed per agent. Runs, outcomes,
 * retries, the duration histogram and ratings are counters the run observer
 * and submitFeedback ADD there beside the usage ledger's tokens and cost.
 */
export async function agentAnalytics(
  deps: { doc: DynamoDBDocumentClient; tables: TableNames },
  tenant: Tenant,
  input: { coordinationUuid: string; from: string; to: string },
): Promise<{ agents: AgentAnalytics[]; itemsRead: number }> {
  const { byAgent, itemsRead } = await agentSums(deps, tenant, input);
  const agents = [...byAgent.entries()]
    .map(([agent, { sums, hasCost }]) => analyticsOf(agent, sums, hasCost))
    .sort((a, b) => a.agentUuid.localeCompare(b.agentUuid));
  return { agents, itemsRead };
}

/** The stored counters of each agent of a coordination, summed over days and generations. */
export async function agentSums(
  deps: { doc: DynamoDBDocumentClient; tables: TableNames },
  tenant: Tenant,
  input: { coordinationUuid: string; from: string; to: string },
) {
  const range = bucketRange('AGENT', input.from.slice(0, 10), input.to.slice(0, 10));
  const byAgent = new Map<string, { sums: Sums; hasCost: boolean }>();
  let itemsRead = 0;
  for await (const item of rollupItems(deps, tenant, input.coordinationUuid, range, COUNTERS)) {
    itemsRead++;
    const agent = String(item.group_key);
    const entry = byAgent.get(agent) ?? { sums: {}, hasCost: false };
    for (const name of COUNTERS)
      if (name in item) entry.sums[name] = (entry.sums[name] ?? 0) + num(item[name]);
    if (typeof item.cost_usd === 'number') entry.hasCost = true;
    byAgent.set(agent, entry);
  }
  return { byAgent, itemsRead };
}
