import { setTimeout as sleep } from 'node:timers/promises';
import type { CacheRepository } from '../cache/repository.js';
import type { Tenant } from '../tenant.js';
import {
  DEFAULT_PREFETCH_TTL_SECONDS,
  type FetchOutcome,
  MAX_PREFETCHED_CHARS,
  type Prefetched,
  type PrefetchSpec,
} from './spec.js';

/** Calls the tool `fn` names; throws with a reason the session's warning will show. */
export type PrefetchFetcher = (spec: PrefetchSpec, signal: AbortSignal) => Promise<unknown>;

export interface PrefetchResult {
  readonly outcomes: FetchOutcome[];
  readonly prefetched: Prefetched;
  readonly warnings: string[];
}

/** How often a worker that lost the fill lease looks for the winner's entry. */
const FILL_POLL_MS = 50;

const reasonOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Pure: one spec per cache key (the first declared wins), with a warning for each differing duplicate. */
export function dedupeSpecs(specs: readonly PrefetchSpec[]): { unique: PrefetchSpec[]; warnings: string[] } {
  const byKey = new Map<string, PrefetchSpec>();
  const warnings: string[] = [];
  for (const spec of specs) {
    const first = byKey.get(spec.cache_key);
    if (!first) byKey.set(spec.cache_key, spec);
    else if (first.fn !== spec.fn || JSON.stringify(first.params) !== JSON.stringify(spec.params)) {
      warnings.push(
        `prefetch: two specs share cache key ${spec.cache_key}; the first (${first.fn}) was used`,
      );
    }
  }
  return { unique: [...byKey.values()], warnings };
}

/**
 * Runs the specs concurrently, each once per cache key, from the cache while
 * fresh, all under one deadline: a fetch that fails or is still running at
 * the deadline (it is aborted) becomes a warning, and the session goes on
 * without its data.
 */
export async function runPrefetch(
  deps: { cache: CacheRepository; fetch: PrefetchFetcher },
  tenant: Tenant,
  specs: readonly PrefetchSpec[],
  timeoutMs: number,
): Promise<PrefetchResult> {
  const { unique, warnings } = dedupeSpecs(specs);
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), timeoutMs);
  const late = new Promise<'late'>((resolve) =>
    deadline.signal.addEventListener('abort', () => resolve('late')),
  );

  const one = async (spec: PrefetchSpec): Promise<FetchOutcome> => {
    const base = { cache_key: spec.cache_key, fn: spec.fn };
    try {
      const cached = await deps.cache.get(tenant, spec.cache_key);
      if (cached) return { ...base, status: 'hit', value: cached.value };
      // Single flight across workers and sessions: one fetches, the others wait for its entry.
      while (!(await deps.cache.acquireFillLease(tenant, spec.cache_key, timeoutMs))) {
        await sleep(FILL_POLL_MS, undefined, { signal: deadline.signal });
        const filled = await deps.cache.get(tenant, spec.cache_key, { count: false });
        if (filled) return { ...base, status: 'hit', value: filled.value };
      }
      try {
        // Double-checked: a worker that filled the entry and released the lease between our read
        // and our acquire must not be followed by a second call.
        const filled = await deps.cache.get(tenant, spec.cache_key, { count: false });
        if (filled) return { ...base, status: 'hit', value: filled.value };
        const value = await deps.fetch(spec, deadline.signal);
        if (deadline.signal.aborted) throw new Error('late');
        await deps.cache.put(tenant, {
          cache_key: spec.cache_key,
          value,
          ttl_seconds: spec.ttl_seconds ?? DEFAULT_PREFETCH_TTL_SECONDS,
          tags: ['prefetch', `fn:${spec.fn}`],
        });
        return { ...base, status: 'miss', value };
      } finally {
        await deps.cache.releaseFillLease(tenant, spec.cache_key);
      }
    } catch (error) {
      return { ...base, status: 'failed', error: reasonOf(error) };
    }
  };

  let outcomes: FetchOutcome[];
  try {
    outcomes = await Promise.all(
      unique.map(async (spec) => {
        const raced = await Promise.race([one(spec), late]);
        return raced === 'late'
          ? {
              cache_key: spec.cache_key,
              fn: spec.fn,
              status: 'timeout' as const,
              error: `not done after ${timeoutMs} ms`,
            }
          : raced;
      }),
    );
  } finally {
    clearTimeout(timer);
  }

  const prefetched: Record<string, { fn: string; value: unknown; agents?: string[] }> = {};
  let size = 0;
  for (const [i, outcome] of outcomes.entries()) {
    if (outcome.status === 'failed' || outcome.status === 'timeout') {
      warnings.push(`prefetch ${outcome.cache_key} (${outcome.fn}) ${outcome.status}: ${outcome.error}`);
      continue;
    }
    const chars = JSON.stringify(outcome.value ?? null).length;
    if (size + chars > MAX_PREFETCHED_CHARS) {
      warnings.push(
        `prefetch ${outcome.cache_key} (${outcome.fn}) left out: its data is too large (${chars} characters)`,
      );
      continue;
    }
    size += chars;
    const agents = unique[i]?.agents;
    prefetched[outcome.cache_key] = {
      fn: outcome.fn,
      value: outcome.value ?? null,
      ...(agents && { agents }),
    };
  }
  return { outcomes, prefetched, warnings };
}

/** Pure: the block appended to an agent's input (documented in docs/MEMORY_AND_CACHE.md). */
export function prefetchedInput(prefetched: Prefetched | undefined | null, agentUuid: string): string {
  if (!prefetched) return '';
  return Object.keys(prefetched)
    .sort()
    .filter((key) => {
      const agents = prefetched[key]?.agents;
      return !agents || agents.includes(agentUuid);
    })
    .map((key) => `prefetched_data(${key}): ${JSON.stringify(prefetched[key]?.value ?? null)}`)
    .join('\n\n');
}
