import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createClients } from '../../src/clients.js';
import { loadConfig } from '../../src/config.js';
import { newId } from '../../src/ids.js';
import { type LocalStack, startLocalStack } from '../../src/local/stack.js';
import { envCredentials } from '../../src/runtimes/credentials.js';
import { createRuntimeResolver } from '../../src/runtimes/resolver.js';
import { tenantOf } from '../../src/tenant.js';
import { createThreadStore } from '../../src/threads/store.js';
import { sendJson, startHttpServer, type TestServer } from '../runtimes/support/http-server.js';
import { request, wsClient } from '../transport/support.js';

/** Chat completions as SSE (the runtime streams over WebSocket): text, or tool calls by index. */
function sse(res: ServerResponse, delta: Record<string, unknown>) {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const chunk = { id: 'c', object: 'chat.completion.chunk', created: 1, model: 'gpt-test' };
  res.write(`data: ${JSON.stringify({ ...chunk, choices: [{ index: 0, delta }] })}\n\n`);
  // include_usage: the last chunk carries the call's usage and no choices.
  const usage = { prompt_tokens: 100, completion_tokens: 10, total_tokens: 110 };
  res.write(`data: ${JSON.stringify({ ...chunk, choices: [], usage })}\n\n`);
  res.end('data: [DONE]\n\n');
}
const toolCallDelta = (i: number, id: string, args: unknown) => ({
  index: i,
  id,
  type: 'function',
  function: { name: 'ship', arguments: JSON.stringify(args) },
});

const ASK = `query ($c: String!, $a: String!, $q: String!) {
  askOperationHub(coordinationUuid: $c, agentUuid: $a, userQuery: $q) {
    sessionUuid runUuid status answer pendingToolCalls
  }
}`;
const DECIDE = `mutation ($s: String!, $r: String, $a: String, $d: [ToolCallDecisionInput!]!) {
  decideToolCalls(sessionUuid: $s, runUuid: $r, sessionAgentUuid: $a, decisions: $d) {
    ok operation { runUuid status answer pendingToolCalls }
  }
}`;

interface Streamed {
  final?: { data?: Record<string, unknown> | null; errors?: { extensions?: { code?: string } }[] };
  toolEvents: { type: string; data: Record<string, unknown> }[];
}
function streamed(client: Client, query: string, variables: Record<string, unknown>): Promise<Streamed> {
  return new Promise((resolve, reject) => {
    const out: Streamed = { toolEvents: [] };
    client.subscribe(
      { query, variables },
      {
        next: (value) => {
          const ext = (
            value.extensions as { askOperationHub?: { toolEvent?: Streamed['toolEvents'][number] } }
          )?.askOperationHub;
          if (ext?.toolEvent) out.toolEvents.push(ext.toolEvent);
          else if (!ext) out.final = value as Streamed['final'];
        },
        error: reject,
        complete: () => resolve(out),
      },
    );
  });
}

