import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { withCorrelation } from '../../src/telemetry/correlation.js';
import { invokeAgentSpan } from '../../src/telemetry/genai.js';
import {
  ensureTelemetry,
  flushTelemetry,
  shutdownTelemetry,
  tracingRequested,
} from '../../src/telemetry/index.js';

/**
 * The OTLP/HTTP exporter configured by the standard variables alone: spans
 * reach a local receiver (a plain HTTP server speaking the collector's
 * endpoint), and log lines carry the correlation ids and the trace id.
 */
let receiver: Server;
const posts: { path: string; contentType: string; body: Buffer }[] = [];

beforeAll(async () => {
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      posts.push({
        path: request.url ?? '',
        contentType: String(request.headers['content-type']),
        body: Buffer.concat(chunks),
      });
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const env = {
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`,
    OTEL_SERVICE_NAME: 'ace-otlp-test',
  };
  // The SDK's exporter reads OTEL_* from the process environment.
  Object.assign(process.env, env);
  await ensureTelemetry(env);
});
afterAll(async () => {
  await shutdownTelemetry();
  await new Promise((resolve) => receiver.close(resolve));
});

describe('OTLP export and correlated logs', () => {
  it('is on only when the OTEL_* variables ask for it', () => {
    expect(tracingRequested({})).toBe(false);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' })).toBe(true);
    expect(tracingRequested({ OTEL_TRACES_EXPORTER: 'otlp' })).toBe(true);
    expect(
      tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true' }),
    ).toBe(false);
    expect(
      tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_EXPORTER: 'none' }),
    ).toBe(false);
  });

  it('posts spans to the OTLP endpoint, and logs carry correlation and trace ids', async () => {
    const lines: string[] = [];
    const logger = createLogger(
      { LOG_LEVEL: 'info' },
      new Writable({
        write(chunk, _encoding, done) {
          lines.push(String(chunk));
          done();
        },
      }),
    );
    let traceId = '';
    await withCorrelation(
      { session_uuid: 's-1', session_agent_uuid: 'sa-1', run_uuid: 'r-1', request_id: 'q-1' },
      () =>
        invokeAgentSpan({ agentName: 'Receiver', agentUuid: 'a-1', runtime: 'scripted' }, async (span) => {
          traceId = span?.spanContext().traceId ?? '';
          logger.info('inside the agent span');
        }),
    );
    logger.info('outside');
    await flushTelemetry();

    expect(posts.length).toBeGreaterThan(0);
    const post = posts.at(-1)!;
    expect(post.path).toBe('/v1/traces');
    // OTLP/HTTP with the JSON encoding (this exporter's default).
    expect(post.contentType).toContain('application/json');
    const otlp = JSON.parse(post.body.toString('utf8'));
    const resource = otlp.resourceSpans[0].resource.attributes;
    expect(resource).toContainEqual({ key: 'service.name', value: { stringValue: 'ace-otlp-test' } });
    const span = otlp.resourceSpans[0].scopeSpans[0].spans.find(
      (s: { name: string }) => s.name === 'invoke_agent Receiver',
    );
    expect(span.traceId).toBe(traceId);
    expect(span.attributes).toContainEqual({
      key: 'gen_ai.operation.name',
      value: { stringValue: 'invoke_agent' },
    });
    expect(span.attributes).toContainEqual({ key: 'gen_ai.agent.name', value: { stringValue: 'Receiver' } });

    const inside = JSON.parse(lines[0]!);
    expect(inside).toMatchObject({
      msg: 'inside the agent span',
      session_uuid: 's-1',
      session_agent_uuid: 'sa-1',
      run_uuid: 'r-1',
      request_id: 'q-1',
      trace_id: traceId,
    });
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(JSON.parse(lines[1]!)).not.toHaveProperty('session_uuid');
  });
});
