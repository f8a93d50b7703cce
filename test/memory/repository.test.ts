import { beforeAll, describe, expect, it } from 'vitest';
import { createMemoryRepository } from '../../src/memory/repository.js';
import { tenantOf } from '../../src/tenant.js';
import { createTestEnv, type TestEnv, tenantA, tenantB } from '../support/env.js';

let env: TestEnv;
let clockMs = Date.parse('2030-03-01T00:00:00Z');
const memoryAt = () => createMemoryRepository({ ...env.clients, now: () => new Date(clockMs) });
const tick = (ms = 1000) => {
  clockMs += ms;
};

beforeAll(async () => {
  env = await createTestEnv();
});

describe('agent memory: CRUD', () => {
  it('creates, reads, updates the supplied fields, and deletes', async () => {
    const memory = memoryAt();
    const created = await memory.put(tenantA, {
      namespace: 'agent:a1',
      key: 'style',
      memory_type: 'persistent',
      memory_data: { tone: 'formal' },
      agent_uuid: 'a1',
      updated_by: 'test',
    });
    expect(created.version).toBe(1);
    tick();
    const updated = await memory.update(tenantA, {
      namespace: 'agent:a1',
      key: 'style',
      memory_data: { tone: 'brief' },
      updated_by: 'test',
    });
    expect(updated).toMatchObject({
      version: 2,
      memory_type: 'persistent',
      agent_uuid: 'a1',
      memory_data: { tone: 'brief' },
      created_at: created.created_at,
    });
    expect(updated.updated_at > created.updated_at).toBe(true);
    expect((await memory.get(tenantA, 'agent:a1', 'style')).memory_data).toEqual({ tone: 'brief' });
    await memory.delete(tenantA, 'agent:a1', 'style');
    expect(await memory.find(tenantA, 'agent:a1', 'style')).toBeUndefined();
    await expect(
      memory.update(tenantA, { namespace: 'agent:a1', key: 'style', memory_data: 1, updated_by: 't' }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('concurrent writers of one record all land (version conditions, re-read on conflict)', async () => {
    const memory = memoryAt();
    await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        memory.put(tenantA, {
          namespace: 'race',
          key: 'k',
          memory_type: 'working',
          memory_data: { writer: i },
          updated_by: `w${i}`,
        }),
      ),
    );
    expect((await memory.get(tenantA, 'race', 'k')).version).toBe(6);
  });
});

describe('agent memory: the seed queries', () => {
  const tenant = tenantOf('endpoint-mem', 'queries');
  beforeAll(async () => {
    const memory = memoryAt();
    const rows = [
      ['agent:x', 'w1', 'working', 'x', 's1'],
      ['agent:x', 'p1', 'persistent', 'x', 's1'],
      ['agent:x', 'p2', 'persistent', 'x', 's2'],
      ['agent:y', 'sh1', 'shared', 'y', 's1'],
      ['agent:y', 'p3', 'persistent', 'y', 's2'],
    ] as const;
    for (const [namespace, key, memory_type, agent_uuid, session_uuid] of rows) {
      tick(60_000);
      await memory.put(tenant, {
        namespace,
        key,
        memory_type,
        memory_data: { key },
        agent_uuid,
        session_uuid,
        updated_by: 'test',
      });
    }
  });

  it('lists an agent by type and date, newest first', async () => {
    const memory = memoryAt();
    const all = await memory.listForAgent(tenant, 'x');
    expect(all.items.map((r) => r.key).sort()).toEqual(['p1', 'p2', 'w1']);
    const persistent = await memory.listForAgent(tenant, 'x', { memoryType: 'persistent' });
    expect(persistent.items.map((r) => r.key)).toEqual(['p2', 'p1']);
    const p1 = persistent.items[1];
    const upToP1 = await memory.listForAgent(tenant, 'x', { memoryType: 'persistent', to: p1?.created_at });
    expect(upToP1.items.map((r) => r.key)).toEqual(['p1']);
    const fromP2 = await memory.listForAgent(tenant, 'x', { from: persistent.items[0]?.created_at });
    expect(fromP2.items.map((r) => r.key)).toEqual(['p2']);
  });

  it('lists all memory of a session, across its agents', async () => {
    const memory = memoryAt();
    const s1 = await memory.listForSession(tenant, 's1');
    expect(s1.items.map((r) => r.key).sort()).toEqual(['p1', 'sh1', 'w1']);
  });

  it('queries across agents and sessions by type, paging with nextToken', async () => {
    const memory = memoryAt();
    const first = await memory.listAcross(tenant, { memoryType: 'persistent', limit: 2 });
    expect(first.items.map((r) => r.key)).toEqual(['p3', 'p2']);
    expect(first.nextToken).toBeDefined();
    const second = await memory.listAcross(tenant, {
      memoryType: 'persistent',
      limit: 2,
      nextToken: first.nextToken,
    });
    expect(second.items.map((r) => r.key)).toEqual(['p1']);
    expect(second.nextToken).toBeUndefined();
    await expect(memory.listForAgent(tenant, 'y', { nextToken: first.nextToken })).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
    });
  });
});

