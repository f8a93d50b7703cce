// Load figures (issue 16, part 6): the local stack (`npm start`'s, dynalite in a child process, the local
// SQS server and poller) under LOAD_CLIENTS concurrent clients (default 20), each sending
// LOAD_REQUESTS operations one after another (default 25), per scenario:
//   executeProcedureTaskSession over HTTP (LOAD_SESSIONS per client, default 3; their agents then run from
//   the queue, and the other scenarios wait until it is empty),
//   a read query and a nested list over HTTP, a graphql-ws query round trip on an open connection;
// p50/p95/p99 and throughput against the Python engine's targets, then the GraphQL-layer ratio:
// `coordination(...)` through yoga in process ÷ a raw GetCommand of the same item, interleaved.
// Run: npm run bench -- load
import { performance } from 'node:perf_hooks';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { DEMO } from '../src/local/seed.js';
import { startLocalStack } from '../src/local/stack.js';
import { startBenchDynamo } from './local-dynamo.js';

const CLIENTS = Number(process.env.LOAD_CLIENTS ?? 20);
const REQUESTS = Number(process.env.LOAD_REQUESTS ?? 25);
/** Sessions started per client (each then runs the demo task's agents from the queue). */
const SESSIONS = Number(process.env.LOAD_SESSIONS ?? 3);
const RATIO_ROUNDS = Number(process.env.LOAD_RATIO_ROUNDS ?? 300);

const READ = `{ coordination(coordinationUuid: "${DEMO.coordinationUuid}") { coordinationName } }`;
const LIST =
  '{ sessionList(limit: 20) { sessionList { sessionUuid status coordination { coordinationName } task { taskName } } } }';
const EXECUTE = `mutation { executeProcedureTaskSession(coordinationUuid: "${DEMO.coordinationUuid}", taskUuid: "${DEMO.taskUuid}") { procedureTaskSession { sessionUuid } } }`;

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;

/** CLIENTS workers, each running `op` REQUESTS times in a row; every latency kept. */
async function underLoad(op: (client: number) => Promise<void>, requests = REQUESTS) {
  const latencies: number[] = [];
  let failures = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, client) => {
      for (let i = 0; i < requests; i++) {
        const t0 = performance.now();
        try {
          await op(client);
          latencies.push(performance.now() - t0);
        } catch (error) {
          failures++;
          if (failures === 1) console.error(`  first failure: ${(error as Error).message}`);
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const sorted = latencies.sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    perSecond: sorted.length / seconds,
    failures,
  };
}

function print(name: string, r: Awaited<ReturnType<typeof underLoad>>, goalMs?: number) {
  const verdict =
    goalMs === undefined
      ? ''
      : r.p95 < goalMs
        ? `  (goal p95 < ${goalMs} ms: met)`
        : `  (goal p95 < ${goalMs} ms: MISSED)`;
  console.log(
    `${name.padEnd(34)} p50 ${r.p50.toFixed(1).padStart(7)} ms  p95 ${r.p95.toFixed(1).padStart(7)} ms  p99 ${r.p99
      .toFixed(1)
      .padStart(7)} ms  ${r.perSecond.toFixed(0).padStart(5)} ops/s  failures ${r.failures}${verdict}`,
  );
}

/** Until the work queue is empty twice in a row: the sessions started have run (their load is over). */
async function queueDrained(stack: Awaited<ReturnType<typeof startLocalStack>>) {
  const { sqs } = stack.engine.clients;
  const deadline = Date.now() + 180_000;
  let quiet = 0;
  while (quiet < 2 && Date.now() < deadline) {
    const { Attributes = {} } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: stack.engine.config.WORK_QUEUE_URL,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    const waiting =
      Number(Attributes.ApproximateNumberOfMessages ?? 0) +
      Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0);
    quiet = waiting === 0 ? quiet + 1 : 0;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export async function run(): Promise<void> {
  const dynamo = await startBenchDynamo();
  const stack = await startLocalStack({
    port: 0,
    dynamoEndpoint: dynamo.endpoint,
    tablePrefix: 'load-',
    logLevel: 'silent',
    seed: true,
  });
  const token = await stack.token();
  const graphql = async (query: string) => {
    const response = await fetch(stack.httpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query }),
    });
    const body = (await response.json()) as { errors?: { message: string }[] };
    if (!response.ok || body.errors) throw new Error(JSON.stringify(body.errors ?? response.status));
  };
  console.log(
    `${CLIENTS} concurrent clients x ${REQUESTS} operations each, per scenario; local stack, dynalite in a child process`,
  );
  try {
    print('executeProcedureTaskSession (HTTP)', await underLoad(() => graphql(EXECUTE), SESSIONS), 500);
    // The sessions started above run their agents from the queue: measured reads wait for them to end.
    const drainStart = performance.now();
    await queueDrained(stack);
    console.log(
      `  (the ${CLIENTS * SESSIONS} sessions ran from the queue in ${((performance.now() - drainStart) / 1000).toFixed(1)} s more)`,
    );
    print('read query coordination (HTTP)', await underLoad(() => graphql(READ)), 300);
    print('nested list sessionList (HTTP)', await underLoad(() => graphql(LIST)), 300);

    const sockets = Array.from({ length: CLIENTS }, () =>
      createClient({
        url: `${stack.wsUrl}?token=${encodeURIComponent(token)}`,
        webSocketImpl: WebSocket,
        retryAttempts: 0,
      }),
    );
    const wsQuery = (client: number) =>
      new Promise<void>((resolve, reject) => {
        let ok = false;
        sockets[client]?.subscribe(
          { query: READ },
          {
            next: (v) => (ok = !v.errors),
            error: reject,
            complete: () => (ok ? resolve() : reject(new Error('errors'))),
          },
        );
      });
    await Promise.all(sockets.map((_, i) => wsQuery(i))); // connect and acknowledge first
    print('graphql-ws query round trip', await underLoad(wsQuery), 100);
    await Promise.all(sockets.map((s) => s.dispose()));

    // The GraphQL layer alone: the same item through yoga in process and through a raw GetCommand.
    const { engine } = stack;
    const context = engine.httpContext({
      tenant: { endpointId: 'demo', partId: 'local', partitionKey: 'demo#local' },
      userId: 'demo-user',
    });
    const viaYoga = async () => {
      const r = await engine.yoga.fetch(
        'http://yoga/graphql',
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: READ }),
        },
        context,
      );
      await r.text();
    };
    const raw = () =>
      engine.clients.doc.send(
        new GetCommand({
          TableName: engine.clients.tables.coordinations,
          Key: { partition_key: 'demo#local', coordination_uuid: DEMO.coordinationUuid },
        }),
      );
    const yogaMs: number[] = [];
    const rawMs: number[] = [];
    for (let i = 0; i < RATIO_ROUNDS + 20; i++) {
      for (const [fn, into] of [
        [viaYoga, yogaMs],
        [raw, rawMs],
      ] as const) {
        const t0 = performance.now();
        await fn();
        if (i >= 20) into.push(performance.now() - t0);
      }
    }
    const med = (xs: number[]) =>
      percentile(
        [...xs].sort((a, b) => a - b),
        50,
      );
    console.log(
      `GraphQL layer: coordination(...) in process ${med(yogaMs).toFixed(2)} ms ÷ raw GetCommand ${med(
        rawMs,
      ).toFixed(
        2,
      )} ms = ${(med(yogaMs) / med(rawMs)).toFixed(2)} (goal <= 1.3; median of ${RATIO_ROUNDS} interleaved, after 20 warm-up)`,
    );
  } finally {
    await stack.close();
    await dynamo.close();
  }
}
