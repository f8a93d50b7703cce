import * as z from 'zod';
import {
  type CacheEntry,
  CacheKeySchema,
  type CacheStats,
  CacheTagSchema,
  CacheTagsSchema,
  type Invalidation,
  TtlSecondsSchema,
} from '../../cache/model.js';
import { ValidationError } from '../../errors.js';
import { builder } from '../builder.js';
import { optionalFilter } from '../inputs.js';

const iso = (epochSeconds: number | null | undefined) =>
  epochSeconds == null ? null : new Date(epochSeconds * 1000).toISOString();

export const CacheEntryRef = builder.objectRef<CacheEntry>('CacheEntry').implement({
  description: 'A tenant cache entry. The value is stored and returned as given (no key case conversion).',
  fields: (t) => ({
    cacheKey: t.exposeString('cache_key', { nullable: false }),
    value: t.field({ type: 'JSON', resolve: (e) => e.value }),
    tags: t.exposeStringList('tags', { nullable: false }),
    hitCount: t.exposeInt('hit_count', { nullable: false }),
    createdAt: t.expose('created_at', { type: 'DateTime' }),
    updatedAt: t.expose('updated_at', { type: 'DateTime' }),
    expiresAt: t.field({ type: 'DateTime', resolve: (e) => iso(e.expires_at) }),
  }),
});

const CacheStatsRef = builder.objectRef<CacheStats>('CacheStats').implement({
  description: "The tenant's cache reads since the table was created.",
  fields: (t) => ({
    hits: t.exposeInt('hits', { nullable: false }),
    misses: t.exposeInt('misses', { nullable: false }),
  }),
});

builder.queryField('cacheEntry', (t) =>
  t.field({
    type: CacheEntryRef,
    description: 'The fresh entry under a key, or null (an expired entry is a miss). Counts a hit or a miss.',
    args: t.validate({ cacheKey: t.arg.string({ required: true }) }, z.object({ cacheKey: CacheKeySchema })),
    resolve: (_, args, ctx) => ctx.repos.cache.get(ctx.caller.tenant, args.cacheKey).then((e) => e ?? null),
  }),
);

builder.queryField('cacheStats', (t) =>
  t.field({
    type: CacheStatsRef,
    nullable: false,
    resolve: (_, _args, ctx) => ctx.repos.cache.stats(ctx.caller.tenant),
  }),
);

const PutArgs = z.object({
  cacheKey: CacheKeySchema,
  value: z.unknown().refine((v) => v !== undefined, 'value is required'),
  ttlSeconds: optionalFilter(TtlSecondsSchema),
  tags: optionalFilter(CacheTagsSchema),
});

builder.mutationField('putCacheEntry', (t) =>
  t.field({
    type: builder.objectRef<{ cacheEntry: CacheEntry }>('PutCacheEntryPayload').implement({
      fields: (p) => ({
        cacheEntry: p.field({ type: CacheEntryRef, nullable: false, resolve: (r) => r.cacheEntry }),
      }),
    }),
    nullable: false,
    description: 'Writes or replaces an entry; without ttlSeconds it lives until invalidated.',
    args: t.validate(
      {
        cacheKey: t.arg.string({ required: true }),
        value: t.arg({ type: 'JSON', required: true }),
        ttlSeconds: t.arg.int(),
        tags: t.arg.stringList(),
      },
      PutArgs,
    ),
    resolve: async (_, raw, ctx) => {
      const args = raw as z.output<typeof PutArgs>;
      const cacheEntry = await ctx.repos.cache.put(ctx.caller.tenant, {
        cache_key: args.cacheKey,
        value: args.value,
        ttl_seconds: args.ttlSeconds,
        tags: args.tags ?? [],
      });
      return { cacheEntry };
    },
  }),
);

const InvalidateArgs = z.object({
  keys: optionalFilter(z.array(CacheKeySchema).max(1000)),
  tags: optionalFilter(z.array(CacheTagSchema).max(100)),
  prefix: optionalFilter(z.string().max(512)),
});

builder.mutationField('invalidateCache', (t) =>
  t.field({
    type: builder.objectRef<Invalidation>('InvalidateCachePayload').implement({
      fields: (p) => ({
        invalidated: p.exposeStringList('keys', {
          nullable: false,
          description: 'The cache keys whose entries were deleted, sorted.',
        }),
        count: p.int({ nullable: false, resolve: (r) => r.keys.length }),
      }),
    }),
    nullable: false,
    description: 'Deletes entries by exact keys, by tags and/or by key prefix ("" = every entry).',
    args: t.validate(
      { keys: t.arg.stringList(), tags: t.arg.stringList(), prefix: t.arg.string() },
      InvalidateArgs,
    ),
    resolve: (_, raw, ctx) => {
      const args = raw as z.output<typeof InvalidateArgs>;
      if (args.keys === undefined && args.tags === undefined && args.prefix === undefined) {
        throw new ValidationError('invalidateCache needs keys, tags or a prefix');
      }
      return ctx.repos.cache.invalidate(ctx.caller.tenant, args);
    },
  }),
);
