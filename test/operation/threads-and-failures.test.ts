import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoCoordinations, seedDemoCoordinations } from '../../src/hubs/operation/demo-coordinations.js';
import { newId } from '../../src/ids.js';
import { createThreadStore, trimHistory } from '../../src/threads/store.js';
import { createTestEnv, type TestEnv, tenantA, tenantB } from '../support/env.js';
import { hubFor, insertCoordination, llmAgent } from './support/hub-env.js';
import { type LlmServer, startLlmServer } from './support/llm-server.js';

describe('thread history store', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await createTestEnv();
  });

  it('keeps the newest messages within the budget, never starting on an assistant turn', () => {
    const newestFirst = [
      { role: 'assistant' as const, content: 'a3' },
      { role: 'user' as const, content: 'u3' },
      { role: 'assistant' as const, content: 'a2' },
      { role: 'user' as const, content: 'u2' },
    ];
    expect(trimHistory(newestFirst, { maxMessages: 3, maxChars: 100 })).toEqual([
      { role: 'user', content: 'u3' },
      { role: 'assistant', content: 'a3' },
    ]);
    expect(trimHistory(newestFirst, { maxMessages: 10, maxChars: 4 })).toEqual([
      { role: 'user', content: 'u3' },
      { role: 'assistant', content: 'a3' },
    ]);
  });

  it('appends in order, trims on read, and keeps threads of other tenants out', async () => {
    const store = createThreadStore(env.clients);
    const thread = newId();
    for (let i = 1; i <= 3; i++) {
      await store.append(tenantA, thread, [
        { role: 'user', content: `q${i}` },
        { role: 'assistant', content: `a${i}` },
      ]);
    }
    expect((await store.history(tenantA, thread)).map((m) => m.content)).toEqual([
      'q1',
      'a1',
      'q2',
      'a2',
      'q3',
      'a3',
    ]);
    expect((await store.history(tenantA, thread, { maxMessages: 2 })).map((m) => m.content)).toEqual([
      'q3',
      'a3',
    ]);
    expect(await store.history(tenantB, thread)).toEqual([]);
    await expect(store.append(tenantB, thread, [{ role: 'user', content: 'x' }])).rejects.toThrow(
      /another tenant/,
    );
  });
});

describe('operation hub failures', () => {
  let env: TestEnv;
  let llm: LlmServer;
  beforeAll(async () => {
    env = await createTestEnv();
    llm = await startLlmServer();
  });
  afterAll(() => llm.close());

  it('records a failing agent as failed, with the error, without throwing', async () => {
    const broken = { ...llmAgent('Broken', 'fails'), model: undefined };
    const coordination = await insertCoordination(env, tenantA, [broken]);
    const result = await hubFor(env, llm).ask(
      { tenant: tenantA, userId: 'u' },
      { coordinationUuid: coordination.coordination_uuid, agentUuid: broken.agent_uuid, userQuery: 'x' },
    );
    expect(result).toMatchObject({
      status: 'failed',
      answer: null,
      error: expect.stringMatching(/has no model/),
    });
    const session = await env.repos.sessions.get(tenantA, coordination.coordination_uuid, result.sessionUuid);
    expect(session.status).toBe('failed');
    expect((await env.repos.sessionRuns.get(tenantA, result.sessionUuid, result.runUuid)).status).toBe(
      'failed',
    );
  });

  it('stops an agent that outlives the agent timeout and records timeout', async () => {
    const slow = llmAgent('Slow', 'slow', 'slow:2000:Slow');
    const coordination = await insertCoordination(env, tenantA, [slow]);
    const hub = hubFor(env, llm, { settings: { agentTimeoutMs: 200 } });
    const result = await hub.ask(
      { tenant: tenantA, userId: 'u' },
      { coordinationUuid: coordination.coordination_uuid, agentUuid: slow.agent_uuid, userQuery: 'x' },
    );
    expect(result.status).toBe('timeout');
  });

  it('seeds the demo coordinations once', async () => {
    expect(await seedDemoCoordinations(env.repos, tenantB)).toBe(demoCoordinations.length);
    expect(await seedDemoCoordinations(env.repos, tenantB)).toBe(0);
    expect((await env.repos.coordinations.list(tenantB)).length).toBe(demoCoordinations.length);
  });
});
