// Lambda bundles: for each handler in src/handlers, bundle it with esbuild exactly as the CDK stack does
// (infra/constructs/handler-function.ts, minus the source map), then, in a fresh Node process each time,
// time importing the bundle and answering a first request against local DynamoDB/SQS/@connections servers.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import { build } from 'esbuild';
import {
  bundleAliases,
  bundlingOptions,
  HANDLER_NAMES,
  type HandlerName,
  handlerEntry,
} from '../infra/constructs/handler-function.js';
import { BUNDLE_AWS_SDK_DEFAULT } from '../infra/lib/settings.js';
import { createClients } from '../src/clients.js';
import { loadConfig } from '../src/config.js';
import { createTables } from '../src/db/create-tables.js';
import { startLocalDynamo } from '../src/local/dynamo-server.js';
import { startLocalSqs } from '../src/local/sqs-server.js';
import { signToken } from '../src/transport/auth.js';
import { formatContributors, topContributors } from './bundle-profile.js';

const RUNS = Number(process.env.BUNDLE_BENCH_RUNS ?? 5);
const GOAL_BYTES = 1024 * 1024;
const GOAL_MS = 150;
const root = fileURLToPath(new URL('../', import.meta.url));
// Inside the project (cdk.out is git-ignored) so the bundles resolve the external @aws-sdk/* from node_modules,
// as Lambda's Node.js 22 runtime provides them.
const outDir = join(root, 'cdk.out', 'bench-bundles');
const runAsync = promisify(execFile);

interface Bundle {
  readonly name: HandlerName;
  readonly file: string;
  readonly bytes: number;
  readonly gzipBytes: number;
  readonly biggest: string;
}

interface Variant {
  readonly label: string;
  readonly bundleAwsSdk: boolean;
  /** Another checkout to bundle the same handler from (a before/after comparison run side by side). */
  readonly sourceRoot?: string;
}

// BUNDLE_BENCH_BASELINE=<dir of another checkout, e.g. `git archive main | tar -x -C dir` with node_modules>
// adds that checkout's deployed variant, its runs interleaved with this one's: load moves both alike.
const BASELINE = process.env.BUNDLE_BENCH_BASELINE;
const VARIANTS: readonly Variant[] = [
  { label: 'SDK bundled', bundleAwsSdk: true },
  { label: 'SDK external', bundleAwsSdk: false },
  ...(BASELINE ? [{ label: 'baseline', bundleAwsSdk: true, sourceRoot: BASELINE }] : []),
];

