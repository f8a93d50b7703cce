import type { ServerResponse } from 'node:http';
import type { Http2ServerResponse } from 'node:http2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventLog } from '../../src/events/event-log.js';
import { createGovernance } from '../../src/governance/governance.js';
import { createOperationHub } from '../../src/hubs/operation/hub.js';
import { createSessionLock } from '../../src/hubs/operation/session-lock.js';
import { createBedrockRuntime } from '../../src/runtimes/bedrock.js';
import { envCredentials } from '../../src/runtimes/credentials.js';
import { createRuntimeResolver } from '../../src/runtimes/resolver.js';
import { createThreadStore } from '../../src/threads/store.js';
import { usageReport } from '../../src/usage/report.js';
import { insertCoordination } from '../operation/support/hub-env.js';
import { createDirectBed, drain, seedTask } from '../procedure/support.js';
import { encodeEvent, startH2Server } from '../runtimes/support/eventstream-server.js';
import { startHttpServer, type TestServer } from '../runtimes/support/http-server.js';
import { createTestEnv, type TestEnv, tenantA } from '../support/env.js';

/**
 * The ledger fed by the real runtimes over their wire protocols (a local
 * OpenAI-compatible server, a local Bedrock ConverseStream server): every
 * call's usage summed exactly on session, agents and the four reports,
 * with messages delivered 2-3 times, a retried HTTP failure and a
 * guardrail retry, costs from a test price table.
 */
const prices = { 'gpt-test': { input: 1, output: 2 }, 'nova-test': { input: 3, output: 4 } };
const OPENAI = { prompt_tokens: 120, completion_tokens: 30, total_tokens: 150 };
const BEDROCK = { inputTokens: 40, outputTokens: 9, totalTokens: 49 };
const OPENAI_CALL = (120 * 1 + 30 * 2) / 1e6;
const BEDROCK_CALL = (40 * 3 + 9 * 4) / 1e6;

function openaiAnswer(res: ServerResponse, body: { stream?: boolean }, content: string) {
  const base = { id: 'c', created: 1, model: 'gpt-test' };
  if (!body.stream) {
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        ...base,
        object: 'chat.completion',
        choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
        usage: OPENAI,
      }),
    );
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  for (let i = 0; i < content.length; i += 5) {
    const delta = { content: content.slice(i, i + 5) };
    res.write(
      `data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta }] })}\n\n`,
    );
  }
  res.write(
    `data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [], usage: OPENAI })}\n\n`,
  );
  res.end('data: [DONE]\n\n');
}

let openai: TestServer;
let bedrock: Awaited<ReturnType<typeof startH2Server>>;
const failedOnce = new Set<string>();

beforeAll(async () => {
  openai = await startHttpServer((req, res) => {
    const body = req.json as { stream?: boolean; messages: { content: string }[] };
    const last = body.messages.at(-1)?.content ?? '';
    // o2's first attempt fails with a 500 (no usage): the executor retries it, a real second call.
    if (last.includes('task for o2') && !failedOnce.has('o2')) {
      failedOnce.add('o2');
      res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":{"message":"boom"}}');
      return;
    }
    // o3 answers too long first; the max_length guardrail asks again with the findings.
    const long = last.includes('task for o3') && !last.includes('rejected by the output checks');
    openaiAnswer(res, body, long ? 'x'.repeat(200) : `ok: ${last.slice(0, 20)}`);
  });
  bedrock = await startH2Server((_req, res: Http2ServerResponse) => {
    res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream' });
    res.write(encodeEvent('messageStart', { role: 'assistant' }));
    res.write(encodeEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'bedrock ok' } }));
    res.write(encodeEvent('contentBlockStop', { contentBlockIndex: 0 }));
    res.write(encodeEvent('messageStop', { stopReason: 'end_turn' }));
    res.write(encodeEvent('metadata', { usage: BEDROCK, metrics: { latencyMs: 1 } }));
    res.end();
  });
});
afterAll(async () => {
  await openai?.close();
  await bedrock?.close();
});

function resolver(env: TestEnv) {
  const threads = createThreadStore(env.clients);
  const credentials = envCredentials({
    ACE_OPENAI_BASE_URL: `${openai.url}/v1`,
    ACE_OPENAI_API_KEY: 'sk-local',
    ACE_BEDROCK_BASE_URL: bedrock.url,
  });
  return createRuntimeResolver({
    credentials,
    threads,
    runtimes: {
      // Static keys for the local server (Lambda signs with its role).
      bedrock: createBedrockRuntime({
        credentials,
        threads,
        clientConfig: { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } },
      }),
    },
  });
}

