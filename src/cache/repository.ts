import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { RepositoryDeps } from '../db/entity-repository.js';
import { ValidationError } from '../errors.js';
import type { Tenant } from '../tenant.js';
import {
  type CacheEntry,
  CacheEntrySchema,
  type CacheStats,
  cacheSortKeys,
  type Invalidation,
  isFresh,
  MAX_CACHE_VALUE_CHARS,
} from './model.js';

export interface PutCacheEntry {
  readonly cache_key: string;
  readonly value: unknown;
  readonly ttl_seconds?: number | null;
  readonly tags?: readonly string[];
}

export interface InvalidateCache {
  readonly keys?: readonly string[];
  readonly tags?: readonly string[];
  readonly prefix?: string;
}

/** Deletes run this many at a time: an invalidation of many keys stays within write capacity. */
const DELETE_CONCURRENCY = 8;

/**
 * The tenant cache. Every item lives in the caller's tenant partition, so no
 * read or write can reach another tenant's entries. A read of an expired
 * entry is a miss (DynamoDB's TTL deletes late). `get` counts hits and misses
 * atomically on the tenant's `stats` item and the entry.
 */
export function createCacheRepository(deps: RepositoryDeps) {
  const { doc } = deps;
  const TableName = deps.tables.cacheEntries;
  const nowMs = () => (deps.now?.() ?? new Date()).getTime();
  const key = (tenant: Tenant, sk: string) => ({ partition_key: tenant.partitionKey, sk });

  async function count(tenant: Tenant, outcome: 'hits' | 'misses', cacheKey?: string) {
    const counters: Promise<unknown>[] = [
      doc.send(
        new UpdateCommand({
          TableName,
          Key: key(tenant, cacheSortKeys.stats),
          UpdateExpression: 'ADD #c :one',
          ExpressionAttributeNames: { '#c': outcome },
          ExpressionAttributeValues: { ':one': 1 },
        }),
      ),
    ];
    if (cacheKey) {
      counters.push(
        doc
          .send(
            new UpdateCommand({
              TableName,
              Key: key(tenant, cacheSortKeys.entry(cacheKey)),
              UpdateExpression: 'ADD hit_count :one',
              ConditionExpression: 'attribute_exists(sk)',
              ExpressionAttributeValues: { ':one': 1 },
            }),
          )
          .catch((error: unknown) => {
            if (!(error instanceof ConditionalCheckFailedException)) throw error; // invalidated meanwhile
            return undefined;
          }),
      );
    }
    await Promise.all(counters);
  }

  async function read(tenant: Tenant, cacheKey: string): Promise<CacheEntry | undefined> {
    const { Item } = await doc.send(
      new GetCommand({ TableName, Key: key(tenant, cacheSortKeys.entry(cacheKey)), ConsistentRead: true }),
    );
    if (!Item) return undefined;
    const entry = CacheEntrySchema.parse(Item);
    return isFresh(entry, nowMs()) ? entry : undefined;
  }

  async function queryKeys(tenant: Tenant, skPrefix: string): Promise<string[]> {
    const sks: string[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await doc.send(
        new QueryCommand({
          TableName,
          KeyConditionExpression: 'partition_key = :p AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':p': tenant.partitionKey, ':prefix': skPrefix },
          ProjectionExpression: 'sk',
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) sks.push(String(item.sk));
      start = page.LastEvaluatedKey;
    } while (start);
    return sks;
  }

  /** Deletes one entry (only if it still carries `tag`, when given) and its tag items; true if it existed. */
  async function deleteEntry(tenant: Tenant, cacheKey: string, tag?: string): Promise<boolean> {
    let old: Record<string, unknown> | undefined;
    try {
      const out = await doc.send(
        new DeleteCommand({
          TableName,
          Key: key(tenant, cacheSortKeys.entry(cacheKey)),
          ReturnValues: 'ALL_OLD',
          ...(tag && {
            ConditionExpression: 'contains(tags, :tag)',
            ExpressionAttributeValues: { ':tag': tag },
          }),
        }),
      );
      old = out.Attributes;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      old = undefined; // re-put without this tag: the entry stays, only the stale membership goes
    }
    const tags = new Set<string>([...((old?.tags as string[] | undefined) ?? []), ...(tag ? [tag] : [])]);
    await Promise.all(
      [...tags].map((t) =>
        doc.send(new DeleteCommand({ TableName, Key: key(tenant, cacheSortKeys.tag(t, cacheKey)) })),
      ),
    );
    return old !== undefined;
  }

  async function inBatches<T>(items: readonly T[], fn: (item: T) => Promise<void>) {
    for (let i = 0; i < items.length; i += DELETE_CONCURRENCY) {
      await Promise.all(items.slice(i, i + DELETE_CONCURRENCY).map(fn));
    }
  }

  return {
    /** The fresh entry or undefined; counts a hit or a miss unless `count: false`. */
    async get(tenant: Tenant, cacheKey: string, options: { count?: boolean } = {}) {
      const entry = await read(tenant, cacheKey);
      if (options.count !== false) {
        await count(tenant, entry ? 'hits' : 'misses', entry ? cacheKey : undefined);
        if (entry) return { ...entry, hit_count: entry.hit_count + 1 };
      }
      return entry;
    },

    /** Writes (or replaces) an entry; tag memberships follow it (a removed tag's item is deleted). */
    async put(tenant: Tenant, input: PutCacheEntry): Promise<CacheEntry> {
      const serialized = JSON.stringify(input.value ?? null);
      if (serialized.length > MAX_CACHE_VALUE_CHARS) {
        throw new ValidationError(
          `cache value is ${serialized.length} characters; at most ${MAX_CACHE_VALUE_CHARS}`,
        );
      }
      const now = new Date(nowMs()).toISOString();
      const tags = [...new Set(input.tags ?? [])].sort();
      const expires_at = input.ttl_seconds ? Math.floor(nowMs() / 1000) + input.ttl_seconds : undefined;
      const entry: CacheEntry = CacheEntrySchema.parse({
        partition_key: tenant.partitionKey,
        cache_key: input.cache_key,
        value: input.value ?? null,
        tags,
        created_at: now,
        updated_at: now,
        ...(expires_at !== undefined && { expires_at }),
        hit_count: 0,
      });
      // Memberships first: a crash between the two writes leaves a membership without its entry (harmless).
      await Promise.all(
        tags.map((tag) =>
          doc.send(
            new PutCommand({
              TableName,
              Item: {
                ...key(tenant, cacheSortKeys.tag(tag, input.cache_key)),
                cache_key: input.cache_key,
                ...(expires_at !== undefined && { expires_at }),
              },
            }),
          ),
        ),
      );
      const out = await doc.send(
        new PutCommand({
          TableName,
          Item: { ...key(tenant, cacheSortKeys.entry(input.cache_key)), ...entry },
          ReturnValues: 'ALL_OLD',
        }),
      );
      const removed = ((out.Attributes?.tags as string[] | undefined) ?? []).filter((t) => !tags.includes(t));
      await Promise.all(
        removed.map((tag) =>
          doc.send(
            new DeleteCommand({ TableName, Key: key(tenant, cacheSortKeys.tag(tag, input.cache_key)) }),
          ),
        ),
      );
      return entry;
    },

    /** Deletes by exact keys, by tags and by key prefix (any combination); answers what was deleted. */
    async invalidate(tenant: Tenant, input: InvalidateCache): Promise<Invalidation> {
      const deleted = new Set<string>();
      const byKey = [...new Set(input.keys ?? [])];
      const byPrefix =
        input.prefix !== undefined
          ? (await queryKeys(tenant, cacheSortKeys.entryPrefix(input.prefix))).map((sk) => sk.slice(2))
          : [];
      await inBatches([...new Set([...byKey, ...byPrefix])], async (cacheKey) => {
        if (await deleteEntry(tenant, cacheKey)) deleted.add(cacheKey);
      });
      for (const tag of new Set(input.tags ?? [])) {
        const prefix = cacheSortKeys.tagPrefix(tag);
        const members = (await queryKeys(tenant, prefix)).map((sk) => sk.slice(prefix.length));
        await inBatches(members, async (cacheKey) => {
          if (await deleteEntry(tenant, cacheKey, tag)) deleted.add(cacheKey);
        });
      }
      return { keys: [...deleted].sort() };
    },

    /**
     * Takes the right to fill a missing entry for `leaseMs` (a conditional put: one holder at a
     * time, an expired lease may be taken over). False: someone else is fetching it.
     */
    async acquireFillLease(tenant: Tenant, cacheKey: string, leaseMs: number): Promise<boolean> {
      const now = nowMs();
      try {
        await doc.send(
          new PutCommand({
            TableName,
            Item: {
              ...key(tenant, cacheSortKeys.fillLease(cacheKey)),
              lease_until: now + leaseMs,
              expires_at: Math.ceil((now + leaseMs) / 1000) + 60,
            },
            ConditionExpression: 'attribute_not_exists(sk) OR lease_until < :now',
            ExpressionAttributeValues: { ':now': now },
          }),
        );
        return true;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return false;
        throw error;
      }
    },

    async releaseFillLease(tenant: Tenant, cacheKey: string): Promise<void> {
      await doc.send(new DeleteCommand({ TableName, Key: key(tenant, cacheSortKeys.fillLease(cacheKey)) }));
    },

    async stats(tenant: Tenant): Promise<CacheStats> {
      const { Item } = await doc.send(
        new GetCommand({ TableName, Key: key(tenant, cacheSortKeys.stats), ConsistentRead: true }),
      );
      return { hits: Number(Item?.hits ?? 0), misses: Number(Item?.misses ?? 0) };
    },
  };
}
export type CacheRepository = ReturnType<typeof createCacheRepository>;
