import type { ServerResponse } from 'node:http';
import type { Http2ServerResponse } from 'node:http2';
import { afterEach, describe, expect, it } from 'vitest';
import type { Agent } from '../../src/domain/coordination/model.js';
import { createBedrockRuntime } from '../../src/runtimes/bedrock.js';
import { envCredentials } from '../../src/runtimes/credentials.js';
import { createOpenAIRuntime } from '../../src/runtimes/openai.js';
import type { ModelUsage } from '../../src/usage/model.js';
import { costOf, loadPriceTable } from '../../src/usage/prices.js';
import { encodeEvent, startH2Server } from '../runtimes/support/eventstream-server.js';
import { startHttpServer, type TestServer } from '../runtimes/support/http-server.js';
import { tenantA } from '../support/env.js';

const openaiUsage = {
  prompt_tokens: 120,
  completion_tokens: 30,
  total_tokens: 150,
  prompt_tokens_details: { cached_tokens: 100 },
  completion_tokens_details: { reasoning_tokens: 12 },
};

function answer(res: ServerResponse, body: { stream?: boolean; stream_options?: unknown }) {
  const base = { id: 'c', created: 1, model: 'gpt-4o-mini' };
  if (!body.stream) {
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        ...base,
        object: 'chat.completion',
        choices: [{ index: 0, message: { role: 'assistant', content: 'plain' }, finish_reason: 'stop' }],
        usage: openaiUsage,
      }),
    );
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  for (const content of ['str', 'eamed']) {
    res.write(
      `data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content } }] })}\n\n`,
    );
  }
  // Only when asked for: the final chunk with usage and no choices.
  if (body.stream_options) {
    res.write(
      `data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [], usage: openaiUsage })}\n\n`,
    );
  }
  res.end('data: [DONE]\n\n');
}

const agentOf = (runtime: string, model: string): Agent => ({
  agent_uuid: 'a1',
  agent_name: 'A',
  agent_type: 'task',
  runtime,
  model,
});

describe('usage reported by the runtimes, per model call', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('OpenAI-compatible: streamed (stream_options.include_usage) and not streamed', async () => {
    server = await startHttpServer((req, res) => answer(res, req.json as { stream?: boolean }));
    const runtime = createOpenAIRuntime({
      credentials: envCredentials({ ACE_OPENAI_API_KEY: 'k', ACE_OPENAI_BASE_URL: `${server.url}/v1` }),
    });
    const reported: ModelUsage[] = [];
    const base = { agent: agentOf('openai', 'gpt-4o-mini'), threadUuid: 't', userId: 'u', tenant: tenantA };
    const chunks: string[] = [];
    const streamed = await runtime.run({
      ...base,
      input: 'q',
      onChunk: (c) => void chunks.push(c),
      onUsage: (u) => void reported.push(u),
    });
    const plain = await runtime.run({ ...base, input: 'q', onUsage: (u) => void reported.push(u) });
    const expected = {
      model: 'gpt-4o-mini',
      inputTokens: 120,
      outputTokens: 30,
      cachedTokens: 100,
      reasoningTokens: 12,
      modelCalls: 1,
    };
    expect(chunks.join('')).toBe('streamed');
    expect(streamed.usage).toEqual(expected);
    expect(plain.usage).toEqual(expected);
    expect(reported).toEqual([expected, expected]);
    expect((server.requests[0]?.json as Record<string, unknown> | undefined)?.stream_options).toEqual({
      include_usage: true,
    });
    // gpt-4o-mini defaults: 20 uncached * 0.15 + 100 cached * 0.075 + 30 * 0.6 per 1M
    expect(costOf(loadPriceTable(undefined), expected)).toBeCloseTo(
      (20 * 0.15 + 100 * 0.075 + 30 * 0.6) / 1e6,
      15,
    );
  });

  it('Bedrock: the metadata event of ConverseStream, cache reads added to the input', async () => {
    const h2 = await startH2Server((_req, res: Http2ServerResponse) => {
      res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream' });
      res.write(encodeEvent('messageStart', { role: 'assistant' }));
      res.write(encodeEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'hi' } }));
      res.write(encodeEvent('contentBlockStop', { contentBlockIndex: 0 }));
      res.write(encodeEvent('messageStop', { stopReason: 'end_turn' }));
      res.write(
        encodeEvent('metadata', {
          usage: { inputTokens: 40, outputTokens: 9, totalTokens: 69, cacheReadInputTokens: 20 },
          metrics: { latencyMs: 1 },
        }),
      );
      res.end();
    });
    try {
      const runtime = createBedrockRuntime({
        credentials: envCredentials({ ACE_BEDROCK_BASE_URL: h2.url }),
        clientConfig: { credentials: { accessKeyId: 'a', secretAccessKey: 'b' } },
      });
      const result = await runtime.run({
        agent: agentOf('bedrock', 'us.amazon.nova-lite-v1:0'),
        threadUuid: 't',
        userId: 'u',
        input: 'q',
      });
      expect(result.usage).toEqual({
        model: 'us.amazon.nova-lite-v1:0',
        inputTokens: 60,
        outputTokens: 9,
        cachedTokens: 20,
        reasoningTokens: 0,
        modelCalls: 1,
      });
      // The cross-region profile prefix is priced as the model; an unknown model is null, never guessed.
      expect(costOf(loadPriceTable(undefined), result.usage!)).toBeCloseTo(
        (40 * 0.06 + 20 * 0.015 + 9 * 0.24) / 1e6,
        15,
      );
      expect(costOf(loadPriceTable(undefined), { ...result.usage!, model: 'nobody-knows' })).toBeNull();
    } finally {
      await h2.close();
    }
  });

  it('ACE_MODEL_PRICES: inline JSON over the defaults; bad values are startup errors', () => {
    const table = loadPriceTable('{"mine": {"input": 1, "output": 2}, "gpt-4o": {"input": 9, "output": 9}}');
    expect(table.mine).toEqual({ input: 1, output: 2 });
    expect(table['gpt-4o']).toEqual({ input: 9, output: 9 });
    expect(table['gpt-4o-mini']).toBeDefined();
    expect(() => loadPriceTable('{"x": {"input": -1, "output": 1}}')).toThrow(/ACE_MODEL_PRICES is invalid/);
    expect(() => loadPriceTable('{nope')).toThrow(/not valid JSON/);
    expect(() => loadPriceTable('/no/such/prices.json')).toThrow();
  });
});
