import { randomBytes } from 'node:crypto';
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createClients } from '../../src/clients.js';
import { loadConfig } from '../../src/config.js';
import type { Agent } from '../../src/domain/coordination/model.js';
import { newId } from '../../src/ids.js';
import { DEMO_TENANT, type LocalStack, startLocalStack } from '../../src/local/stack.js';
import { envCredentials } from '../../src/runtimes/credentials.js';
import { createRuntimeResolver } from '../../src/runtimes/resolver.js';
import { tenantOf } from '../../src/tenant.js';
import { createThreadStore } from '../../src/threads/store.js';
import { waitUntil } from '../support/wait.js';
import { request, wsClient } from '../transport/support.js';
import { llmAgent, triageAgent } from './support/hub-env.js';
import { type LlmServer, startLlmServer } from './support/llm-server.js';

const tenant = tenantOf(DEMO_TENANT.endpoint_id, DEMO_TENANT.part_id);

const ASK = `query Ask($c: String!, $q: String!, $a: String, $s: String, $life: Int, $dt: DoubleTextingPolicy) {
  askOperationHub(coordinationUuid: $c, userQuery: $q, agentUuid: $a, sessionUuid: $s, threadLifeMinutes: $life, doubleTexting: $dt) {
    sessionUuid runUuid threadUuid agentUuid status answer
    triage { method agentUuid reason }
  }
}`;

interface AskData {
  sessionUuid: string;
  runUuid: string;
  threadUuid: string;
  agentUuid: string | null;
  status: string;
  answer: string | null;
  triage: { method: string; agentUuid: string | null; reason: string };
}

/** One askOperationHub over graphql-ws: the streamed chunks (intermediate `next`s) and the final result. */
function ask(client: Client, variables: Record<string, unknown>) {
  return new Promise<{
    chunks: { index: number; chunk: string }[];
    data?: AskData;
    errors?: { extensions?: { code?: string } }[];
  }>((resolve, reject) => {
    const chunks: { index: number; chunk: string }[] = [];
    let final: { data?: { askOperationHub: AskData }; errors?: { extensions?: { code?: string } }[] } = {};
    client.subscribe(
      { query: ASK, variables },
      {
        next: (value) => {
          const streamed = (
            value.extensions as { askOperationHub?: { index: number; chunk: string } } | undefined
          )?.askOperationHub;
          if (streamed) chunks.push({ index: streamed.index, chunk: streamed.chunk });
          else final = value as typeof final;
        },
        error: reject,
        complete: () => {
          const data = final.data?.askOperationHub;
          resolve({ chunks, ...(data && { data }), ...(final.errors && { errors: final.errors }) });
        },
      },
    );
  });
}

