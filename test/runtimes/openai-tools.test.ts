import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Agent } from '../../src/domain/coordination/model.js';
import { newId } from '../../src/ids.js';
import { envCredentials } from '../../src/runtimes/credentials.js';
import { createOpenAIRuntime } from '../../src/runtimes/openai.js';
import { createThreadStore, type ThreadStore } from '../../src/threads/store.js';
import { createTestEnv, type TestEnv, tenantA } from '../support/env.js';
import { countingTool, createToolBed } from '../tools/support.js';
import { type Handler, sendJson, startHttpServer, type TestServer } from './support/http-server.js';

const agent = (extra: Record<string, unknown> = {}): Agent => ({
  agent_uuid: 'a1',
  agent_name: 'Helper',
  agent_type: 'task',
  runtime: 'openai',
  model: 'gpt-test',
  tools: [{ type: 'builtin', name: 'lookup_order' }],
  ...extra,
});

const reply = (message: Record<string, unknown>) => ({
  id: 'c1',
  object: 'chat.completion',
  created: 1,
  model: 'gpt-test',
  choices: [{ index: 0, message: { role: 'assistant', content: null, ...message }, finish_reason: 'stop' }],
});
const callOf = (id: string, args: unknown, name = 'lookup_order') => ({
  id,
  type: 'function',
  function: { name, arguments: typeof args === 'string' ? args : JSON.stringify(args) },
});

