import type { Http2ServerResponse } from 'node:http2';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Agent } from '../../src/domain/coordination/model.js';
import { newId } from '../../src/ids.js';
import { createBedrockRuntime } from '../../src/runtimes/bedrock.js';
import { envCredentials } from '../../src/runtimes/credentials.js';
import { AgentRuntimeError } from '../../src/runtimes/port.js';
import { createThreadStore, type ThreadStore } from '../../src/threads/store.js';
import { createTestEnv, tenantA } from '../support/env.js';
import { encodeEvent, encodeException, type H2Handler, startH2Server } from './support/eventstream-server.js';

const MODEL = 'anthropic.claude-test-v1:0';
const agent = (extra: Record<string, unknown> = {}): Agent => ({
  agent_uuid: 'b1',
  agent_name: 'Analyst',
  agent_type: 'task',
  runtime: 'bedrock',
  model: MODEL,
  system_prompt: 'You analyse.',
  max_tokens: 256,
  ...extra,
});

function converseStream(res: Http2ServerResponse, pieces: string[], tail: Uint8Array[] = []) {
  res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-requestid': 'r1' });
  res.write(encodeEvent('messageStart', { role: 'assistant' }));
  for (const text of pieces)
    res.write(encodeEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { text } }));
  for (const frame of tail) res.write(frame);
  if (tail.length === 0) {
    res.write(encodeEvent('contentBlockStop', { contentBlockIndex: 0 }));
    res.write(encodeEvent('messageStop', { stopReason: 'end_turn' }));
    res.write(
      encodeEvent('metadata', {
        usage: { inputTokens: 3, outputTokens: 4, totalTokens: 7 },
        metrics: { latencyMs: 1 },
      }),
    );
  }
  res.end();
}

const awsError = (res: Http2ServerResponse, status: number, type: string) =>
  res
    .writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': type })
    .end(JSON.stringify({ message: `${type} from test` }));

describe('Bedrock runtime against a local ConverseStream server (HTTP/2 event stream)', () => {
  let threads: ThreadStore;
  let server: Awaited<ReturnType<typeof startH2Server>> | undefined;
  beforeAll(async () => {
    threads = createThreadStore((await createTestEnv()).clients);
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function runtimeFor(handler: H2Handler) {
    server = await startH2Server(handler);
    return createBedrockRuntime({
      credentials: envCredentials({ ACE_BEDROCK_BASE_URL: server.url, ACE_BEDROCK_REGION: 'us-west-2' }),
      threads,
      clientConfig: { credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' } },
    });
  }

  it('sends model, system prompt, history and query; streams deltas in order; keeps the thread', async () => {
    const runtime = await runtimeFor((_req, res, i) =>
      converseStream(res, i === 0 ? ['Rev', 'enue ', 'up'] : ['again']),
    );
    const threadUuid = newId();
    const chunks: string[] = [];
    const first = await runtime.run({
      agent: agent(),
      threadUuid,
      userId: 'u1',
      tenant: tenantA,
      input: 'How did Q3 go?',
      onChunk: (c) => {
        chunks.push(c);
      },
    });
    await runtime.run({ agent: agent(), threadUuid, userId: 'u1', tenant: tenantA, input: 'And Q4?' });

    expect(chunks).toEqual(['Rev', 'enue ', 'up']);
    expect(first.output).toBe('Revenue up');
    const [req1, req2] = server!.requests;
    expect(req1?.path).toBe(`/model/${encodeURIComponent(MODEL)}/converse-stream`);
    expect(String(req1?.headers.authorization)).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDTEST\/\d+\/us-west-2\/bedrock\//,
    );
    expect(req1?.json).toEqual({
      messages: [{ role: 'user', content: [{ text: 'How did Q3 go?' }] }],
      system: [{ text: 'You analyse.' }],
      inferenceConfig: { maxTokens: 256 },
    });
    expect(req2?.json).toMatchObject({
      messages: [
        { role: 'user', content: [{ text: 'How did Q3 go?' }] },
        { role: 'assistant', content: [{ text: 'Revenue up' }] },
        { role: 'user', content: [{ text: 'And Q4?' }] },
      ],
    });
  });

  it('retries throttling and server errors, then streams', async () => {
    const runtime = await runtimeFor((_req, res, i) => {
      if (i === 0) return awsError(res, 429, 'ThrottlingException');
      if (i === 1) return awsError(res, 500, 'InternalServerException');
      return converseStream(res, ['ok']);
    });
    const result = await runtime.run({
      agent: agent({ max_retries: 2 }),
      threadUuid: newId(),
      userId: 'u',
      input: 'x',
    });
    expect(result.output).toBe('ok');
    expect(server!.requests).toHaveLength(3);
  });

  it('maps a validation error to a non-retryable AgentRuntimeError without retrying', async () => {
    const runtime = await runtimeFor((_req, res) => awsError(res, 400, 'ValidationException'));
    const error = await runtime
      .run({ agent: agent({ max_retries: 2 }), threadUuid: newId(), userId: 'u', input: 'x' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AgentRuntimeError);
    expect(error).toMatchObject({ retryable: false, message: expect.stringMatching(/ValidationException/) });
    expect(server!.requests).toHaveLength(1);
  });

  it('maps an exception frame in the middle of the stream to a retryable error', async () => {
    const runtime = await runtimeFor((_req, res) =>
      converseStream(res, ['part'], [encodeException('modelStreamErrorException', 'model broke')]),
    );
    const chunks: string[] = [];
    const error = await runtime
      .run({
        agent: agent({ max_retries: 0 }),
        threadUuid: newId(),
        userId: 'u',
        input: 'x',
        onChunk: (c) => {
          chunks.push(c);
        },
      })
      .catch((e: unknown) => e);
    expect(chunks).toEqual(['part']);
    expect(error).toMatchObject({ name: 'AgentRuntimeError', retryable: true });
  });

  it('aborts a stream that outlives timeout_ms as a retryable timeout', async () => {
    const runtime = await runtimeFor((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream' });
      res.write(encodeEvent('messageStart', { role: 'assistant' }));
      // never ends
    });
    const error = await runtime
      .run({
        agent: agent({ timeout_ms: 200, max_retries: 0 }),
        threadUuid: newId(),
        userId: 'u',
        input: 'x',
      })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: 'AgentRuntimeError',
      retryable: true,
      message: expect.stringMatching(/timed out/),
    });
  });
});