describe('askOperationHub end to end: graphql-ws client, local API Gateway, local DynamoDB', () => {
  let stack: LocalStack;
  let llm: LlmServer;
  let client: Client;

  beforeAll(async () => {
    llm = await startLlmServer();
    const tablePrefix = `t${randomBytes(4).toString('hex')}-`;
    const dynamoEndpoint = inject('dynamoEndpoint');
    const clients = createClients(
      loadConfig({ DYNAMODB_ENDPOINT: dynamoEndpoint, ACE_TABLE_PREFIX: tablePrefix, LOG_LEVEL: 'silent' }),
    );
    const runtimes = createRuntimeResolver({
      credentials: envCredentials({ ACE_OPENAI_BASE_URL: `${llm.url}/v1`, ACE_OPENAI_API_KEY: 'sk-local' }),
      threads: createThreadStore(clients),
    });
    stack = await startLocalStack({
      dynamoEndpoint,
      tablePrefix,
      logLevel: process.env.LOG_LEVEL ?? 'silent',
      runtimes,
    });
    client = wsClient(stack, await stack.token());
  });
  afterAll(async () => {
    await client?.dispose();
    await stack?.close();
    await llm?.close();
  });

  async function coordinationWith(agents: Agent[]) {
    const coordination = await stack.engine.repos.coordinations.insert(tenant, {
      coordination_uuid: newId(),
      coordination_name: 'Desk',
      agents,
      updated_by: 'e2e',
    });
    return coordination.coordination_uuid;
  }

  it('hands off after LLM triage in one request; streamed chunks arrive in order and equal the recorded answer', async () => {
    const billing = llmAgent('Billing', 'Invoices and charges');
    const c = await coordinationWith([triageAgent(), billing, llmAgent('Shipping', 'Parcels')]);
    llm.triageAnswer = () => JSON.stringify({ status: 'assigned', agent_uuid: billing.agent_uuid });

    const { chunks, data } = await ask(client, {
      c,
      q: 'Explain the second charge on my last invoice please',
    });

    expect(data).toMatchObject({
      status: 'completed',
      agentUuid: billing.agent_uuid,
      triage: { method: 'llm' },
    });
    expect(chunks.length).toBeGreaterThan(3);
    expect(chunks.map((c) => c.index)).toEqual(chunks.map((_, i) => i));
    expect(chunks.map((c) => c.chunk).join('')).toBe(data?.answer);
    const recorded = await request<{ sessionRun: { answer: string; status: string } }>(
      client,
      'query($s: String!, $r: String!) { sessionRun(sessionUuid: $s, runUuid: $r) { answer status } }',
      { s: data?.sessionUuid, r: data?.runUuid },
    );
    expect(recorded.data?.sessionRun).toEqual({ answer: data?.answer, status: 'completed' });
  });

  it('a scripted triage agent answering JSON hands off to a scripted agent whose chunks stream in order', async () => {
    const shipping: Agent = {
      agent_uuid: newId(),
      agent_name: 'Shipping',
      agent_description: 'Parcels',
      agent_type: 'task',
      runtime: 'scripted',
      script: { answer: 'Your parcel left the warehouse this morning ({input}).', chunk_size: 7 },
    };
    const triage: Agent = {
      agent_uuid: newId(),
      agent_name: 'Triage',
      agent_type: 'triage',
      script: {
        answer: 'not JSON at all',
        answers: [
          {
            match: 'User Query: .*parcel',
            answer: `{"status":"assigned","agent_uuid":"${shipping.agent_uuid}"}`,
          },
        ],
      },
    };
    const c = await coordinationWith([triage, shipping]);

    const { chunks, data } = await ask(client, { c, q: 'Where is my parcel?' });

    expect(data).toMatchObject({
      status: 'completed',
      agentUuid: shipping.agent_uuid,
      triage: { method: 'llm' },
    });
    expect(data?.answer).toBe('Your parcel left the warehouse this morning (Where is my parcel?).');
    expect(chunks.map((c) => c.chunk)).toEqual(data?.answer?.match(/.{1,7}/gs));
  });

  it('falls back to the lexical router when the triage answer is malformed', async () => {
    const shipping = llmAgent('Shipping', 'Parcels, couriers and delivery tracking');
    const c = await coordinationWith([triageAgent(), llmAgent('Billing', 'Invoices and charges'), shipping]);
    llm.triageAnswer = () => '{"status": "assigned", "agent_uuid": ';

    const { data } = await ask(client, { c, q: 'Which courier has my parcel?' });

    expect(data).toMatchObject({
      status: 'completed',
      agentUuid: shipping.agent_uuid,
      triage: { method: 'router' },
    });
  });

  it('reuses the thread within threadLifeMinutes and opens a new one when it has lapsed', async () => {
    const helper = llmAgent('Helper', 'helps');
    const c = await coordinationWith([helper]);
    const first = (await ask(client, { c, a: helper.agent_uuid, q: 'one' })).data;
    const second = (await ask(client, { c, a: helper.agent_uuid, q: 'two' })).data;
    const lapsed = (await ask(client, { c, a: helper.agent_uuid, q: 'three', life: 0 })).data;

    expect(second?.threadUuid).toBe(first?.threadUuid);
    expect(second?.answer).toBe('Helper says: two (turn 2)');
    expect(lapsed?.threadUuid).not.toBe(first?.threadUuid);
    expect(lapsed?.answer).toBe('Helper says: three (turn 1)');
  });

  describe('double texting', () => {
    /**
     * The first text's model call is held at the LLM server's gate until the
     * second text has had its effect (`settled`), so the order does not depend
     * on how fast this machine is.
     */
    async function textTwice(
      policy: string,
      settled: (second: ReturnType<typeof ask>, s: string) => Promise<unknown>,
    ) {
      const slow = llmAgent('Slow', 'slow', 'held:Slow');
      const c = await coordinationWith([slow]);
      const opening = (await ask(client, { c, a: slow.agent_uuid, q: 'open', dt: policy })).data;
      const s = opening?.sessionUuid ?? '';
      llm.closeGate();
      const first = ask(client, { c, a: slow.agent_uuid, s, q: 'first' });
      // The second text is sent once the first one is running and waits at the model.
      await waitUntil(
        async () => ({
          held: llm.held,
          running: (await stack.engine.repos.sessionRuns.list(tenant, { sessionUuid: s })).some(
            (r) => r.status === 'running',
          ),
        }),
        (state) => state.held === 1 && state.running,
        'the first text running, its model call held',
      );
      // The second text comes from another connection (a second tab): the local gateway runs one
      // connection's messages in order, while API Gateway would invoke them concurrently.
      const other = wsClient(stack, await stack.token());
      try {
        const second = ask(other, { c, a: slow.agent_uuid, s, q: 'second' });
        await settled(second, s);
        llm.openGate();
        return await Promise.all([first, second]);
      } finally {
        llm.openGate();
        await other.dispose();
      }
    }

    it('reject: the second text gets CONFLICT', async () => {
      const [first, second] = await textTwice('reject', (second) => second);
      expect(first.data?.status).toBe('completed');
      expect(second.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    });

    it('enqueue: the second text runs after the first', async () => {
      // The second waits for the first's turn: both held calls answer once the gate opens.
      const [first, second] = await textTwice('enqueue', async () => undefined);
      expect(first.data?.answer).toBe('Slow says: first (turn 2)');
      expect(second.data?.answer).toBe('Slow says: second (turn 3)');
    });

    it('interrupt: the first text is cancelled, the second answers', async () => {
      const [first, second] = await textTwice('interrupt', (_, s) =>
        waitUntil(
          () => stack.engine.repos.sessionRuns.list(tenant, { sessionUuid: s }),
          (runs) => runs.some((r) => r.status === 'cancelled'),
          'the first text cancelled',
        ),
      );
      expect(first.data).toMatchObject({ status: 'cancelled', answer: null });
      expect(second.data).toMatchObject({ status: 'completed', answer: 'Slow says: second (turn 2)' });
    });
  });
});