async function bundle(name: HandlerName, variant: Variant): Promise<Bundle> {
  const options = bundlingOptions(variant.bundleAwsSdk);
  const file = join(
    outDir,
    variant.sourceRoot ? 'baseline' : variant.bundleAwsSdk ? 'sdk-bundled' : 'sdk-external',
    name,
    'index.mjs',
  );
  const result = await build({
    entryPoints: [
      variant.sourceRoot ? join(variant.sourceRoot, 'src', 'handlers', `${name}.ts`) : handlerEntry(name),
    ],
    outfile: file,
    bundle: true,
    platform: 'node',
    target: options.target,
    format: 'esm',
    minify: options.minify,
    mainFields: [...options.mainFields],
    banner: { js: options.banner },
    external: [...options.externalModules],
    alias: bundleAliases(variant.bundleAwsSdk, variant.sourceRoot),
    charset: options.charset,
    sourcemap: false,
    metafile: true,
    logLevel: 'warning',
  });
  const biggest = formatContributors(topContributors(result.metafile, 14));
  const contents = readFileSync(file);
  return { name, file, bytes: statSync(file).size, gzipBytes: gzipSync(contents).length, biggest };
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;

/** A stand-in for API Gateway's @connections endpoint: records what the handlers post. */
async function startConnectionsStub() {
  const posts: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      posts.push(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/local`, posts, close: () => new Promise((r) => server.close(r)) };
}

/** The first request each handler answers in real life, as API Gateway / SQS deliver it. */
function firstRequests(name: HandlerName, token: string, run: number): unknown[] {
  const connectionId = `bench-${name}-${run}`;
  const wsContext = (routeKey: string, eventType: string) => ({
    routeKey,
    eventType,
    connectionId,
    domainName: 'localhost',
    stage: 'local',
    apiId: 'bench',
    requestId: `r-${run}-${routeKey}`,
    connectedAt: Date.now(),
  });
  switch (name) {
    case 'authorizer':
      return [
        {
          type: 'REQUEST',
          methodArn: 'arn:aws:execute-api:us-east-1:000000000000:bench/local/$connect',
          headers: { 'Sec-WebSocket-Protocol': 'graphql-transport-ws' },
          queryStringParameters: { token },
          requestContext: wsContext('$connect', 'CONNECT'),
        },
      ];
    case 'ws':
      return [
        {
          requestContext: wsContext('$connect', 'CONNECT'),
          headers: { 'Sec-WebSocket-Protocol': 'graphql-transport-ws' },
          queryStringParameters: { token },
          isBase64Encoded: false,
        },
        { requestContext: wsContext('$default', 'MESSAGE'), body: '{"type":"ping"}', isBase64Encoded: false },
      ];
    case 'http':
      return [
        {
          version: '2.0',
          routeKey: 'POST /graphql',
          rawPath: '/graphql',
          rawQueryString: '',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${token}`,
            host: 'localhost',
          },
          requestContext: {
            http: {
              method: 'POST',
              path: '/graphql',
              protocol: 'HTTP/1.1',
              sourceIp: '127.0.0.1',
              userAgent: 'bench',
            },
            domainName: 'localhost',
            stage: '$default',
            requestId: `r-${run}`,
            routeKey: 'POST /graphql',
            accountId: '000000000000',
            apiId: 'bench',
            time: new Date().toISOString(),
            timeEpoch: Date.now(),
          },
          body: JSON.stringify({ query: '{ ping }' }),
          isBase64Encoded: false,
        },
      ];
    case 'sqs': {
      // A schedule firing for a schedule that does not exist: validated, looked up, skipped.
      const body = JSON.stringify({
        type: 'fire_schedule',
        v: 1,
        endpoint_id: 'bench',
        part_id: 'p1',
        task_uuid: '00000000000000000001',
        schedule_uuid: `0000000000000000000${run}`,
        scheduled_time: '2026-01-01T00:00:00Z',
      });
      return [
        {
          Records: [
            {
              messageId: `m-${run}`,
              receiptHandle: `h-${run}`,
              body,
              attributes: {
                ApproximateReceiveCount: '1',
                SentTimestamp: String(Date.now()),
                SenderId: 'bench',
                ApproximateFirstReceiveTimestamp: String(Date.now()),
              },
              messageAttributes: {},
              md5OfBody: '',
              eventSource: 'aws:sqs',
              eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:bench-work',
              awsRegion: 'us-east-1',
            },
          ],
        },
      ];
    }
  }
}

const RUNNER = `
const [bundleFile, eventsFile] = process.argv.slice(2);
const { readFileSync } = await import('node:fs');
const { pathToFileURL } = await import('node:url');
const events = JSON.parse(readFileSync(eventsFile, 'utf8'));
const context = { awsRequestId: 'bench', functionName: 'bench', functionVersion: '$LATEST', memoryLimitInMB: '1024',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:bench', logGroupName: 'bench', logStreamName: 'bench',
  callbackWaitsForEmptyEventLoop: true, getRemainingTimeInMillis: () => 30000 };
const t0 = performance.now();
const mod = await import(pathToFileURL(bundleFile).href);
const t1 = performance.now();
let result;
for (const event of events) result = await mod.handler(event, context);
const t2 = performance.now();
process.stdout.write(JSON.stringify({ importMs: t1 - t0, answerMs: t2 - t1, result }));
process.exit(0);
`;

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

function describeResult(name: HandlerName, result: unknown, pongs: number): string {
  const r = (result ?? {}) as Record<string, unknown>;
  if (name === 'authorizer') {
    const statement = (r.policyDocument as { Statement?: { Effect?: string }[] })?.Statement?.[0];
    return `policy ${statement?.Effect ?? '?'}`;
  }
  if (name === 'sqs')
    return `batchItemFailures ${(r.batchItemFailures as unknown[] | undefined)?.length ?? '?'}`;
  if (name === 'ws') return `status ${r.statusCode}, pong posted ${pongs}/${RUNS}`;
  return `status ${r.statusCode} ${String(r.body ?? '').slice(0, 40)}`;
}