describe('tool approval end to end over graphql-ws (operation hub, OpenAI-compatible server, http tool)', () => {
  let stack: LocalStack;
  let llm: TestServer;
  let shipping: TestServer;
  let client: Client;

  beforeAll(async () => {
    shipping = await startHttpServer((req, res) =>
      sendJson(res, 200, { shipped: (req.json as { order_id: string }).order_id }),
    );
    llm = await startHttpServer((_req, res, i) => {
      if (i === 0)
        return sse(res, {
          tool_calls: [
            toolCallDelta(0, 'call_approve', { order_id: 'A' }),
            toolCallDelta(1, 'call_edit', { order_id: 'B' }),
            toolCallDelta(2, 'call_reject', { order_id: 'C' }),
          ],
        });
      return sse(res, { content: 'two shipped, one refused' });
    });
    const tablePrefix = `t${randomBytes(4).toString('hex')}-`;
    const dynamoEndpoint = inject('dynamoEndpoint');
    const clients = createClients(
      loadConfig({ DYNAMODB_ENDPOINT: dynamoEndpoint, ACE_TABLE_PREFIX: tablePrefix, LOG_LEVEL: 'silent' }),
    );
    stack = await startLocalStack({
      dynamoEndpoint,
      sqsEndpoint: inject('sqsEndpoint'),
      tablePrefix,
      logLevel: process.env.LOG_LEVEL ?? 'silent',
      env: { ACE_TOOL_ALLOWED_HOSTS: shipping.url },
      runtimes: createRuntimeResolver({
        credentials: envCredentials({ ACE_OPENAI_BASE_URL: `${llm.url}/v1`, ACE_OPENAI_API_KEY: 'sk' }),
        threads: createThreadStore(clients),
      }),
    });
    client = wsClient(stack, await stack.token());
  });
  afterAll(async () => {
    await client?.dispose();
    await stack?.close();
    await Promise.all([llm?.close(), shipping?.close()]);
  });

  it('pauses with three pending calls; approve one, edit one, reject one: the next model request carries three results', async () => {
    // Prepare: an agent whose http tool needs approval.
    const tenant = tenantOf('demo', 'local');
    const agentUuid = newId();
    const coordination = await stack.engine.repos.coordinations.insert(tenant, {
      coordination_uuid: newId(),
      coordination_name: 'Shipping desk',
      agents: [
        {
          agent_uuid: agentUuid,
          agent_name: 'Shipper',
          agent_type: 'task',
          runtime: 'openai',
          model: 'gpt-test',
          tools: [
            {
              type: 'http',
              name: 'ship',
              description: 'Ships an order.',
              url: `${shipping.url}/ship`,
              needs_approval: true,
              parameters: {
                type: 'object',
                properties: { order_id: { type: 'string' } },
                required: ['order_id'],
              },
            },
          ],
        },
      ],
      updated_by: 'e2e',
    });

    // Act 1: the ask stops before the calls.
    const asked = await streamed(client, ASK, {
      c: coordination.coordination_uuid,
      a: agentUuid,
      q: 'ship A, B and C',
    });
    const ask = asked.final?.data?.askOperationHub as {
      sessionUuid: string;
      runUuid: string;
      status: string;
      pendingToolCalls: { callId: string; tool: string; arguments: unknown }[];
    };

    expect(ask.status).toBe('waiting_for_approval');
    expect(ask.pendingToolCalls).toEqual([
      { callId: 'call_approve', tool: 'ship', arguments: { order_id: 'A' } },
      { callId: 'call_edit', tool: 'ship', arguments: { order_id: 'B' } },
      { callId: 'call_reject', tool: 'ship', arguments: { order_id: 'C' } },
    ]);
    expect(shipping.requests).toHaveLength(0);
    expect(asked.toolEvents.filter((e) => e.type === 'tool_call')).toHaveLength(3);

    // Act 2: decide over the same WebSocket.
    const decisions = [
      { callId: 'call_approve', approve: true },
      { callId: 'call_edit', approve: true, arguments: { order_id: 'B-EDITED' } },
      { callId: 'call_reject', approve: false, reason: 'C is on hold' },
    ];
    const decided = await streamed(client, DECIDE, { s: ask.sessionUuid, r: ask.runUuid, d: decisions });

    // Assess
    expect(decided.final?.errors).toBeUndefined();
    const operation = (
      decided.final!.data!.decideToolCalls as {
        operation: { status: string; answer: string; runUuid: string };
      }
    ).operation;
    expect(operation).toMatchObject({
      status: 'completed',
      answer: 'two shipped, one refused',
      runUuid: ask.runUuid,
    });
    expect(shipping.requests.map((r) => r.json)).toEqual(
      expect.arrayContaining([{ order_id: 'A' }, { order_id: 'B-EDITED' }]),
    );
    expect(shipping.requests).toHaveLength(2);
    const next = llm.requests[1]?.json as {
      messages: { role: string; tool_call_id?: string; content: string }[];
    };
    const results = next.messages.filter((m) => m.role === 'tool');
    expect(results.map((m) => m.tool_call_id)).toEqual(['call_approve', 'call_edit', 'call_reject']);
    expect(results[0]?.content).toBe('{"shipped":"A"}');
    expect(results[1]?.content).toBe('{"shipped":"B-EDITED"}');
    expect(results[2]?.content).toBe('rejected by a person: C is on hold');
    expect(decided.toolEvents.filter((e) => e.type === 'tool_result').map((e) => e.data.ok)).toEqual(
      expect.arrayContaining([true, true, false]),
    );
    // Metered across the pause: both model calls and the two tool calls made (the rejected one was not).
    const run = await stack.engine.repos.sessionRuns.get(tenant, ask.sessionUuid, ask.runUuid);
    expect(run).toMatchObject({ model_calls: 2, tool_calls: 2, input_tokens: 200, output_tokens: 20 });
    const session = await stack.engine.repos.sessions.get(
      tenant,
      coordination.coordination_uuid,
      ask.sessionUuid,
    );
    expect(session).toMatchObject({ model_calls: 2, tool_calls: 2, input_tokens: 200, output_tokens: 20 });

    // Deciding twice: CONFLICT, nothing called; another tenant: NOT_FOUND; a SessionAgent that does not exist: NOT_FOUND.
    const twice = await request(client, DECIDE, { s: ask.sessionUuid, r: ask.runUuid, d: decisions });
    expect(twice.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    const other = wsClient(stack, await stack.token({ endpoint_id: 'other', part_id: 'p', sub: 'u' }));
    const foreign = await request(other, DECIDE, { s: ask.sessionUuid, r: ask.runUuid, d: decisions });
    await other.dispose();
    expect(foreign.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const missing = await request(client, DECIDE, { s: ask.sessionUuid, a: newId(), d: decisions });
    expect(missing.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(shipping.requests).toHaveLength(2);
    expect(llm.requests).toHaveLength(2);
  });
});
