import { beforeAll, describe, expect, it } from 'vitest';
import { createCacheRepository } from '../../src/cache/repository.js';
import { tenantOf } from '../../src/tenant.js';
import { createTestEnv, type TestEnv, tenantA, tenantB } from '../support/env.js';

let env: TestEnv;
let clockMs = Date.parse('2030-01-01T00:00:00Z');
const cacheAt = () => createCacheRepository({ ...env.clients, now: () => new Date(clockMs) });

beforeAll(async () => {
  env = await createTestEnv();
});

describe('tenant cache', () => {
  it('reads what was written, counting hits and misses on the tenant and the entry', async () => {
    const cache = cacheAt();
    expect(await cache.get(tenantA, 'gdp:2024')).toBeUndefined();
    await cache.put(tenantA, {
      cache_key: 'gdp:2024',
      value: { rows: [1, 2] },
      ttl_seconds: 60,
      tags: ['gdp'],
    });
    const first = await cache.get(tenantA, 'gdp:2024');
    const second = await cache.get(tenantA, 'gdp:2024');
    expect(first?.value).toEqual({ rows: [1, 2] });
    expect(second?.hit_count).toBe(2);
    expect(await cache.stats(tenantA)).toEqual({ hits: 2, misses: 1 });
  });

  it('never serves an entry past its TTL (a miss, though the item is still stored)', async () => {
    const cache = cacheAt();
    await cache.put(tenantA, { cache_key: 'short', value: 'v', ttl_seconds: 30 });
    expect((await cache.get(tenantA, 'short'))?.value).toBe('v');
    clockMs += 31_000;
    expect(await cache.get(tenantA, 'short')).toBeUndefined();
  });

  it('keeps tenants apart: same key, different values, separate counters', async () => {
    const cache = cacheAt();
    await cache.put(tenantA, { cache_key: 'shared-name', value: 'a' });
    await cache.put(tenantB, { cache_key: 'shared-name', value: 'b' });
    expect((await cache.get(tenantA, 'shared-name'))?.value).toBe('a');
    expect((await cache.get(tenantB, 'shared-name'))?.value).toBe('b');
    await cache.invalidate(tenantB, { prefix: '' });
    expect((await cache.get(tenantA, 'shared-name'))?.value).toBe('a');
    expect((await cache.stats(tenantB)).hits).toBe(1);
  });

  it('invalidates by key, by tag and by prefix, answering exactly what it deleted', async () => {
    const cache = cacheAt();
    const tenant = tenantOf('endpoint-inv', 'p');
    await cache.put(tenant, { cache_key: 'lmis:jobs:2024', value: 1, tags: ['lmis'] });
    await cache.put(tenant, { cache_key: 'lmis:jobs:2025', value: 2, tags: ['lmis', 'jobs'] });
    await cache.put(tenant, { cache_key: 'gdp:2024', value: 3, tags: ['gdp'] });
    await cache.put(tenant, { cache_key: 'other', value: 4 });

    expect(await cache.invalidate(tenant, { keys: ['other', 'missing'] })).toEqual({ keys: ['other'] });
    expect(await cache.invalidate(tenant, { tags: ['jobs'] })).toEqual({ keys: ['lmis:jobs:2025'] });
    expect(await cache.invalidate(tenant, { prefix: 'lmis:' })).toEqual({ keys: ['lmis:jobs:2024'] });
    expect((await cache.get(tenant, 'gdp:2024'))?.value).toBe(3);
    expect(await cache.invalidate(tenant, { tags: ['lmis'] })).toEqual({ keys: [] });
  });

  it('a re-put without a tag leaves the entry out of that tag', async () => {
    const cache = cacheAt();
    await cache.put(tenantA, { cache_key: 'retag', value: 1, tags: ['old'] });
    await cache.put(tenantA, { cache_key: 'retag', value: 2, tags: ['new'] });
    expect(await cache.invalidate(tenantA, { tags: ['old'] })).toEqual({ keys: [] });
    expect((await cache.get(tenantA, 'retag'))?.value).toBe(2);
    expect(await cache.invalidate(tenantA, { tags: ['new'] })).toEqual({ keys: ['retag'] });
  });

  it('refuses a value over the item budget and writes nothing', async () => {
    const cache = cacheAt();
    await expect(cache.put(tenantA, { cache_key: 'big', value: 'x'.repeat(300_001) })).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
    });
    expect(await cache.get(tenantA, 'big', { count: false })).toBeUndefined();
  });
});
