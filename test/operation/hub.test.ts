import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventLog } from '../../src/events/event-log.js';
import { triagePrompt } from '../../src/hubs/operation/triage.js';
import { newId } from '../../src/ids.js';
import { createTestEnv, type TestEnv, tenantA, tenantB } from '../support/env.js';
import { hubFor, insertCoordination, llmAgent, triageAgent } from './support/hub-env.js';
import { type LlmServer, startLlmServer } from './support/llm-server.js';

const caller = { tenant: tenantA, userId: 'user-1' };
const modelOf = (req: { json: unknown }) => (req.json as { model: string }).model;

describe('operation hub on a local DynamoDB with agents on a local chat completions server', () => {
  let env: TestEnv;
  let llm: LlmServer;
  beforeAll(async () => {
    env = await createTestEnv();
    llm = await startLlmServer();
  });
  afterAll(() => llm.close());

  it('triage by LLM hands the query to the chosen agent in one request, streams and records it', async () => {
    const triage = triageAgent();
    const billing = llmAgent('Billing', 'Invoices, charges and refunds');
    const shipping = llmAgent('Shipping', 'Where is my parcel');
    const coordination = await insertCoordination(env, tenantA, [triage, billing, shipping]);
    llm.triageAnswer = () =>
      JSON.stringify({ status: 'assigned', agent_uuid: billing.agent_uuid, message: 'billing topic' });
    const before = llm.requests.length;
    const chunks: string[] = [];

    const result = await hubFor(env, llm).ask(
      caller,
      { coordinationUuid: coordination.coordination_uuid, userQuery: 'Why was I charged twice?' },
      { onChunk: (c) => void chunks.push(c) },
    );

    expect(result).toMatchObject({
      status: 'completed',
      agentUuid: billing.agent_uuid,
      answer: 'Billing says: Why was I charged twice? (turn 1)',
      triage: { method: 'llm', agent_uuid: billing.agent_uuid, reason: 'billing topic' },
    });
    expect(chunks.join('')).toBe(result.answer);
    expect(chunks.length).toBeGreaterThan(1);
    const calls = llm.requests.slice(before);
    expect(calls.map(modelOf)).toEqual(['triage', 'agent:Billing']);
    expect(
      (calls[0]?.json as { messages: { content: string }[] } | undefined)?.messages.at(-1)?.content,
    ).toBe(triagePrompt('Why was I charged twice?', [billing, shipping]));
    const run = await env.repos.sessionRuns.get(tenantA, result.sessionUuid, result.runUuid);
    expect(run).toMatchObject({
      agent_uuid: billing.agent_uuid,
      thread_uuid: result.threadUuid,
      status: 'completed',
      answer: result.answer,
      user_query: 'Why was I charged twice?',
      triage: { method: 'llm', agent_uuid: billing.agent_uuid, triage_agent_uuid: triage.agent_uuid },
    });
    const session = await env.repos.sessions.get(tenantA, coordination.coordination_uuid, result.sessionUuid);
    expect(session).toMatchObject({
      status: 'active',
      user_id: 'user-1',
      task_query: 'Why was I charged twice?',
    });
    const events = await createEventLog(env.clients).list(tenantA, result.sessionUuid);
    expect(events.map((e) => e.type)).toEqual(['run_started', 'token', 'run_completed', 'session_status']);
    expect(events[1]?.data).toMatchObject({ run_uuid: result.runUuid, from_index: 0, chunks });
  });

  it('falls back to the lexical router when the triage answer is malformed', async () => {
    const billing = llmAgent('Billing', 'Invoices, card charges and refunds');
    const shipping = llmAgent('Shipping', 'Delivery, parcels, tracking and couriers');
    const coordination = await insertCoordination(env, tenantA, [triageAgent(), billing, shipping]);
    llm.triageAnswer = () => 'I would pick the shipping one, probably.';

    const result = await hubFor(env, llm).ask(caller, {
      coordinationUuid: coordination.coordination_uuid,
      userQuery: 'Tracking says my parcel is with the courier',
    });

    expect(result.status).toBe('completed');
    expect(result.agentUuid).toBe(shipping.agent_uuid);
    expect(result.triage.method).toBe('router');
    expect(result.triage.reason).toMatch(/not valid JSON/);
    expect(result.triage.confidence).toBeGreaterThan(0);
  });

  it('answers clearly, without an error, when triage is unassigned and the router finds nothing', async () => {
    const coordination = await insertCoordination(env, tenantA, [
      triageAgent(),
      llmAgent('Billing', 'Invoices and refunds'),
      llmAgent('Shipping', 'Parcels and couriers'),
    ]);
    llm.triageAnswer = () => '{"status":"unassigned","message":"nothing fits"}';

    const result = await hubFor(env, llm).ask(caller, {
      coordinationUuid: coordination.coordination_uuid,
      userQuery: 'Who won the chess world championship?',
    });

    expect(result).toMatchObject({ status: 'unassigned', agentUuid: null, error: null });
    expect(result.answer).toMatch(
      /No agent of "Support desk" handles this request. It can help with: Billing, Shipping/,
    );
    expect(result.triage).toMatchObject({ method: 'none', agent_uuid: null });
    expect(result.triage.reason).toMatch(/unassigned: nothing fits/);
    const run = await env.repos.sessionRuns.get(tenantA, result.sessionUuid, result.runUuid);
    expect(run.status).toBe('unassigned');
  });

  it('reuses the thread within threadLifeMinutes (history reaches the model) and opens a new one after', async () => {
    const agent = llmAgent('Helper', 'helps');
    const coordination = await insertCoordination(env, tenantA, [agent]);
    let offsetMinutes = 0;
    const hub = hubFor(env, llm, { now: () => new Date(Date.now() + offsetMinutes * 60_000) });
    const ask = (userQuery: string, extra: Record<string, unknown> = {}) =>
      hub.ask(caller, {
        coordinationUuid: coordination.coordination_uuid,
        agentUuid: agent.agent_uuid,
        userQuery,
        ...extra,
      });

    const first = await ask('one');
    const second = await ask('two');
    offsetMinutes = 31;
    const third = await ask('three');
    const fourth = await ask('four', { threadLifeMinutes: 120 });

    expect(first.triage.method).toBe('explicit');
    expect(second.threadUuid).toBe(first.threadUuid);
    expect(second.answer).toBe('Helper says: two (turn 2)');
    expect(third.threadUuid).not.toBe(first.threadUuid);
    expect(third.answer).toBe('Helper says: three (turn 1)');
    expect(fourth.threadUuid).toBe(third.threadUuid);
    const given = await ask('five', { threadUuid: first.threadUuid });
    expect(given).toMatchObject({ threadUuid: first.threadUuid, answer: 'Helper says: five (turn 3)' });
  });

  it('finds sessions only within the caller tenant and rejects agents outside the coordination', async () => {
    const agent = llmAgent('Helper', 'helps');
    const coordination = await insertCoordination(env, tenantA, [agent]);
    const hub = hubFor(env, llm);
    const first = await hub.ask(caller, {
      coordinationUuid: coordination.coordination_uuid,
      agentUuid: agent.agent_uuid,
      userQuery: 'hi',
    });
    await expect(
      hub.ask(
        { tenant: tenantB, userId: 'intruder' },
        { coordinationUuid: coordination.coordination_uuid, sessionUuid: first.sessionUuid, userQuery: 'x' },
      ),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(
      hub.ask(caller, {
        coordinationUuid: coordination.coordination_uuid,
        agentUuid: newId(),
        userQuery: 'x',
      }),
    ).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
  });

  describe('double texting', () => {
    async function twoAsks(policy: 'reject' | 'enqueue' | 'interrupt') {
      const agent = llmAgent('Slow', 'slow agent', 'slow:400:Slow');
      const coordination = await insertCoordination(env, tenantA, [agent]);
      const hub = hubFor(env, llm);
      const base = { coordinationUuid: coordination.coordination_uuid, agentUuid: agent.agent_uuid };
      const opening = await hub.ask(caller, { ...base, userQuery: 'open', doubleTexting: policy });
      const firstAsk = hub.ask(caller, { ...base, sessionUuid: opening.sessionUuid, userQuery: 'first' });
      // The second text arrives while the first one is running.
      await waitFor(
        async () =>
          (await env.repos.sessionRuns.list(tenantA, { sessionUuid: opening.sessionUuid })).length === 2,
      );
      const secondAsk = hub.ask(caller, { ...base, sessionUuid: opening.sessionUuid, userQuery: 'second' });
      const [first, second] = await Promise.allSettled([firstAsk, secondAsk]);
      return { sessionUuid: opening.sessionUuid, first, second };
    }

    it('reject: the second ask fails with CONFLICT, the first completes', async () => {
      const { first, second } = await twoAsks('reject');
      expect(first).toMatchObject({
        status: 'fulfilled',
        value: { status: 'completed', answer: 'Slow says: first (turn 2)' },
      });
      expect(second).toMatchObject({ status: 'rejected', reason: { code: 'CONFLICT' } });
    });

    it('enqueue: the second ask runs after the first, on the same thread', async () => {
      const { first, second } = await twoAsks('enqueue');
      expect(first).toMatchObject({
        status: 'fulfilled',
        value: { status: 'completed', answer: 'Slow says: first (turn 2)' },
      });
      expect(second).toMatchObject({
        status: 'fulfilled',
        value: { status: 'completed', answer: 'Slow says: second (turn 3)' },
      });
    });

    it('interrupt from another instance: the running ask notices it lost the session and stops', async () => {
      const agent = llmAgent('Slow', 'slow agent', 'slow:1500:Slow');
      const coordination = await insertCoordination(env, tenantA, [agent]);
      const base = { coordinationUuid: coordination.coordination_uuid, agentUuid: agent.agent_uuid };
      const instanceA = hubFor(env, llm, { settings: { ownershipCheckMs: 50 } });
      const instanceB = hubFor(env, llm, { settings: { ownershipCheckMs: 50 } });
      const opening = await instanceA.ask(caller, { ...base, userQuery: 'open', doubleTexting: 'interrupt' });
      const firstAsk = instanceA.ask(caller, {
        ...base,
        sessionUuid: opening.sessionUuid,
        userQuery: 'first',
      });
      await waitFor(
        async () =>
          (await env.repos.sessionRuns.list(tenantA, { sessionUuid: opening.sessionUuid })).length === 2,
      );
      const second = await instanceB.ask(caller, {
        ...base,
        sessionUuid: opening.sessionUuid,
        userQuery: 'second',
      });
      const first = await firstAsk;

      expect(second).toMatchObject({ status: 'completed', answer: 'Slow says: second (turn 2)' });
      // Aborted, not merely relabelled: it never got its (slow) answer.
      expect(first).toMatchObject({ status: 'cancelled', answer: null });
    });

    it('interrupt: the first ask is cancelled and recorded so, the second completes', async () => {
      const { sessionUuid, first, second } = await twoAsks('interrupt');
      expect(first).toMatchObject({ status: 'fulfilled', value: { status: 'cancelled', answer: null } });
      expect(second).toMatchObject({
        status: 'fulfilled',
        value: { status: 'completed', answer: 'Slow says: second (turn 2)' },
      });
      if (first.status !== 'fulfilled') throw new Error('unreachable');
      const run = await env.repos.sessionRuns.get(tenantA, sessionUuid, first.value.runUuid);
      expect(run.status).toBe('cancelled');
    });
  });
});

async function waitFor(check: () => Promise<boolean>, attempts = 200) {
  for (let i = 0; i < attempts; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('condition not reached');
}
