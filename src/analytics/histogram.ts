/**
 * Run durations as a fixed histogram: each run ADDs 1 to the counter of its
 * bucket, so percentiles come from stored counts (summed over days and
 * items) instead of from the runs. Bounds are the buckets' upper edges in ms;
 * the last bucket is open.
 */
export const DURATION_BOUNDS_MS = [
  50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 60_000, 120_000, 300_000, 900_000,
] as const;
export const BUCKET_COUNT = DURATION_BOUNDS_MS.length + 1;

export const bucketAttribute = (index: number) => `run_ms_b${String(index).padStart(2, '0')}`;

export function bucketOf(durationMs: number): number {
  const index = DURATION_BOUNDS_MS.findIndex((bound) => durationMs <= bound);
  return index === -1 ? DURATION_BOUNDS_MS.length : index;
}

/**
 * The q-quantile (0..1) of the counted durations, linearly interpolated inside
 * its bucket (as Prometheus' histogram_quantile does); the open last bucket
 * answers its lower edge. Null without counts.
 */
export function quantileOf(counts: readonly number[], q: number): number | null {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    const count = counts[i] ?? 0;
    if (count > 0 && seen + count >= rank) {
      const lower = i === 0 ? 0 : (DURATION_BOUNDS_MS[i - 1] ?? 0);
      const upper = DURATION_BOUNDS_MS[i];
      if (upper === undefined) return lower;
      return Math.round(lower + (upper - lower) * ((rank - seen) / count));
    }
    seen += count;
  }
  return DURATION_BOUNDS_MS.at(-1) ?? null;
}
