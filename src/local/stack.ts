import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Logger } from 'pino';
import { createLogger } from '../clients.js';
import { loadConfig } from '../config.js';
import { createTables } from '../db/create-tables.js';
import { createWsHandler } from '../handlers/ws.js';
import { createHttpRoutes } from '../http/routes.js';
import { startSqsPoller } from '../queue/poller.js';
import { createWorkQueues } from '../queue/setup.js';
import { createLocalScheduler } from '../schedules/local-scheduler.js';
import { withCorrelation } from '../telemetry/correlation.js';
import { ensureTelemetry } from '../telemetry/index.js';
import { type Tenant, tenantOf } from '../tenant.js';
import { signToken } from '../transport/auth.js';
import { createEngine, type Engine } from '../wiring.js';
import { DEMO_TOOLS_PATH, handleDemoTool } from './demo-tools.js';
import { startLocalDynamo } from './dynamo-server.js';
import { createLocalGateway } from './gateway.js';
import { toFetchRequest, writeFetchResponse } from './http-bridge.js';
import { startLocalS3 } from './s3-server.js';
import { seedDemo } from './seed.js';
import { startLocalSqs } from './sqs-server.js';
import { startLocalSweeper } from './sweeper.js';

export const LOCAL_STAGE = 'local';
export const DEMO_TENANT = { endpoint_id: 'demo', part_id: 'local' } as const;

export interface LocalStackOptions {
  readonly port?: number;
  readonly host?: string;
  /** Persist DynamoDB data in this directory (dynalite on disk); in memory when absent. */
  readonly dataDir?: string;
  /** An already running DynamoDB-compatible endpoint (tests share one); started here when absent. */
  readonly dynamoEndpoint?: string;
  /** An already running SQS-compatible endpoint (tests share one); local-aws-sqs is started when absent. */
  readonly sqsEndpoint?: string;
  /** An already running S3-compatible endpoint and its bucket (tests share one); s3rver is started when absent. */
  readonly s3?: { readonly endpoint: string; readonly bucket: string };
  /** Name of the work queue (its DLQ is `<name>-dlq`). */
  readonly queueName?: string;
  readonly tablePrefix?: string;
  readonly logLevel?: string;
  /** HS256 secret for tokens; generated when absent. */
  readonly jwtSecret?: string;
  /** Extra environment (e.g. DEV_TENANT). */
  readonly env?: Record<string, string>;
  /** Seed the demo coordinations and task for the demo tenant (npm start does). */
  readonly seed?: boolean;
  /** Agent runtimes (tests point them at local model servers); the built-in adapters by default. */
  readonly runtimes?: import('../runtimes/port.js').RuntimeResolver;
  /** A metrics sink (tests record EMF lines); from ACE_METRICS (default off) when absent. */
  readonly metrics?: import('../telemetry/metrics.js').Metrics;
  /** How often the local sweeper resumes stuck sessions (default 15 s, or ACE_SWEEP_INTERVAL_MS). */
  readonly sweepIntervalMs?: number;
}

export interface LocalStack {
  readonly httpUrl: string;
  readonly wsUrl: string;
  /** The management endpoint the real ApiGatewayManagementApiClient posts to. */
  readonly callbackUrl: string;
  /** The session page. */
  readonly uiUrl: string;
  /** The tenant of the default dev token (demo#local). */
  readonly demoTenant: Tenant;
  readonly engine: Engine;
  readonly jwtSecret: string;
  /** Signs a token for a tenant/user with the stack's secret. */
  token(
    claims?: { endpoint_id: string; part_id: string; sub: string; roles?: readonly string[] },
    expiresIn?: string | number,
  ): Promise<string>;
  close(): Promise<void>;
}

