import * as z from 'zod';

/**
 * A cache key: what a prefetch spec or a client names. Printable, no control
 * characters; "#" is allowed (keys are stored after a fixed "k#" prefix).
 */
export const CacheKeySchema = z
  .string()
  .min(1)
  .max(512)
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');
export const CacheTagSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_.:/@-]+$/, 'must be letters, digits or _ . : / @ -');
export const CacheTagsSchema = z.array(CacheTagSchema).max(20);
/** Up to 30 days; an entry without a TTL lives until invalidated. */
export const TtlSecondsSchema = z
  .number()
  .int()
  .min(1)
  .max(30 * 24 * 3600);

/** Keep an entry well under DynamoDB's 400 KB item limit. */
export const MAX_CACHE_VALUE_CHARS = 300_000;

export const CacheEntrySchema = z.object({
  partition_key: z.string(),
  cache_key: z.string(),
  value: z.unknown(),
  tags: z.array(z.string()).default([]),
  created_at: z.string(),
  updated_at: z.string(),
  /** Epoch seconds (the table's TTL attribute); absent: never expires. */
  expires_at: z.number().optional().nullable(),
  hit_count: z.number().int().default(0),
});
export type CacheEntry = z.infer<typeof CacheEntrySchema>;

export interface CacheStats {
  readonly hits: number;
  readonly misses: number;
}

export interface Invalidation {
  /** The cache keys whose entries were deleted, sorted. */
  readonly keys: string[];
}

/** Pure: sort keys of one tenant's cache partition. */
export const cacheSortKeys = {
  entry: (cacheKey: string) => `k#${cacheKey}`,
  entryPrefix: (prefix: string) => `k#${prefix}`,
  tag: (tag: string, cacheKey: string) => `t#${tag}#${cacheKey}`,
  tagPrefix: (tag: string) => `t#${tag}#`,
  stats: 'stats',
  /** Single-flight: the worker holding it fills the entry; others wait for the entry. */
  fillLease: (cacheKey: string) => `l#${cacheKey}`,
} as const;

export function isFresh(entry: { expires_at?: number | null }, nowMs: number): boolean {
  return entry.expires_at == null || entry.expires_at * 1000 > nowMs;
}
