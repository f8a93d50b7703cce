import * as z from 'zod';
import { CacheKeySchema, TtlSecondsSchema } from '../cache/model.js';
import { IdSchema } from '../domain/common/fields.js';

/**
 * The seed's PrefetchSpec: data the agents will need, fetched once before
 * they run. `fn` names a tool of the coordination's agents or a builtin;
 * `params` are its arguments; the result is cached under `cache_key` for
 * `ttl_seconds` (default 300). `agents` narrows who receives it (default all).
 */
export const PrefetchSpecSchema = z.object({
  fn: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'fn is a tool name'),
  params: z.record(z.string(), z.unknown()).default({}),
  cache_key: CacheKeySchema,
  ttl_seconds: TtlSecondsSchema.optional(),
  agents: z.array(IdSchema).max(200).optional(),
});
export type PrefetchSpec = z.infer<typeof PrefetchSpecSchema>;
export const PrefetchListSchema = z.array(PrefetchSpecSchema).max(50);

export const DEFAULT_PREFETCH_TIMEOUT_MS = 25_000;
export const DEFAULT_PREFETCH_TTL_SECONDS = 300;
/** The prefetched data rides on the session row: keep it well under DynamoDB's 400 KB item limit. */
export const MAX_PREFETCHED_CHARS = 200_000;

export type FetchStatus = 'hit' | 'miss' | 'failed' | 'timeout';

export interface FetchOutcome {
  readonly cache_key: string;
  readonly fn: string;
  readonly status: FetchStatus;
  readonly value?: unknown;
  readonly error?: string;
}

/** What the session keeps: each fetched value by cache key, with who receives it. */
export interface PrefetchedEntry {
  readonly fn: string;
  readonly value: unknown;
  readonly agents?: string[];
}
export type Prefetched = Readonly<Record<string, PrefetchedEntry>>;