describe('usage from the wire: OpenAI-compatible and Bedrock runtimes', () => {
  it('procedure hub, every message delivered 2-3 times, a retried 500 and a guardrail retry: exact totals and four reports', async () => {
    // Prepare: o1 -> (o2, b1) -> o3 -> b2; o2 fails once (500), o3 is asked twice (max_length retry).
    const env = await createTestEnv();
    const governance = createGovernance({ doc: env.clients.doc, tables: env.clients.tables, prices });
    const bed = await createDirectBed({ env, governance, runtimes: resolver(env) });
    const gpt = { runtime: 'openai', model: 'gpt-test', max_retries: 0 };
    const nova = { runtime: 'bedrock', model: 'nova-test', region: 'us-east-1' };
    const seeded = await seedTask(
      env,
      [
        { name: 'o1', extra: gpt },
        { name: 'o2', preds: ['o1'], extra: gpt },
        { name: 'b1', preds: ['o1'], extra: nova },
        {
          name: 'o3',
          preds: ['o2', 'b1'],
          extra: { ...gpt, guardrails: { output: [{ type: 'max_length', max: 100, action: 'retry' }] } },
        },
        { name: 'b2', preds: ['o3'], extra: nova },
      ],
      { policy: { max_retries: 2 } },
    );
    const session = await bed.hub.executeProcedureTaskSession(tenantA, {
      coordinationUuid: seeded.coordinationUuid,
      taskUuid: seeded.taskUuid,
    });
    // Act
    await drain(bed, { duplicate: true });
    // Assess: 4 OpenAI calls with usage (o1, o2's retry, o3 twice) and 2 Bedrock calls.
    const stored = await env.repos.sessions.get(tenantA, seeded.coordinationUuid, session.session_uuid);
    expect(stored.status).toBe('completed');
    expect(failedOnce.has('o2')).toBe(true);
    expect(stored).toMatchObject({
      model_calls: 6,
      input_tokens: 4 * 120 + 2 * 40,
      output_tokens: 4 * 30 + 2 * 9,
    });
    expect(stored.cost_usd).toBeCloseTo(4 * OPENAI_CALL + 2 * BEDROCK_CALL, 12);
    const agents = await env.repos.sessionAgents.list(tenantA, { sessionUuid: session.session_uuid });
    const calls = Object.fromEntries(
      ['o1', 'o2', 'b1', 'o3', 'b2'].map((n) => [
        n,
        agents.find((a) => a.agent_uuid === seeded.uuidOf(n))?.model_calls,
      ]),
    );
    expect(calls).toEqual({ o1: 1, o2: 1, b1: 1, o3: 2, b2: 1 });
    const o3 = agents.find((a) => a.agent_uuid === seeded.uuidOf('o3'));
    expect(o3).toMatchObject({ input_tokens: 240, output_tokens: 60 });
    expect(o3?.cost_usd).toBeCloseTo(2 * OPENAI_CALL, 12);

    const today = new Date().toISOString().slice(0, 10);
    const report = (groupBy: 'AGENT' | 'MODEL' | 'DAY' | 'TASK') =>
      usageReport(env.clients, tenantA, {
        coordinationUuid: seeded.coordinationUuid,
        from: today,
        to: today,
        groupBy,
      });
    const [byAgent, byModel, byDay, byTask] = await Promise.all([
      report('AGENT'),
      report('MODEL'),
      report('DAY'),
      report('TASK'),
    ]);
    expect(byModel.rows.map((r) => [r.key, r.modelCalls, r.inputTokens, r.outputTokens])).toEqual([
      ['gpt-test', 4, 480, 120],
      ['nova-test', 2, 80, 18],
    ]);
    expect(byAgent.rows.find((r) => r.key === seeded.uuidOf('o3'))?.modelCalls).toBe(2);
    expect(byDay.rows).toEqual([expect.objectContaining({ key: today, modelCalls: 6 })]);
    expect(byTask.rows).toEqual([expect.objectContaining({ key: seeded.taskUuid, modelCalls: 6 })]);
    for (const r of [byAgent, byModel, byDay, byTask])
      expect(r.total.costUsd).toBeCloseTo(stored.cost_usd ?? 0, 12);
  });

  it('operation hub: a streamed and a non-streamed ask on one session, each call once on the run and the session', async () => {
    const env = await createTestEnv();
    const hub = createOperationHub({
      repos: env.repos,
      runtimes: resolver(env),
      locks: createSessionLock(env.clients),
      events: createEventLog(env.clients),
      governance: createGovernance({ doc: env.clients.doc, tables: env.clients.tables, prices }),
      tables: env.clients.tables,
    });
    const agent = {
      agent_uuid: '11111111111111111111',
      agent_name: 'Desk',
      agent_type: 'task' as const,
      runtime: 'openai',
      model: 'gpt-test',
    };
    const coordination = await insertCoordination(env, tenantA, [agent]);
    const caller = { tenant: tenantA, userId: 'u1' };
    const chunks: string[] = [];
    const streamed = await hub.ask(
      caller,
      { coordinationUuid: coordination.coordination_uuid, userQuery: 'first', agentUuid: agent.agent_uuid },
      { onChunk: (c) => void chunks.push(c) },
    );
    const plain = await hub.ask(caller, {
      coordinationUuid: coordination.coordination_uuid,
      userQuery: 'second',
      agentUuid: agent.agent_uuid,
      sessionUuid: streamed.sessionUuid,
      stream: false,
    });
    expect(chunks.join('')).toBe(streamed.answer);
    expect(chunks.length).toBeGreaterThan(1);
    for (const r of [streamed, plain]) {
      const run = await env.repos.sessionRuns.get(tenantA, r.sessionUuid, r.runUuid);
      expect(run).toMatchObject({ model: 'gpt-test', input_tokens: 120, output_tokens: 30, model_calls: 1 });
      expect(run.cost_usd).toBeCloseTo(OPENAI_CALL, 12);
    }
    const session = await env.repos.sessions.get(
      tenantA,
      coordination.coordination_uuid,
      streamed.sessionUuid,
    );
    expect(session).toMatchObject({ model_calls: 2, input_tokens: 240, output_tokens: 60 });
    expect(session.cost_usd).toBeCloseTo(2 * OPENAI_CALL, 12);
  });
});
