import { randomBytes } from 'node:crypto';
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createClients } from '../../src/clients.js';
import { loadConfig } from '../../src/config.js';
import { createEventLog } from '../../src/events/event-log.js';
import { newId } from '../../src/ids.js';
import { DEMO_TENANT, type LocalStack, startLocalStack } from '../../src/local/stack.js';
import { envCredentials } from '../../src/runtimes/credentials.js';
import { createRuntimeResolver } from '../../src/runtimes/resolver.js';
import { tenantOf } from '../../src/tenant.js';
import { createThreadStore } from '../../src/threads/store.js';
import { llmAgent } from '../operation/support/hub-env.js';
import { type LlmServer, startLlmServer } from '../operation/support/llm-server.js';
import { wsClient } from '../transport/support.js';

const tenant = tenantOf(DEMO_TENANT.endpoint_id, DEMO_TENANT.part_id);
const ASK = `query Ask($c: String!, $q: String!, $a: String) {
  askOperationHub(coordinationUuid: $c, userQuery: $q, agentUuid: $a) { sessionUuid runUuid threadUuid status answer }
}`;

interface Asked {
  /** Every intermediate `next` (streamed chunks), as the client received it. */
  intermediate: unknown[];
  data?: { sessionUuid: string; runUuid: string; threadUuid: string; status: string; answer: string | null };
}
function ask(client: Client, variables: Record<string, unknown>): Promise<Asked> {
  return new Promise((resolve, reject) => {
    const out: Asked = { intermediate: [] };
    client.subscribe(
      { query: ASK, variables },
      {
        next: (value) => {
          const streamed = (value.extensions as { askOperationHub?: unknown } | undefined)?.askOperationHub;
          if (streamed) out.intermediate.push(streamed);
          else out.data = (value.data as { askOperationHub: Asked['data'] })?.askOperationHub;
        },
        error: reject,
        complete: () => resolve(out),
      },
    );
  });
}

describe('guardrails over a real graphql-ws client (local stack)', () => {
  let stack: LocalStack;
  let llm: LlmServer;
  let client: Client;
  let clients: ReturnType<typeof createClients>;
  beforeAll(async () => {
    llm = await startLlmServer();
    const tablePrefix = `t${randomBytes(4).toString('hex')}-`;
    const dynamoEndpoint = inject('dynamoEndpoint');
    clients = createClients(
      loadConfig({ DYNAMODB_ENDPOINT: dynamoEndpoint, ACE_TABLE_PREFIX: tablePrefix, LOG_LEVEL: 'silent' }),
    );
    stack = await startLocalStack({
      dynamoEndpoint,
      tablePrefix,
      logLevel: process.env.LOG_LEVEL ?? 'silent',
      runtimes: createRuntimeResolver({
        credentials: envCredentials({ ACE_OPENAI_BASE_URL: `${llm.url}/v1`, ACE_OPENAI_API_KEY: 'sk-local' }),
        threads: createThreadStore(clients),
      }),
    });
    client = wsClient(stack, await stack.token());
  });
  afterAll(async () => {
    await client?.dispose();
    await stack?.close();
    await llm?.close();
  });

  const guarded = {
    ...llmAgent('Clerk', 'answers'),
    guardrails: { output: [{ type: 'deny_regex', patterns: ['internal only'] }, { type: 'pii' }] },
  };
  async function coordination() {
    const c = await stack.engine.repos.coordinations.insert(tenant, {
      coordination_uuid: newId(),
      coordination_name: 'Desk',
      agents: [{ ...guarded, agent_uuid: newId() }],
      updated_by: 'e2e',
    });
    return { c: c.coordination_uuid, a: c.agents[0]!.agent_uuid };
  }

  it('a blocked streamed answer: no token reaches the client, none is logged, the thread keeps nothing', async () => {
    const asked = await ask(client, { ...(await coordination()), q: 'tell me the internal only plan' });
    expect(asked.data).toMatchObject({ status: 'blocked', answer: null });
    expect(asked.intermediate).toEqual([]);
    const events = await createEventLog(clients).list(tenant, asked.data!.sessionUuid);
    expect(events.some((e) => e.type === 'token')).toBe(false);
    expect(events.some((e) => e.type === 'guardrail_findings')).toBe(true);
    expect(await createThreadStore(clients).history(tenant, asked.data!.threadUuid)).toEqual([]);
  });

  it('a redacted answer streams to the client only after the checks, and only redacted', async () => {
    const asked = await ask(client, { ...(await coordination()), q: 'write to amy@example.com' });
    expect(asked.data).toMatchObject({
      status: 'completed',
      answer: 'Clerk says: write to [EMAIL] (turn 1)',
    });
    const chunks = asked.intermediate.map((m) => (m as { chunk: string }).chunk);
    expect(chunks.join('')).toBe(asked.data!.answer);
    expect(chunks.join('')).not.toContain('amy@example.com');
  });
});
