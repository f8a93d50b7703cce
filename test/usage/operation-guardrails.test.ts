import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventLog } from '../../src/events/event-log.js';
import { createGovernance } from '../../src/governance/governance.js';
import { createOperationHub } from '../../src/hubs/operation/hub.js';
import { createSessionLock } from '../../src/hubs/operation/session-lock.js';
import { envCredentials } from '../../src/runtimes/credentials.js';
import { createRuntimeResolver } from '../../src/runtimes/resolver.js';
import { createThreadStore } from '../../src/threads/store.js';
import { insertCoordination, llmAgent } from '../operation/support/hub-env.js';
import { type LlmServer, startLlmServer } from '../operation/support/llm-server.js';
import { createTestEnv, type TestEnv, tenantA } from '../support/env.js';

describe('operation hub: held-back streams, redaction and ask budgets', () => {
  let env: TestEnv;
  let llm: LlmServer;
  beforeAll(async () => {
    env = await createTestEnv();
    llm = await startLlmServer();
  });
  afterAll(() => llm.close());

  function hub() {
    const threads = createThreadStore(env.clients);
    return createOperationHub({
      repos: env.repos,
      runtimes: createRuntimeResolver({
        credentials: envCredentials({ ACE_OPENAI_BASE_URL: `${llm.url}/v1`, ACE_OPENAI_API_KEY: 'k' }),
        threads,
      }),
      locks: createSessionLock(env.clients),
      events: createEventLog(env.clients),
      governance: createGovernance({ doc: env.clients.doc, tables: env.clients.tables }),
      tables: env.clients.tables,
    });
  }
  const guarded = {
    ...llmAgent('Clerk', 'answers'),
    guardrails: { output: [{ type: 'deny_regex', patterns: ['internal only'] }, { type: 'pii' }] },
  };

  it('a blocked streamed answer: no chunk reaches the caller, no token event, no thread message', async () => {
    const coordination = await insertCoordination(env, tenantA, [guarded]);
    const chunks: string[] = [];
    const result = await hub().ask(
      { tenant: tenantA, userId: 'u1' },
      {
        coordinationUuid: coordination.coordination_uuid,
        userQuery: 'tell me the internal only plan',
        agentUuid: guarded.agent_uuid,
      },
      { onChunk: (c) => void chunks.push(c) },
    );
    expect(result.status).toBe('blocked');
    expect(result.answer).toBeNull();
    expect(chunks).toEqual([]);
    const events = await createEventLog(env.clients).list(tenantA, result.sessionUuid);
    expect(events.some((e) => e.type === 'token')).toBe(false);
    expect(events.some((e) => e.type === 'guardrail_findings')).toBe(true);
    const history = await createThreadStore(env.clients).history(tenantA, result.threadUuid, {
      maxMessages: 50,
    } as never);
    expect(history).toEqual([]);
  });

  it('a passing answer streams after the checks, redacted, and the run carries its usage fields', async () => {
    const coordination = await insertCoordination(env, tenantA, [guarded]);
    const chunks: string[] = [];
    const result = await hub().ask(
      { tenant: tenantA, userId: 'u1' },
      {
        coordinationUuid: coordination.coordination_uuid,
        userQuery: 'write to amy@example.com',
        agentUuid: guarded.agent_uuid,
      },
      { onChunk: (c) => void chunks.push(c) },
    );
    expect(result.status).toBe('completed');
    expect(result.answer).toBe('Clerk says: write to [EMAIL] (turn 1)');
    expect(chunks.join('')).toBe(result.answer);
    const run = await env.repos.sessionRuns.get(tenantA, result.sessionUuid, result.runUuid);
    // The user's own query is the input (no input check here); the answer and the thread's copy are redacted.
    expect(run.answer).toBe(result.answer);
    const history = await createThreadStore(env.clients).history(tenantA, result.threadUuid);
    expect(history.find((m) => m.role === 'assistant')?.content).toBe(result.answer);
    expect(run.guardrail_findings?.[0]).toMatchObject({ stage: 'output', verdict: 'redacted' });
  });

  it('an ask budget of one model call lets one call through; a spent session budget refuses the next ask', async () => {
    const plain = llmAgent('Plain', 'answers');
    const coordination = await insertCoordination(env, tenantA, [plain]);
    const h = hub();
    const caller = { tenant: tenantA, userId: 'u1' };
    const first = await h.ask(caller, {
      coordinationUuid: coordination.coordination_uuid,
      userQuery: 'one',
      agentUuid: plain.agent_uuid,
      budget: { max_model_calls: 1 },
      sessionBudget: { max_model_calls: 1 },
    });
    expect(first.status).toBe('completed');
    const second = await h.ask(caller, {
      coordinationUuid: coordination.coordination_uuid,
      userQuery: 'two',
      agentUuid: plain.agent_uuid,
      sessionUuid: first.sessionUuid,
    });
    expect(second.status).toBe('budget_exceeded');
    expect(second.error).toMatch(/maxModelCalls/);
    const session = await env.repos.sessions.get(tenantA, coordination.coordination_uuid, first.sessionUuid);
    expect(session).toMatchObject({
      status: 'budget_exceeded',
      budget_exceeded: 'maxModelCalls',
      model_calls_started: 1,
    });
  });
});
