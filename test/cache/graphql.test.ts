import { beforeAll, describe, expect, it } from 'vitest';
import { dataOf, errorCode, scanTable } from '../graphql/helpers.js';
import { createTestEnv, type TestEnv, tenantB } from '../support/env.js';
import { createGraphQLClient } from '../support/graphql.js';

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});

const PUT = `mutation($k: String!, $v: JSON!, $ttl: Int, $tags: [String!]) {
  putCacheEntry(cacheKey: $k, value: $v, ttlSeconds: $ttl, tags: $tags) {
    cacheEntry { cacheKey value tags hitCount expiresAt }
  }
}`;
const GET = `query($k: String!) { cacheEntry(cacheKey: $k) { cacheKey value hitCount } }`;

describe('cache over GraphQL', () => {
  it('putCacheEntry, cacheEntry, cacheStats and invalidateCache', async () => {
    const gql = createGraphQLClient(env);
    const put = dataOf(await gql(PUT, { k: 'lmis:q1', v: { camelCase: [1] }, ttl: 600, tags: ['lmis'] }));
    expect(put).toMatchObject({
      putCacheEntry: { cacheEntry: { cacheKey: 'lmis:q1', value: { camelCase: [1] }, tags: ['lmis'] } },
    });
    expect(dataOf(await gql(GET, { k: 'lmis:q1' }))).toEqual({
      cacheEntry: { cacheKey: 'lmis:q1', value: { camelCase: [1] }, hitCount: 1 },
    });
    expect(dataOf(await gql(GET, { k: 'nothing' }))).toEqual({ cacheEntry: null });
    expect(dataOf(await gql('{ cacheStats { hits misses } }'))).toEqual({
      cacheStats: { hits: 1, misses: 1 },
    });
    dataOf(await gql(PUT, { k: 'lmis:q2', v: 2 }));
    const invalidated = dataOf(
      await gql(`mutation { invalidateCache(tags: ["lmis"], prefix: "lmis:") { invalidated count } }`),
    );
    expect(invalidated).toEqual({ invalidateCache: { invalidated: ['lmis:q1', 'lmis:q2'], count: 2 } });
  });

  it('another tenant sees none of it', async () => {
    const gql = createGraphQLClient(env);
    const other = createGraphQLClient(env, { caller: { tenant: tenantB, userId: 'u' } });
    dataOf(await gql(PUT, { k: 'private', v: 'secret' }));
    expect(dataOf(await other(GET, { k: 'private' }))).toEqual({ cacheEntry: null });
    expect(dataOf(await other(`mutation { invalidateCache(prefix: "") { count } }`))).toEqual({
      invalidateCache: { count: 0 },
    });
    expect(dataOf(await gql(GET, { k: 'private' }))).toMatchObject({ cacheEntry: { value: 'secret' } });
  });

  it('bad input is BAD_USER_INPUT and writes nothing', async () => {
    const gql = createGraphQLClient(env);
    const before = (await scanTable(env, 'cacheEntries')).length;
    expect(errorCode(await gql(PUT, { k: 'has space', v: 1 }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await gql(PUT, { k: 'ok', v: 1, ttl: 0 }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await gql(PUT, { k: 'ok', v: 1, tags: ['no spaces'] }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await gql('mutation { invalidateCache { count } }'))).toBe('BAD_USER_INPUT');
    expect((await scanTable(env, 'cacheEntries')).length).toBe(before);
  });
});
