import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { TableNames } from '../db/tables.js';
import type { Tenant } from '../tenant.js';
import { addOnceRolling, markerOf } from '../usage/add-once.js';
import { ROLLUP_MAX_MARKERS } from '../usage/ledger.js';
import { rollupKeyOf } from '../usage/rollup-keys.js';
import { bucketAttribute, bucketOf } from './histogram.js';

/**
 * Run outcomes and ratings ADDed to the usage rollups' AGENT items (the same
 * item that holds the agent's tokens and cost for that day), each once under
 * its own marker, so agentAnalytics reads one Query of stored totals.
 */
export interface RunOutcome {
  /** Stable for this run end: a duplicate of the event adds nothing. */
  readonly id: string;
  readonly coordinationUuid: string;
  readonly agentUuid: string;
  readonly ok: boolean;
  readonly durationMs: number;
  /** Runtime calls after the first (retries with backoff). */
  readonly retries: number;
  readonly at: Date;
  /** What the run used (procedure-hub runs: its SessionAgent's totals), for the estimate's spread. */
  readonly usage?: RunUsage;
}

export interface RunUsage {
  readonly tokens: number;
  readonly modelCalls: number;
  /** Null when a call had no known price. */
  readonly costUsd: number | null;
}

/** Per-run sums and sums of squares: mean and variance of a run's usage, from ADDs alone. */
function sampleCounters(usage: RunUsage | undefined): Record<string, number> {
  if (!usage) return {};
  const sq = (v: number) => v * v;
  return {
    sample_runs: 1,
    sample_tokens_sum: usage.tokens,
    sample_tokens_sq: sq(usage.tokens),
    sample_calls_sum: usage.modelCalls,
    sample_calls_sq: sq(usage.modelCalls),
    ...(usage.costUsd === null
      ? { sample_unpriced_runs: 1 }
      : { sample_cost_sum: usage.costUsd, sample_cost_sq: sq(usage.costUsd) }),
  };
}

export interface Rating {
  readonly id: string;
  readonly coordinationUuid: string;
  readonly agentUuid: string;
  readonly kind: string;
  readonly rating: number;
  readonly at: Date;
}

export function createAnalyticsCounters(deps: { doc: DynamoDBDocumentClient; tables: TableNames }) {
  const add = (
    tenant: Tenant,
    coordinationUuid: string,
    agentUuid: string,
    at: Date,
    marker: string,
    counters: Record<string, number>,
  ) => {
    const day = at.toISOString().slice(0, 10);
    return addOnceRolling(deps.doc, {
      tableName: deps.tables.usageRollups,
      hashKey: ['rollup_key', rollupKeyOf(tenant, coordinationUuid)],
      rangeKey: ['bucket', `AGENT#${day}#${agentUuid}`],
      counters,
      marker,
      maxMarkers: ROLLUP_MAX_MARKERS,
      setIfAbsent: { group_by: 'AGENT', day, group_key: agentUuid, partition_key: tenant.partitionKey },
    });
  };
  return {
    recordRun: (tenant: Tenant, run: RunOutcome) =>
      add(tenant, run.coordinationUuid, run.agentUuid, run.at, markerOf(`run:${run.id}`), {
        runs: 1,
        runs_succeeded: run.ok ? 1 : 0,
        runs_failed: run.ok ? 0 : 1,
        run_retries: run.retries,
        run_ms_sum: Math.max(0, Math.round(run.durationMs)),
        [bucketAttribute(bucketOf(run.durationMs))]: 1,
        ...sampleCounters(run.usage),
      }),
    recordRating: (tenant: Tenant, rating: Rating) =>
      add(tenant, rating.coordinationUuid, rating.agentUuid, rating.at, markerOf(`rating:${rating.id}`), {
        rating_count: 1,
        rating_sum: rating.rating,
        [`rating_${rating.kind}_count`]: 1,
        [`rating_${rating.kind}_sum`]: rating.rating,
      }),
  };
}
export type AnalyticsCounters = ReturnType<typeof createAnalyticsCounters>;
