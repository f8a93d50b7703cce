import type { Http2ServerResponse } from 'node:http2';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Agent } from '../../src/domain/coordination/model.js';
import { newId } from '../../src/ids.js';
import { createBedrockRuntime } from '../../src/runtimes/bedrock.js';
import { envCredentials } from '../../src/runtimes/credentials.js';
import { createThreadStore, type ThreadStore } from '../../src/threads/store.js';
import { createTestEnv, type TestEnv, tenantA } from '../support/env.js';
import { countingTool, createToolBed } from '../tools/support.js';
import { encodeEvent, type H2Handler, startH2Server } from './support/eventstream-server.js';

const agent = (extra: Record<string, unknown> = {}): Agent => ({
  agent_uuid: 'b1',
  agent_name: 'Analyst',
  agent_type: 'task',
  runtime: 'bedrock',
  model: 'anthropic.claude-test-v1:0',
  tools: [{ type: 'builtin', name: 'lookup_order' }],
  ...extra,
});

/** A ConverseStream answer: optional text, then toolUse blocks whose input arrives in two fragments. */
function converse(
  res: Http2ServerResponse,
  text: string,
  uses: { id: string; name?: string; input: unknown }[] = [],
) {
  res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream' });
  res.write(encodeEvent('messageStart', { role: 'assistant' }));
  if (text) res.write(encodeEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { text } }));
  uses.forEach((use, i) => {
    const index = i + 1;
    const input = JSON.stringify(use.input);
    const half = Math.floor(input.length / 2);
    res.write(
      encodeEvent('contentBlockStart', {
        contentBlockIndex: index,
        start: { toolUse: { toolUseId: use.id, name: use.name ?? 'lookup_order' } },
      }),
    );
    for (const piece of [input.slice(0, half), input.slice(half)])
      res.write(
        encodeEvent('contentBlockDelta', { contentBlockIndex: index, delta: { toolUse: { input: piece } } }),
      );
    res.write(encodeEvent('contentBlockStop', { contentBlockIndex: index }));
  });
  res.write(encodeEvent('messageStop', { stopReason: uses.length ? 'tool_use' : 'end_turn' }));
  res.end();
}

describe('Bedrock runtime: the tool loop against a local ConverseStream server', () => {
  let env: TestEnv;
  let threads: ThreadStore;
  let server: Awaited<ReturnType<typeof startH2Server>> | undefined;
  beforeAll(async () => {
    env = await createTestEnv();
    threads = createThreadStore(env.clients);
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function runtimeFor(handler: H2Handler) {
    server = await startH2Server(handler);
    return createBedrockRuntime({
      credentials: envCredentials({ ACE_BEDROCK_BASE_URL: server.url }),
      threads,
      clientConfig: { credentials: { accessKeyId: 'k', secretAccessKey: 's' } },
    });
  }

  it('sends toolConfig, runs parallel toolUse calls and answers with toolResult blocks', async () => {
    const lookup = countingTool();
    const bed = createToolBed(env, { builtins: [lookup.tool] });
    const runtime = await runtimeFor((_req, res, i) =>
      i === 0
        ? converse(res, 'Checking.', [
            { id: 'tu_1', input: { order_id: 'A' } },
            { id: 'tu_2', input: { order_id: 'B' } },
          ])
        : converse(res, 'Both shipped.'),
    );
    const threadUuid = newId();
    const result = await runtime.run({
      agent: agent(),
      threadUuid,
      userId: 'u',
      tenant: tenantA,
      input: 'status of A and B?',
      tools: bed.context(),
    });

    expect(result.output).toBe('Both shipped.');
    // Parallel calls: both ran, in whichever order they finished.
    expect(lookup.calls).toHaveLength(2);
    expect(lookup.calls).toEqual(expect.arrayContaining([{ order_id: 'A' }, { order_id: 'B' }]));
    const [first, second] = server!.requests.map((r) => r.json as Record<string, unknown>);
    expect(first?.toolConfig).toEqual({
      tools: [
        {
          toolSpec: {
            name: 'lookup_order',
            description: 'Looks up an order (lookup_order).',
            inputSchema: { json: lookup.tool.parameters },
          },
        },
      ],
    });
    expect(second?.messages).toEqual([
      { role: 'user', content: [{ text: 'status of A and B?' }] },
      {
        role: 'assistant',
        content: [
          { text: 'Checking.' },
          { toolUse: { toolUseId: 'tu_1', name: 'lookup_order', input: { order_id: 'A' } } },
          { toolUse: { toolUseId: 'tu_2', name: 'lookup_order', input: { order_id: 'B' } } },
        ],
      },
      {
        role: 'user',
        content: [
          {
            toolResult: {
              toolUseId: 'tu_1',
              content: [{ text: '{"order_id":"A","status":"shipped"}' }],
              status: 'success',
            },
          },
          {
            toolResult: {
              toolUseId: 'tu_2',
              content: [{ text: '{"order_id":"B","status":"shipped"}' }],
              status: 'success',
            },
          },
        ],
      },
    ]);
    // user, the assistant's two calls, two results, the answer
    expect((await threads.history(tenantA, threadUuid)).map((m) => m.role)).toEqual([
      'user',
      'assistant',
      'tool',
      'tool',
      'assistant',
    ]);
  });

  it('sends invalid arguments back as an error toolResult and stops a runaway loop at max_turns', async () => {
    const lookup = countingTool();
    const bed = createToolBed(env, { builtins: [lookup.tool] });
    const runtime = await runtimeFor((_req, res, i) =>
      converse(res, '', [{ id: `tu_${i}`, input: { wrong: i } }]),
    );
    const error = await runtime
      .run({
        agent: agent({ max_turns: 2 }),
        threadUuid: newId(),
        userId: 'u',
        input: 'x',
        tools: bed.context(),
      })
      .catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'AgentRuntimeError', retryable: false });
    expect((error as Error).message).toMatch(/max_turns \(2\)/);
    expect(lookup.calls).toHaveLength(0);
    const results = (
      server!.requests[1]!.json as {
        messages: { content: { toolResult?: { status: string; content: { text: string }[] } }[] }[];
      }
    ).messages[2]?.content;
    expect(results?.[0]?.toolResult?.status).toBe('error');
    expect(results?.[0]?.toolResult?.content[0]?.text).toMatch(/invalid arguments/);
  });

  it('asks for structured output with a forced tool and retries an invalid answer', async () => {
    const schema = { type: 'object', properties: { score: { type: 'integer' } }, required: ['score'] };
    const inputs = [{ score: 'high' }, { score: 9 }];
    const runtime = await runtimeFor((_req, res, i) =>
      converse(res, '', [{ id: `s_${i}`, name: 'structured_output', input: inputs[i] }]),
    );
    const result = await runtime.run({
      agent: agent({ tools: [], output_schema: schema }),
      threadUuid: newId(),
      userId: 'u',
      input: 'score it',
    });

    expect(result.output).toBe('{"score":9}');
    expect((server!.requests[0]!.json as Record<string, unknown>).toolConfig).toMatchObject({
      tools: [{ toolSpec: { name: 'structured_output', inputSchema: { json: schema } } }],
      toolChoice: { tool: { name: 'structured_output' } },
    });
    expect(server!.requests).toHaveLength(2);
  });
});
