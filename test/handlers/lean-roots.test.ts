import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateQueueCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2, SQSRecord } from 'aws-lambda';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bundleAliases,
  bundlingOptions,
  type HandlerName,
  handlerEntry,
} from '../../infra/constructs/handler-function.js';
import { createHttpHandler } from '../../src/handlers/http.js';
import { createWsHandler } from '../../src/handlers/ws.js';
import { tenantOf } from '../../src/tenant.js';
import { signToken } from '../../src/transport/auth.js';
import { createHttpEngine } from '../../src/wiring/http.js';
import { createWsEngine } from '../../src/wiring/ws.js';
import { createEngine } from '../../src/wiring.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { waitUntil } from '../support/wait.js';

/** Issue 16, part 4: each Lambda bundles only what it runs; what it leaves out fails loudly. */

/** The inputs an entry reaches through its imports (static and dynamic: one output file holds both). */
async function bundledInputs(name: HandlerName): Promise<string[]> {
  const options = bundlingOptions(true);
  const result = await build({
    entryPoints: [handlerEntry(name)],
    bundle: true,
    write: false,
    outfile: `/tmp/lean-roots-${name}.mjs`,
    platform: 'node',
    format: 'esm',
    target: options.target,
    mainFields: [...options.mainFields],
    external: [...options.externalModules],
    alias: bundleAliases(true),
    metafile: true,
    logLevel: 'error',
  });
  return Object.keys(result.metafile.inputs);
}

const AGENT_ONLY = [
  /node_modules\/openai\//,
  /node_modules\/@modelcontextprotocol\/sdk\//,
  /node_modules\/@aws-sdk\/client-bedrock-runtime\//,
  /node_modules\/@aws-sdk\/client-lambda\//,
  /src\/runtimes\/resolver\.ts$/,
  /src\/tools\/toolbox\.ts$/,
  /src\/hubs\/operation\/hub\.ts$/,
];

describe('what each handler bundles', () => {
  it.each(['ws', 'http'] as const)(
    'the %s bundle holds no agent runtime, tool runner, MCP client or Bedrock client',
    async (name) => {
      const inputs = await bundledInputs(name);
      for (const pattern of AGENT_ONLY) expect(inputs.filter((input) => pattern.test(input))).toEqual([]);
      // Still there: GraphQL and the procedure hub (sessions are started and steered from here).
      expect(inputs.some((input) => input.endsWith('src/graphql/schema/index.ts'))).toBe(true);
      expect(inputs.some((input) => input.endsWith('src/hubs/procedure/hub.ts'))).toBe(true);
    },
    60_000,
  );

  it.each(['ws', 'http', 'sqs'] as const)(
    'the %s bundle resolves credentials as Lambda gives them, without the SDK default chain',
    async (name) => {
      const inputs = await bundledInputs(name);
      expect(inputs.filter((input) => input.includes('@aws-sdk/credential-provider-node/'))).toEqual([]);
      expect(inputs.some((input) => input.endsWith('src/handlers/lambda-credentials.ts'))).toBe(true);
      // Its STS/SSO clients are gone too, but where Bedrock runs (sqs): its bearer-token provider keeps SSO OIDC.
      const nested = inputs.filter((input) => input.includes('@aws-sdk/nested-clients/dist-es/'));
      if (name === 'sqs') expect(nested.every((input) => input.includes('/sso-oidc/'))).toBe(true);
      else expect(nested).toEqual([]);
    },
    60_000,
  );

  it.each(['ws', 'http', 'sqs'] as const)(
    'the %s bundle holds one graphql, its ES module build (no CommonJS copy of the parser)',
    async (name) => {
      const inputs = await bundledInputs(name).then((all) =>
        all.filter((i) => i.includes('node_modules/graphql/')),
      );
      expect(inputs.some((input) => input.endsWith('graphql/language/parser.mjs'))).toBe(true);
      expect(inputs.filter((input) => input.endsWith('.js'))).toEqual([]);
    },
    60_000,
  );

  it('the work queue bundle holds every one of them (it runs the agents)', async () => {
    const inputs = await bundledInputs('sqs');
    for (const pattern of AGENT_ONLY) expect(inputs.some((input) => pattern.test(input))).toBe(true);
  }, 60_000);
});

