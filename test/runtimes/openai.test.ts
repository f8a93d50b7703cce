import type { ServerResponse } from 'node:http';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Agent } from '../../src/domain/coordination/model.js';
import { newId } from '../../src/ids.js';
import { envCredentials } from '../../src/runtimes/credentials.js';
import { createOpenAIRuntime } from '../../src/runtimes/openai.js';
import { AgentRuntimeError } from '../../src/runtimes/port.js';
import { createThreadStore, type ThreadStore } from '../../src/threads/store.js';
import { createTestEnv, tenantA } from '../support/env.js';
import { type Handler, sendJson, startHttpServer, type TestServer } from './support/http-server.js';

const agent = (extra: Record<string, unknown> = {}): Agent => ({
  agent_uuid: 'a1',
  agent_name: 'Helper',
  agent_type: 'task',
  runtime: 'openai',
  model: 'gpt-test',
  system_prompt: 'Be brief.',
  ...extra,
});

const completion = (content: string) => ({
  id: 'c1',
  object: 'chat.completion',
  created: 1,
  model: 'gpt-test',
  choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
});

function sse(res: ServerResponse, pieces: string[]) {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  for (const piece of pieces) {
    const chunk = { id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-test' };
    res.write(
      `data: ${JSON.stringify({ ...chunk, choices: [{ index: 0, delta: { content: piece } }] })}\n\n`,
    );
  }
  res.end('data: [DONE]\n\n');
}

describe('OpenAI-compatible runtime against a local chat completions server', () => {
  let threads: ThreadStore;
  let server: TestServer | undefined;
  beforeAll(async () => {
    const env = await createTestEnv();
    threads = createThreadStore(env.clients);
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function runtimeFor(handler: Handler) {
    server = await startHttpServer(handler);
    const credentials = envCredentials({
      ACE_OPENAI_API_KEY: 'sk-test',
      ACE_OPENAI_BASE_URL: `${server.url}/v1`,
    });
    return createOpenAIRuntime({ credentials, threads });
  }

  it('sends model, system prompt, thread history and the query; keeps the exchange in the thread', async () => {
    const runtime = await runtimeFor((_req, res, i) => sendJson(res, 200, completion(`answer ${i + 1}`)));
    const threadUuid = newId();
    const base = { agent: agent(), threadUuid, userId: 'u1', tenant: tenantA };

    const first = await runtime.run({ ...base, input: 'first question' });
    const second = await runtime.run({ ...base, input: 'second question' });

    expect(first).toEqual({ output: 'answer 1', threadUuid });
    expect(second.output).toBe('answer 2');
    const [req1, req2] = server!.requests;
    expect(req1?.url).toBe('/v1/chat/completions');
    expect(req1?.headers.authorization).toBe('Bearer sk-test');
    expect(req1?.json).toMatchObject({
      model: 'gpt-test',
      stream: false,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'first question' },
      ],
    });
    expect(req2?.json).toMatchObject({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'first question' },
        { role: 'assistant', content: 'answer 1' },
        { role: 'user', content: 'second question' },
      ],
    });
    expect(await threads.history(tenantA, threadUuid)).toHaveLength(4);
  });

  it('streams SSE chunks in order; the chunks joined equal the output', async () => {
    const runtime = await runtimeFor((_req, res) => sse(res, ['Hel', 'lo, ', 'wor', 'ld']));
    const chunks: string[] = [];
    const result = await runtime.run({
      agent: agent(),
      threadUuid: newId(),
      userId: 'u1',
      input: 'hi',
      onChunk: (chunk) => {
        chunks.push(chunk);
      },
    });
    expect(chunks).toEqual(['Hel', 'lo, ', 'wor', 'ld']);
    expect(result.output).toBe(chunks.join(''));
    expect(server!.requests[0]?.json).toMatchObject({ stream: true, model: 'gpt-test' });
  });

  it('retries 429 and 500 answers with backoff, then succeeds', async () => {
    const runtime = await runtimeFor((_req, res, i) => {
      if (i === 0) return sendJson(res, 429, { error: { message: 'slow down' } }, { 'retry-after-ms': '5' });
      if (i === 1) return sendJson(res, 500, { error: { message: 'boom' } }, { 'retry-after-ms': '5' });
      return sse(res, ['ok']);
    });
    const result = await runtime.run({
      agent: agent({ max_retries: 3 }),
      threadUuid: newId(),
      userId: 'u1',
      input: 'hi',
      onChunk: () => undefined,
    });
    expect(result.output).toBe('ok');
    expect(server!.requests).toHaveLength(3);
  });

  it('gives up after max_retries on 5xx with a retryable AgentRuntimeError', async () => {
    const runtime = await runtimeFor((_req, res) =>
      sendJson(res, 503, { error: { message: 'down' } }, { 'retry-after-ms': '1' }),
    );
    const error = await runtime
      .run({ agent: agent({ max_retries: 2 }), threadUuid: newId(), userId: 'u1', input: 'hi' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AgentRuntimeError);
    expect(error).toMatchObject({ retryable: true });
    expect(server!.requests).toHaveLength(3);
  });

  it('does not retry a 400 and reports it as not retryable', async () => {
    const runtime = await runtimeFor((_req, res) => sendJson(res, 400, { error: { message: 'bad model' } }));
    const error = await runtime
      .run({ agent: agent({ max_retries: 3 }), threadUuid: newId(), userId: 'u1', input: 'hi' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'AgentRuntimeError', retryable: false });
    expect(server!.requests).toHaveLength(1);
  });

  it('times out a slow server per timeout_ms as a retryable error', async () => {
    const runtime = await runtimeFor(async (_req, res) => {
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      if (!res.destroyed) sendJson(res, 200, completion('late'));
    });
    const error = await runtime
      .run({
        agent: agent({ timeout_ms: 150, max_retries: 0 }),
        threadUuid: newId(),
        userId: 'u1',
        input: 'hi',
      })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'AgentRuntimeError', retryable: true });
    expect(String((error as Error).message)).toMatch(/timed out/);
  });

  it('refuses an agent whose credential profile is not configured', async () => {
    const runtime = createOpenAIRuntime({ credentials: envCredentials({}) });
    await expect(
      runtime.run({ agent: agent({ credentials: 'azure' }), threadUuid: 't', userId: 'u', input: 'x' }),
    ).rejects.toMatchObject({ retryable: false, message: expect.stringMatching(/azure/) });
  });
});