describe('OpenAI-compatible runtime: the tool loop against a local chat completions server', () => {
  let env: TestEnv;
  let threads: ThreadStore;
  let server: TestServer | undefined;
  beforeAll(async () => {
    env = await createTestEnv();
    threads = createThreadStore(env.clients);
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function runtimeFor(handler: Handler) {
    server = await startHttpServer(handler);
    const credentials = envCredentials({ ACE_OPENAI_API_KEY: 'sk', ACE_OPENAI_BASE_URL: `${server.url}/v1` });
    return createOpenAIRuntime({ credentials, threads });
  }

  it('runs one tool call, feeds the result back with its tool_call_id, and keeps tool messages in the thread', async () => {
    const lookup = countingTool();
    const bed = createToolBed(env, { builtins: [lookup.tool] });
    const runtime = await runtimeFor((_req, res, i) =>
      sendJson(
        res,
        200,
        i === 0
          ? reply({ tool_calls: [callOf('call_a', { order_id: 'A-1' })] })
          : i === 1
            ? reply({ content: 'Order A-1 has shipped.' })
            : reply({ content: 'Still shipped.' }),
      ),
    );
    const threadUuid = newId();
    const base = { agent: agent(), threadUuid, userId: 'u', tenant: tenantA };

    const result = await runtime.run({ ...base, input: 'where is A-1?', tools: bed.context() });
    await runtime.run({ ...base, input: 'and now?', tools: bed.context() });

    expect(result.output).toBe('Order A-1 has shipped.');
    expect(lookup.calls).toEqual([{ order_id: 'A-1' }]);
    const [first, second, third] = server!.requests.map((r) => r.json as Record<string, unknown>);
    expect(first?.tools).toEqual([
      {
        type: 'function',
        function: {
          name: 'lookup_order',
          description: 'Looks up an order (lookup_order).',
          parameters: lookup.tool.parameters,
        },
      },
    ]);
    expect(second?.messages).toEqual([
      { role: 'user', content: 'where is A-1?' },
      { role: 'assistant', content: null, tool_calls: [callOf('call_a', { order_id: 'A-1' })] },
      { role: 'tool', tool_call_id: 'call_a', content: '{"order_id":"A-1","status":"shipped"}' },
    ]);
    // The later turn on the thread is a valid conversation: the call and its result precede the answer.
    expect((third!.messages as unknown[]).slice(0, 4)).toEqual([
      { role: 'user', content: 'where is A-1?' },
      { role: 'assistant', content: null, tool_calls: [callOf('call_a', { order_id: 'A-1' })] },
      { role: 'tool', tool_call_id: 'call_a', content: '{"order_id":"A-1","status":"shipped"}' },
      { role: 'assistant', content: 'Order A-1 has shipped.' },
    ]);
    expect(bed.events.map((e) => e.type)).toEqual(['tool_call', 'tool_result']);
    expect(bed.events[1]?.data).toMatchObject({ call_id: 'call_a', ok: true, tool: 'lookup_order' });
  });

  it('runs parallel tool calls concurrently and answers each by its id', async () => {
    let running = 0;
    let maxRunning = 0;
    const slow = countingTool();
    const tool = {
      ...slow.tool,
      async run(args: Record<string, unknown>, ctx: Parameters<typeof slow.tool.run>[1]) {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await new Promise((r) => setTimeout(r, 30));
        running--;
        return slow.tool.run(args, ctx);
      },
    };
    const bed = createToolBed(env, { builtins: [tool] });
    const runtime = await runtimeFor((_req, res, i) =>
      sendJson(
        res,
        200,
        i === 0
          ? reply({ tool_calls: ['A', 'B', 'C'].map((id) => callOf(`call_${id}`, { order_id: id })) })
          : reply({ content: 'all three' }),
      ),
    );
    const result = await runtime.run({
      agent: agent(),
      threadUuid: newId(),
      userId: 'u',
      input: 'x',
      tools: bed.context(),
    });

    expect(result.output).toBe('all three');
    expect(slow.calls).toHaveLength(3);
    expect(maxRunning).toBe(3);
    const messages = (server!.requests[1]!.json as { messages: { role: string; tool_call_id?: string }[] })
      .messages;
    expect(messages.filter((m) => m.role === 'tool').map((m) => m.tool_call_id)).toEqual([
      'call_A',
      'call_B',
      'call_C',
    ]);
  });

  it('sends invalid arguments back to the model as a tool error, without calling the tool', async () => {
    const lookup = countingTool();
    const bed = createToolBed(env, { builtins: [lookup.tool] });
    const runtime = await runtimeFor((_req, res, i) =>
      sendJson(
        res,
        200,
        i === 0
          ? reply({ tool_calls: [callOf('c1', { order: 7 }), callOf('c2', '{not json')] })
          : i === 1
            ? reply({ tool_calls: [callOf('c3', { order_id: 'B-2' })] })
            : reply({ content: 'fixed' }),
      ),
    );
    const result = await runtime.run({
      agent: agent(),
      threadUuid: newId(),
      userId: 'u',
      input: 'x',
      tools: bed.context(),
    });

    expect(result.output).toBe('fixed');
    expect(lookup.calls).toEqual([{ order_id: 'B-2' }]);
    const tools = (
      server!.requests[1]!.json as { messages: { role: string; content: string }[] }
    ).messages.filter((m) => m.role === 'tool');
    expect(tools[0]?.content).toMatch(/invalid arguments: .*order_id/);
    expect(tools[1]?.content).toMatch(/not a JSON object/);
  });

  it('ends a runaway loop at max_turns with a clear, non-retryable failure', async () => {
    const lookup = countingTool();
    const bed = createToolBed(env, { builtins: [lookup.tool] });
    const runtime = await runtimeFor((_req, res, i) =>
      sendJson(res, 200, reply({ tool_calls: [callOf(`loop_${i}`, { order_id: String(i) })] })),
    );
    const error = await runtime
      .run({
        agent: agent({ max_turns: 3 }),
        threadUuid: newId(),
        userId: 'u',
        input: 'x',
        tools: bed.context(),
      })
      .catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'AgentRuntimeError', retryable: false });
    expect((error as Error).message).toMatch(/max_turns \(3\)/);
    expect(server!.requests).toHaveLength(3);
    expect(lookup.calls).toHaveLength(3);
  });

  it('asks for structured output with response_format json_schema: valid, invalid then valid, never valid', async () => {
    const schema = {
      type: 'object',
      properties: { sentiment: { enum: ['positive', 'negative'] } },
      required: ['sentiment'],
      additionalProperties: false,
    };
    const answers = ['{"sentiment":"great"}', '{"sentiment":"positive"}'];
    let runtime = await runtimeFor((_req, res, i) =>
      sendJson(res, 200, reply({ content: answers[i] ?? 'nope' })),
    );
    const structured = agent({ tools: [], output_schema: schema, max_retries: 1 });

    const retried = await runtime.run({
      agent: structured,
      threadUuid: newId(),
      userId: 'u',
      input: 'rate it',
    });

    expect(retried.output).toBe('{"sentiment":"positive"}');
    expect(server!.requests[0]?.json).toMatchObject({
      response_format: { type: 'json_schema', json_schema: { name: 'output', schema } },
    });
    const feedback = (
      server!.requests[1]!.json as { messages: { role: string; content: string }[] }
    ).messages.at(-1);
    expect(feedback?.content).toMatch(/does not match the required JSON schema: \/sentiment/);

    await server?.close();
    runtime = await runtimeFor((_req, res) =>
      sendJson(res, 200, reply({ content: '{"sentiment":"positive"}' })),
    );
    const valid = await runtime.run({
      agent: structured,
      threadUuid: newId(),
      userId: 'u',
      input: 'rate it',
    });
    expect(valid.output).toBe('{"sentiment":"positive"}');
    expect(server!.requests).toHaveLength(1);

    await server?.close();
    runtime = await runtimeFor((_req, res) => sendJson(res, 200, reply({ content: 'not json at all' })));
    const never = await runtime
      .run({ agent: structured, threadUuid: newId(), userId: 'u', input: 'rate it' })
      .catch((e: unknown) => e);
    expect(never).toMatchObject({ name: 'AgentRuntimeError', retryable: false });
    expect((never as Error).message).toMatch(/still invalid after 1 retries: the answer is not valid JSON/);
    expect(server!.requests).toHaveLength(2);
  });
});