describe('agent memory: TTL and isolation', () => {
  it('an expired record reads as missing and is replaced, not revived, by a new put', async () => {
    const memory = memoryAt();
    await memory.put(tenantA, {
      namespace: 'ttl',
      key: 'k',
      memory_type: 'working',
      memory_data: 'old',
      ttl_seconds: 10,
      updated_by: 't',
    });
    expect((await memory.listNamespace(tenantA, 'ttl')).items).toHaveLength(1);
    tick(11_000);
    expect(await memory.find(tenantA, 'ttl', 'k')).toBeUndefined();
    expect((await memory.listNamespace(tenantA, 'ttl')).items).toHaveLength(0);
    const fresh = await memory.put(tenantA, {
      namespace: 'ttl',
      key: 'k',
      memory_type: 'working',
      memory_data: 'new',
      updated_by: 't',
    });
    expect(fresh).toMatchObject({ version: 2, memory_data: 'new' });
    expect(fresh.expires_at).toBeUndefined();
  });

  it('tenants never see each other; a user id narrows reads to that user', async () => {
    const memory = memoryAt();
    for (const user_id of ['alice', 'bob']) {
      await memory.put(tenantA, {
        namespace: 'team',
        key: `pref-${user_id}`,
        memory_type: 'persistent',
        memory_data: { user_id },
        user_id,
        agent_uuid: 'iso-agent',
        updated_by: 't',
      });
    }
    expect(await memory.find(tenantB, 'team', 'pref-alice')).toBeUndefined();
    expect((await memory.listNamespace(tenantB, 'team')).items).toEqual([]);
    expect((await memory.listForAgent(tenantB, 'iso-agent')).items).toEqual([]);
    expect(await memory.find(tenantA, 'team', 'pref-alice', 'bob')).toBeUndefined();
    const bobs = await memory.listForAgent(tenantA, 'iso-agent', { userId: 'bob' });
    expect(bobs.items.map((r) => r.key)).toEqual(['pref-bob']);
    await expect(
      memory.put(tenantA, {
        namespace: 'team',
        key: 'pref-alice',
        memory_data: 'x',
        user_id: 'bob',
        updated_by: 'b',
      }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(memory.delete(tenantA, 'team', 'pref-alice', 'bob')).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });
});

describe('agent memory: lexical search', () => {
  it('ranks a namespace with MiniSearch, best first, only fresh records', async () => {
    const memory = memoryAt();
    const put = (key: string, memory_data: unknown, ttl_seconds?: number) =>
      memory.put(tenantA, {
        namespace: 'notes',
        key,
        memory_type: 'shared',
        memory_data,
        ttl_seconds,
        updated_by: 't',
      });
    await put('unemployment', { text: 'Unemployment rate fell to 3.1 percent among nationals' });
    await put('gdp', { text: 'GDP growth of 2 percent, driven by non-oil sectors' });
    await put('hiring', { text: 'Hiring plans: construction unemployment stable' });
    await put('stale', { text: 'unemployment unemployment unemployment' }, 5);
    tick(6000);
    const hits = await memory.search(tenantA, 'notes', 'unemployment nationals');
    expect(hits.map((h) => h.record.key)).toEqual(['unemployment', 'hiring']);
    expect(hits[0]?.score).toBeGreaterThan(hits[1]?.score ?? 0);
    expect(await memory.search(tenantB, 'notes', 'unemployment')).toEqual([]);
  });
});