export async function run(): Promise<void> {
  const present = HANDLER_NAMES.filter((name) => existsSync(handlerEntry(name)));
  const missing = HANDLER_NAMES.filter((name) => !present.includes(name));
  mkdirSync(outDir, { recursive: true });
  const runner = join(outDir, 'first-request.mjs');
  writeFileSync(runner, RUNNER);

  const dynamo = await startLocalDynamo({ backend: 'dynalite' });
  const sqs = await startLocalSqs();
  const connections = await startConnectionsStub();
  const secret = 'bench-secret-0123456789abcdef';
  const config = loadConfig({
    ACE_TABLE_PREFIX: 'bench-',
    DYNAMODB_ENDPOINT: dynamo.endpoint,
    SQS_ENDPOINT: sqs.endpoint,
    LOG_LEVEL: 'silent',
  });
  const clients = createClients(config);
  await createTables(clients.dynamo, clients.tables);
  const { QueueUrl } = await clients.sqs.send(new CreateQueueCommand({ QueueName: 'bench-work' }));
  const token = await signToken(secret, { endpoint_id: 'bench', part_id: 'p1', sub: 'bench-user' });
  const env = {
    ...process.env,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    ACE_TABLE_PREFIX: 'bench-',
    DYNAMODB_ENDPOINT: dynamo.endpoint,
    SQS_ENDPOINT: sqs.endpoint,
    WORK_QUEUE_URL: QueueUrl ?? '',
    WS_CALLBACK_URL: connections.url,
    JWT_SECRET: secret,
    LOG_LEVEL: 'silent',
    NODE_OPTIONS: '',
  };

  console.log(
    `esbuild as the CDK stack bundles (minified ESM, node22), without the source map; ${RUNS} cold runs per variant, interleaved`,
  );
  console.log(
    `node ${process.version}, load average ${loadavg()[0]?.toFixed(1)} on ${cpus().length} CPUs; deployed variant: ${
      VARIANTS.find((v) => v.bundleAwsSdk === BUNDLE_AWS_SDK_DEFAULT)?.label
    } (context bundleAwsSdk)`,
  );
  console.log(
    `goal <= ${kb(GOAL_BYTES)} and <= ${GOAL_MS} ms to import the bundle and answer a first request (median)`,
  );
  console.log(
    'handler     variant        size     gzip   import ms min/med   total ms min/med  verdict; first answer',
  );
  try {
    for (const name of present) {
      const bundles = await Promise.all(VARIANTS.map((variant) => bundle(name, variant)));
      const timings: { importMs: number; answerMs: number }[][] = VARIANTS.map(() => []);
      const last: unknown[] = [];
      const pongs = VARIANTS.map(() => 0);
      for (let i = 1; i <= RUNS; i++) {
        for (const [v, b] of bundles.entries()) {
          const eventsFile = join(dirname(b.file), `events-${i}.json`);
          writeFileSync(eventsFile, JSON.stringify(firstRequests(name, token, v * 100 + i)));
          const postsBefore = connections.posts.length;
          const { stdout } = await runAsync(process.execPath, [runner, b.file, eventsFile], {
            env,
            cwd: root,
          }).catch((error: { stderr?: string }) => {
            throw new Error(`${name} run ${i} failed: ${error.stderr ?? error}`);
          });
          const parsed = JSON.parse(stdout) as { importMs: number; answerMs: number; result: unknown };
          timings[v]?.push(parsed);
          last[v] = parsed.result;
          pongs[v] =
            (pongs[v] ?? 0) + connections.posts.slice(postsBefore).filter((p) => p.includes('"pong"')).length;
        }
      }
      for (const [v, b] of bundles.entries()) {
        const runs = timings[v] ?? [];
        const imports = runs.map((t) => t.importMs);
        const totals = runs.map((t) => t.importMs + t.answerMs);
        const verdict = b.bytes <= GOAL_BYTES && median(totals) <= GOAL_MS ? 'ok' : 'OVER GOAL';
        console.log(
          `${name.padEnd(11)} ${(VARIANTS[v]?.label ?? '').padEnd(12)} ${kb(b.bytes).padStart(8)} ${kb(
            b.gzipBytes,
          ).padStart(
            8,
          )} ${`${Math.min(...imports).toFixed(0)} / ${median(imports).toFixed(0)}`.padStart(17)} ${`${Math.min(
            ...totals,
          ).toFixed(0)} / ${median(totals).toFixed(0)}`.padStart(
            17,
          )}  ${verdict}; ${describeResult(name, last[v], pongs[v] ?? 0)}`,
        );
      }
      // The profile (esbuild metafile: bytes in the output by package, our code by src/<dir>).
      console.log(`${''.padEnd(11)} biggest inputs (${VARIANTS[0]?.label}): ${bundles[0]?.biggest}`);
    }
    for (const name of missing)
      console.log(`${name.padEnd(11)} (src/handlers/${name}.ts not present: not measured)`);
  } finally {
    clients.dynamo.destroy();
    clients.sqs.destroy();
    await connections.close();
    await sqs.close();
    await dynamo.close();
  }
}

// Allow `npx tsx bench/bundle.bench.ts` on its own as well as through bench/index.ts.
if (
  process.argv[1] &&
  dirname(fileURLToPath(import.meta.url)) === dirname(process.argv[1]) &&
  process.argv[1].endsWith('bundle.bench.ts')
) {
  await run();
  process.exit(0);
}