/** A stand-in for API Gateway's @connections endpoint: records what the ws function posts. */
async function startConnections() {
  const posts: { connectionId: string; body: Record<string, unknown> }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const connectionId = decodeURIComponent((req.url ?? '').split('/@connections/')[1] ?? '');
      if (req.method === 'POST')
        posts.push({ connectionId, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/local`, posts, close: () => new Promise((r) => server.close(r)) };
}

const SECRET = 'lean-roots-secret-0123456789';
let env: TestEnv;
let connections: Awaited<ReturnType<typeof startConnections>>;
let queueUrl: string;
let token: string;

beforeAll(async () => {
  connections = await startConnections();
  const probe = await createTestEnv();
  const { QueueUrl } = await probe.clients.sqs.send(
    new CreateQueueCommand({ QueueName: `lean-${Math.random().toString(36).slice(2)}` }),
  );
  queueUrl = QueueUrl ?? '';
  env = await createTestEnv({
    WORK_QUEUE_URL: queueUrl,
    WS_CALLBACK_URL: connections.url,
    JWT_SECRET: SECRET,
  });
  token = await signToken(SECRET, { endpoint_id: 'lean', part_id: 'p1', sub: 'lean-user' });
});
afterAll(async () => {
  await connections?.close();
});

const DECIDE_RUN =
  'mutation { decideToolCalls(sessionUuid: "00000000000000000001", runUuid: "00000000000000000002", decisions: [{ callId: "c1", approve: true }]) { operation { status } } }';

async function receiveAll(): Promise<SQSRecord[]> {
  const out = await env.clients.sqs.send(
    new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
  );
  return (out.Messages ?? []).map((m, i) => ({
    messageId: m.MessageId ?? `m-${i}`,
    receiptHandle: m.ReceiptHandle ?? '',
    body: m.Body ?? '',
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: String(Date.now()),
      SenderId: 'test',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:lean',
    awsRegion: 'us-east-1',
  }));
}

describe('the WebSocket function', () => {
  it('answers a query inline and sends an operation that may run an agent to the queue, where the full engine answers it', async () => {
    const handle = createWsHandler(() => createWsEngine(env.config));
    const connectionId = `lean-${Math.random().toString(36).slice(2)}`;
    const context = (routeKey: string) => ({ routeKey, connectionId });
    const connected = await handle({
      requestContext: context('$connect'),
      headers: { 'Sec-WebSocket-Protocol': 'graphql-transport-ws' },
      queryStringParameters: { token },
    });
    expect(connected.statusCode).toBe(200);
    const send = (message: Record<string, unknown>) =>
      handle({ requestContext: context('$default'), body: JSON.stringify(message) });
    await send({ type: 'connection_init' });
    await send({ type: 'subscribe', id: 'ping', payload: { query: '{ ping }' } });
    await send({ type: 'subscribe', id: 'decide', payload: { query: DECIDE_RUN } });
    const mine = () => connections.posts.filter((p) => p.connectionId === connectionId).map((p) => p.body);
    expect(mine().find((m) => m.id === 'ping' && m.type === 'next')).toMatchObject({
      payload: { data: { ping: expect.stringMatching(/^pong/) } },
    });
    // Queued, not run: nothing answered yet for it.
    expect(mine().filter((m) => m.id === 'decide')).toEqual([]);
    const records = await receiveAll();
    expect(records.map((r) => JSON.parse(r.body).type)).toEqual(['graphql_operation']);

    // The work queue's function (the full engine) runs it and answers on the socket.
    const full = createEngine(env.config);
    expect((await full.handleQueueEvent({ Records: records })).batchItemFailures).toEqual([]);
    const answer = (await waitUntil(
      () => mine().find((m) => m.id === 'decide' && m.type === 'next'),
      (found) => found !== undefined,
      'the queued decision answered',
    )) as {
      payload: { errors?: { extensions?: { code?: string } }[] };
    };
    // No such run: the operation hub itself answered (not a missing-service error).
    expect(answer.payload.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  }, 30_000);
});

describe('the WebSocket function without a queue', () => {
  it('refuses an operation that runs an agent (it carries no runtime) rather than run or drop it', async () => {
    const noQueue = await createTestEnv({ WS_CALLBACK_URL: connections.url, JWT_SECRET: SECRET });
    const handle = createWsHandler(() => createWsEngine(noQueue.config));
    const connectionId = `lean-nq-${Math.random().toString(36).slice(2)}`;
    const context = (routeKey: string) => ({ routeKey, connectionId });
    await handle({ requestContext: context('$connect'), headers: {}, queryStringParameters: { token } });
    const send = (message: Record<string, unknown>) =>
      handle({ requestContext: context('$default'), body: JSON.stringify(message) });
    await send({ type: 'connection_init' });
    await send({ type: 'subscribe', id: 'decide', payload: { query: DECIDE_RUN } });
    const answer = connections.posts.find(
      (p) => p.connectionId === connectionId && p.body.id === 'decide' && p.body.type === 'next',
    )?.body as
      | { payload: { data: unknown; errors?: { message: string; extensions?: { code?: string } }[] } }
      | undefined;
    // Refused by the stand-in (a wiring error: logged, masked), not NOT_FOUND: no hub looked at the run.
    expect(answer?.payload.data).toBeNull();
    expect(answer?.payload.errors?.[0]?.message).toBe('Unexpected error.');
    expect(answer?.payload.errors?.[0]?.extensions?.code).not.toBe('NOT_FOUND');
  }, 30_000);
});

function httpEvent(query: string, variables: Record<string, unknown> = {}): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/graphql',
    rawQueryString: '',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    requestContext: {
      accountId: '000000000000',
      apiId: 'lean',
      domainName: 'localhost',
      domainPrefix: 'lean',
      http: {
        method: 'POST',
        path: '/graphql',
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'test',
      },
      requestId: 'r',
      routeKey: '$default',
      stage: '$default',
      time: '',
      timeEpoch: 0,
    },
    body: JSON.stringify({ query, variables }),
    isBase64Encoded: false,
  };
}

describe('the HTTP function', () => {
  it('refuses an operation run decision with USE_WEBSOCKET before reading anything, checks tool specs, answers queries', async () => {
    const handle = createHttpHandler(() => createHttpEngine(env.config));
    const ping = await handle(httpEvent('{ ping }'));
    expect(JSON.parse(ping.body ?? '{}')).toMatchObject({ data: { ping: expect.stringMatching(/^pong/) } });

    // The run does not exist: refused before the hub looked (NOT_FOUND would mean it ran here).
    const decided = JSON.parse((await handle(httpEvent(DECIDE_RUN))).body ?? '{}') as {
      errors: { message: string; extensions: { code: string } }[];
    };
    expect(decided.errors[0]?.extensions.code).toBe('USE_WEBSOCKET');
    expect(decided.errors[0]?.message).toContain('WebSocket');

    const refused = JSON.parse(
      (
        await handle(
          httpEvent(
            'mutation ($agents: JSON) { insertUpdateCoordination(coordinationName: "lean", agents: $agents, updatedBy: "t") { coordination { coordinationUuid } } }',
            {
              agents: [
                {
                  agent_uuid: 'a1',
                  agent_name: 'Buyer',
                  agent_type: 'task',
                  agent_instructions: 'buy',
                  tools: [{ type: 'builtin', name: 'launch_rockets' }],
                },
              ],
            },
          ),
        )
      ).body ?? '{}',
    ) as { errors: { message: string; extensions: { code: string } }[] };
    expect(refused.errors[0]?.extensions.code).toBe('BAD_USER_INPUT');
    expect(refused.errors[0]?.message).toMatch(/unknown builtin \(known: .*memory_get/);
    // Nothing written.
    expect(await env.repos.coordinations.list(tenantOf('lean', 'p1'))).toEqual([]);
  }, 30_000);
});