/**
 * The embedded stack: a local DynamoDB (dynalite), the tables, one HTTP
 * server with GraphQL (+ GraphiQL) on /graphql, the WebSocket endpoint on
 * /graphql and /ws played as API Gateway, and its @connections endpoint.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const logger: Logger = createLogger({ LOG_LEVEL: (options.logLevel ?? 'info') as 'info' });
  const dynamo = options.dynamoEndpoint
    ? undefined
    : await startLocalDynamo(options.dataDir ? { path: options.dataDir } : {});
  const dynamoEndpoint = options.dynamoEndpoint ?? dynamo!.endpoint;
  const sqsServer = options.sqsEndpoint ? undefined : await startLocalSqs();
  const sqsEndpoint = options.sqsEndpoint ?? sqsServer!.endpoint;
  // Large payloads (over ACE_PAYLOAD_INLINE_MAX_BYTES) go to a local S3, as they go to the bucket on AWS.
  const s3Server = options.s3
    ? undefined
    : await startLocalS3(options.dataDir ? { directory: `${options.dataDir}/s3` } : {});
  const s3 = options.s3 ?? (s3Server as { endpoint: string; bucket: string });
  const queueSqs = new SQSClient({
    region: 'us-east-1',
    endpoint: sqsEndpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const queues = await createWorkQueues(
    queueSqs,
    options.queueName ?? `${options.tablePrefix ?? 'ace-'}work`,
    {
      maxReceiveCount: 5,
    },
  );
  const jwtSecret = options.jwtSecret ?? randomBytes(32).toString('base64url');

  let route:
    | ((request: import('node:http').IncomingMessage, response: import('node:http').ServerResponse) => void)
    | undefined;
  const server: Server = createServer((request, response) => {
    if (route) route(request, response);
    else response.writeHead(503).end('starting');
  });
  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve),
  );
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;

  const config = loadConfig({
    AWS_REGION: 'us-east-1',
    ACE_TABLE_PREFIX: options.tablePrefix ?? 'ace-',
    DYNAMODB_ENDPOINT: dynamoEndpoint,
    SQS_ENDPOINT: sqsEndpoint,
    S3_ENDPOINT: s3.endpoint,
    ACE_PAYLOAD_BUCKET: s3.bucket,
    WORK_QUEUE_URL: queues.queueUrl,
    WS_CALLBACK_URL: `${origin}/${LOCAL_STAGE}`,
    JWT_SECRET: jwtSecret,
    LOG_LEVEL: options.logLevel ?? 'info',
    // Tokens without roles (the banner's dev token, the demo) may do everything locally.
    ACE_DEFAULT_ROLES: 'admin',
    ...options.env,
    // The demo's http tools are served here: the operator (this process) allows its own origin.
    ACE_TOOL_ALLOWED_HOSTS: [options.env?.ACE_TOOL_ALLOWED_HOSTS, origin].filter(Boolean).join(','),
  });
  const token: LocalStack['token'] = (claims = { ...DEMO_TENANT, sub: 'demo-user' }, expiresIn = '12h') =>
    signToken(jwtSecret, claims, { expiresIn });
  const devToken = await token();
  // Tracing when OTEL_* asks for it (tests start it themselves with an in-memory exporter).
  await ensureTelemetry({ ...process.env, ...options.env });
  const uiDir = await ensureUiBuilt();
  const engine = createEngine(config, {
    // GraphiQL with every script and style inline from node_modules: it renders offline.
    renderGraphiQL: (await import('@graphql-yoga/render-graphiql')).renderGraphiQL as never,
    logger,
    ...(options.runtimes && { runtimes: options.runtimes }),
    ...(options.metrics && { metrics: options.metrics }),
    graphiql: {
      title: 'AI Coordination Engine (local)',
      headers: JSON.stringify({ Authorization: `Bearer ${devToken}` }),
    },
  });
  await createTables(engine.clients.dynamo, engine.clients.tables);
  const demoTenant = tenantOf(DEMO_TENANT.endpoint_id, DEMO_TENANT.part_id);
  if (options.seed) await seedDemo(engine.repos, demoTenant, origin);

  // Lambda's event source mappings and EventBridge Scheduler, played in-process.
  const pollers = [
    startSqsPoller({
      sqs: engine.clients.sqs,
      queueUrl: queues.queueUrl,
      handler: engine.handleQueueEvent,
      logger,
    }),
    startSqsPoller({
      sqs: engine.clients.sqs,
      queueUrl: queues.dlqUrl,
      handler: engine.handleDeadLetters,
      logger,
    }),
  ];
  const scheduler = createLocalScheduler({
    doc: engine.clients.doc,
    tables: engine.clients.tables,
    fire: engine.fireSchedule,
    logger,
  });
  scheduler.start();
  const sweeper = startLocalSweeper({
    sweep: (sweepOptions) => engine.procedure.sweep(sweepOptions),
    intervalMs: options.sweepIntervalMs ?? Number(process.env.ACE_SWEEP_INTERVAL_MS ?? 15_000),
    logger,
  });

  const gateway = createLocalGateway(server, {
    stage: LOCAL_STAGE,
    paths: ['/graphql', '/ws'],
    handler: createWsHandler(() => engine),
    logger,
  });
  const httpRoutes = createHttpRoutes(engine, {
    uiDir,
    uiConfig: () => ({ graphqlUrl: '/graphql', devTokenUrl: '/dev-token' }),
    healthExtra: {
      ok: true,
      graphql: `${origin}/graphql`,
      ws: `ws://127.0.0.1:${port}/graphql`,
      ui: `${origin}/ui/`,
    },
  });
  const ownPath = (path: string) =>
    path === '/graphql' ||
    path === '/health' ||
    path === '/health/detailed' ||
    path === '/ui' ||
    path.startsWith('/ui/');
  route = (request, response) => {
    const requestId = String(request.headers['x-request-id'] ?? randomUUID());
    void withCorrelation({ request_id: requestId }, async () => {
      try {
        if (await gateway.onConnectionsRequest(request, response)) return;
        const url = new URL(request.url ?? '/', origin);
        if (ownPath(url.pathname)) {
          await writeFetchResponse(await httpRoutes(await toFetchRequest(request, origin)), response);
          return;
        }
        if (url.pathname.startsWith(DEMO_TOOLS_PATH) && request.method === 'POST') {
          await handleDemoTool(request, response);
          return;
        }
        if (url.pathname === '/dev-token' && request.method === 'GET') {
          // Local only: a token for the demo tenant, so the README's example needs no copy-paste of it.
          response.writeHead(200, { 'content-type': 'text/plain' });
          response.end(await token());
          return;
        }
        if (url.pathname === '/') {
          response.writeHead(200, { 'content-type': 'application/json' });
          response.end(
            JSON.stringify({ ok: true, graphql: `${origin}/graphql`, ws: `ws://127.0.0.1:${port}/graphql` }),
          );
          return;
        }
        response.writeHead(404).end('Not Found');
      } catch (error) {
        logger.error({ err: error }, 'local http request failed');
        if (!response.headersSent) response.writeHead(500);
        response.end();
      }
    });
  };

  return {
    httpUrl: `${origin}/graphql`,
    wsUrl: `ws://127.0.0.1:${port}/graphql`,
    callbackUrl: `${origin}/${LOCAL_STAGE}`,
    uiUrl: `${origin}/ui/`,
    demoTenant,
    engine,
    jwtSecret,
    token,
    async close() {
      await scheduler.stop();
      await sweeper.stop();
      await Promise.all(pollers.map((p) => p.stop()));
      await gateway.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await sqsServer?.close();
      await s3Server?.close();
      await dynamo?.close();
    },
  };
}

/**
 * The session page's built files: `npm ci` builds them (the prepare script);
 * where that did not run (an install with --ignore-scripts), they are built here.
 */
async function ensureUiBuilt(): Promise<string> {
  const { buildUi, DEFAULT_UI_OUT } = await import('../../ui/build.js');
  if (!existsSync(`${DEFAULT_UI_OUT}/index.html`)) await buildUi(DEFAULT_UI_OUT);
  return DEFAULT_UI_OUT;
}
