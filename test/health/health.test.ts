import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createHttpHandler } from '../../src/handlers/http.js';
import { dynamoCheck, queueCheck, runtimeEndpointChecks } from '../../src/health/checks.js';
import { DetailedHealthSchema, detailedHealth } from '../../src/health/health.js';
import type { LocalStack } from '../../src/local/stack.js';
import { createEngine } from '../../src/wiring.js';
import { createTestEnv } from '../support/env.js';
import { startTestStack } from '../transport/support.js';

/**
 * GET /health and /health/detailed on the local stack and through the HTTP
 * Lambda handler, with each component up and then down: DynamoDB or the
 * queue down is `unhealthy` (503), a runtime endpoint down is `degraded`.
 */
let stack: LocalStack;
let modelServer: Server;
let modelUrl: string;
/** A port nothing listens on: a component that is down. */
let closedUrl: string;

beforeAll(async () => {
  stack = await startTestStack();
  modelServer = createServer((_req, res) => res.writeHead(401).end('no key'));
  await new Promise<void>((resolve) => modelServer.listen(0, '127.0.0.1', resolve));
  modelUrl = `http://127.0.0.1:${(modelServer.address() as AddressInfo).port}/v1`;
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  closedUrl = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
  await new Promise((resolve) => probe.close(resolve));
});
afterAll(async () => {
  await stack?.close();
  await new Promise((resolve) => modelServer?.close(resolve));
});

const origin = () => stack.httpUrl.replace(/\/graphql$/, '');

describe('health on the local stack', () => {
  it('answers /health with liveness, version and uptime, no token needed', async () => {
    const response = await fetch(`${origin()}/health`);
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toMatchObject({ status: 'ok', ok: true, version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    expect(body.uptimeSeconds).toBeGreaterThanOrEqual(0);
  });

  it('answers /health/detailed healthy with DynamoDB and the queue up, with response times', async () => {
    const response = await fetch(`${origin()}/health/detailed`);
    expect(response.status).toBe(200);
    const body = DetailedHealthSchema.parse(await response.json());
    expect(body.status).toBe('healthy');
    expect(body.components.map((c) => [c.name, c.status])).toEqual([
      ['dynamodb', 'up'],
      ['work-queue', 'up'],
    ]);
    for (const c of body.components) expect(c.latencyMs).toBeGreaterThanOrEqual(0);
  });
});

describe('health with a component down', () => {
  it('is degraded when a runtime endpoint is unreachable, healthy when it answers (any status)', async () => {
    const env = await createTestEnv();
    const engine = createEngine(env.config);
    const up = runtimeEndpointChecks({ ACE_OPENAI_BASE_URL: modelUrl });
    const down = runtimeEndpointChecks({
      ACE_OPENAI_AZURE_BASE_URL: closedUrl,
      ACE_OPENAI_BASE_URL: modelUrl,
    });
    expect(down.map((c) => c.name)).toEqual(['runtime:openai:azure', 'runtime:openai:default']);

    const healthy = await detailedHealth([dynamoCheck(engine.clients), ...up]);
    expect(healthy.status).toBe('healthy');
    expect(healthy.components[1]).toMatchObject({ status: 'up', details: { httpStatus: 401 } });

    const degraded = await detailedHealth([dynamoCheck(engine.clients), ...down]);
    expect(degraded.status).toBe('degraded');
    expect(degraded.components.find((c) => c.name === 'runtime:openai:azure')).toMatchObject({
      status: 'down',
      critical: false,
      error: expect.any(String),
    });
  });

  it('is unhealthy (503 from the HTTP Lambda handler) when DynamoDB and the queue are down', async () => {
    const engine = createEngine(
      loadConfig({
        DYNAMODB_ENDPOINT: closedUrl,
        SQS_ENDPOINT: closedUrl,
        WORK_QUEUE_URL: `${closedUrl}/000000000000/gone`,
        LOG_LEVEL: 'silent',
      }),
    );
    const handle = createHttpHandler(() => engine);
    const event = (rawPath: string) =>
      ({
        rawPath,
        rawQueryString: '',
        headers: {},
        requestContext: { domainName: 'api.example', http: { method: 'GET' } },
        isBase64Encoded: false,
      }) as unknown as APIGatewayProxyEventV2;

    const live = await handle(event('/health'));
    expect(live.statusCode).toBe(200);
    expect(JSON.parse(live.body ?? '{}').status).toBe('ok');

    const detailed = await handle(event('/health/detailed'));
    expect(detailed.statusCode).toBe(503);
    const body = DetailedHealthSchema.parse(JSON.parse(detailed.body ?? '{}'));
    expect(body.status).toBe('unhealthy');
    expect(body.components.map((c) => [c.name, c.status])).toEqual([
      ['dynamodb', 'down'],
      ['work-queue', 'down'],
    ]);
    expect(body.components.every((c) => c.error && !c.error.includes('\n    at '))).toBe(true);
  });

  it('checks one queue without the other: the DLQ may be optional', async () => {
    const env = await createTestEnv();
    const engine = createEngine(env.config);
    const report = await detailedHealth([
      queueCheck(engine.clients, 'dlq', `${closedUrl}/000000000000/x`, false),
    ]);
    expect(report.status).toBe('degraded');
  });
});
