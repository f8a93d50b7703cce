import { beforeAll, describe, expect, it } from 'vitest';
import { dataOf, errorCode, scanTable } from '../graphql/helpers.js';
import { createTestEnv, type TestEnv, tenantB } from '../support/env.js';
import { createGraphQLClient } from '../support/graphql.js';

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});

const PUT = `mutation($ns: String!, $key: String, $type: String, $data: JSON, $agent: String, $session: String, $user: String, $ttl: Int) {
  insertUpdateMemory(namespace: $ns, key: $key, memoryType: $type, memoryData: $data, agentUuid: $agent,
    sessionUuid: $session, userId: $user, ttlSeconds: $ttl, updatedBy: "test") {
    memory { namespace key memoryType memoryData agentUuid sessionUuid userId version expiresAt }
  }
}`;
type Put = { insertUpdateMemory: { memory: { key: string; version: number; expiresAt: string | null } } };

describe('memory over GraphQL', () => {
  it('CRUD: create with a generated key, update supplied fields, read, delete', async () => {
    const gql = createGraphQLClient(env);
    const created = dataOf(
      await gql<Put>(PUT, {
        ns: 'agent:a1',
        type: 'persistent',
        data: { likes: ['tables'] },
        agent: 'a1',
        ttl: 3600,
      }),
    ).insertUpdateMemory.memory;
    expect(created.key).toMatch(/^\d{20}$/);
    expect(created.expiresAt).not.toBeNull();
    const updated = dataOf(await gql<Put>(PUT, { ns: 'agent:a1', key: created.key, data: { likes: [] } }))
      .insertUpdateMemory.memory;
    expect(updated).toMatchObject({
      version: 2,
      memoryType: 'persistent',
      agentUuid: 'a1',
      memoryData: { likes: [] },
    });
    const read = await gql(`query($k: String!) { memory(namespace: "agent:a1", key: $k) { version } }`, {
      k: created.key,
    });
    expect(dataOf(read)).toEqual({ memory: { version: 2 } });
    expect(
      dataOf(
        await gql(`mutation($k: String!) { deleteMemory(namespace: "agent:a1", key: $k) { ok } }`, {
          k: created.key,
        }),
      ),
    ).toEqual({ deleteMemory: { ok: true } });
    expect(
      dataOf(
        await gql(read.data ? `query { memory(namespace: "agent:a1", key: "${created.key}") { key } }` : ''),
      ),
    ).toEqual({
      memory: null,
    });
  });

  it('lists by agent and type, by session, across, and searches; pages with nextToken', async () => {
    const gql = createGraphQLClient(env);
    for (const [key, type, session] of [
      ['m1', 'working', 's1'],
      ['m2', 'persistent', 's1'],
      ['m3', 'persistent', 's2'],
    ] as const) {
      dataOf(
        await gql(PUT, {
          ns: 'agent:lister',
          key,
          type,
          data: { note: `note ${key} growth` },
          agent: 'lister',
          session,
        }),
      );
    }
    const byAgent = await gql<{ memoryList: { memoryList: { key: string }[]; nextToken: string | null } }>(
      `{ memoryList(agentUuid: "lister", memoryType: "persistent", limit: 1) { memoryList { key } nextToken } }`,
    );
    const first = dataOf(byAgent).memoryList;
    expect(first.memoryList.map((m) => m.key)).toEqual(['m3']);
    const second = dataOf(
      await gql<{ memoryList: { memoryList: { key: string }[]; nextToken: string | null } }>(
        `query($t: String) { memoryList(agentUuid: "lister", memoryType: "persistent", limit: 1, nextToken: $t) { memoryList { key } nextToken } }`,
        { t: first.nextToken },
      ),
    ).memoryList;
    expect(second.memoryList.map((m) => m.key)).toEqual(['m2']);
    const session = dataOf(await gql(`{ memoryList(sessionUuid: "s1") { memoryList { key } } }`));
    expect(session).toEqual({
      // by type (descending: working before persistent), then date
      memoryList: { memoryList: [{ key: 'm1' }, { key: 'm2' }] },
    });
    const across = dataOf(await gql(`{ memoryList(memoryType: "working") { memoryList { key } } }`));
    expect(across).toEqual({ memoryList: { memoryList: [{ key: 'm1' }] } });
    const search = dataOf(
      await gql(`{ memorySearch(namespace: "agent:lister", query: "m3") { memory { key } score } }`),
    );
    expect((search as { memorySearch: { memory: { key: string } }[] }).memorySearch[0]?.memory.key).toBe(
      'm3',
    );
    expect(errorCode(await gql(`{ memoryList(agentUuid: "a", sessionUuid: "s") { nextToken } }`))).toBe(
      'BAD_USER_INPUT',
    );
  });

  it('isolates tenants and users', async () => {
    const gql = createGraphQLClient(env);
    const other = createGraphQLClient(env, { caller: { tenant: tenantB, userId: 'u' } });
    dataOf(
      await gql(PUT, {
        ns: 'user:alice',
        key: 'k',
        type: 'persistent',
        data: 1,
        user: 'alice',
        agent: 'iso',
      }),
    );
    expect(dataOf(await other(`{ memory(namespace: "user:alice", key: "k") { key } }`))).toEqual({
      memory: null,
    });
    expect(dataOf(await other(`{ memoryList(agentUuid: "iso") { memoryList { key } } }`))).toEqual({
      memoryList: { memoryList: [] },
    });
    expect(dataOf(await gql(`{ memory(namespace: "user:alice", key: "k", userId: "bob") { key } }`))).toEqual(
      {
        memory: null,
      },
    );
    expect(
      dataOf(await gql(`{ memoryList(agentUuid: "iso", userId: "bob") { memoryList { key } } }`)),
    ).toEqual({
      memoryList: { memoryList: [] },
    });
    expect(
      errorCode(await other(`mutation { deleteMemory(namespace: "user:alice", key: "k") { ok } }`)),
    ).toBe('NOT_FOUND');
  });

  it('bad input is BAD_USER_INPUT and writes nothing', async () => {
    const gql = createGraphQLClient(env);
    const before = (await scanTable(env, 'agentMemory')).length;
    expect(errorCode(await gql(PUT, { ns: 'bad namespace', type: 'working', data: 1 }))).toBe(
      'BAD_USER_INPUT',
    );
    expect(errorCode(await gql(PUT, { ns: 'ok', type: 'forever', data: 1 }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await gql(PUT, { ns: 'ok', key: 'new', data: 1 }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await gql(`{ memoryList(nextToken: "garbage") { nextToken } }`))).toBe('BAD_USER_INPUT');
    expect((await scanTable(env, 'agentMemory')).length).toBe(before);
  });
});
