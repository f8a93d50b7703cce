// Executor benchmark: a 100-agent random DAG of 50 ms scripted agents on dynalite.
// Prints makespan ÷ critical path and DynamoDB requests per executed agent, beside a
// sequential execution (max_parallel = 1) of the same DAG, on today's bed (messages delivered in
// process); then the same DAG on two more beds (bench/dag-beds.ts): through the local SQS server and
// poller, and behind a proxy adding BENCH_DYNAMO_DELAY_MS (default 4) to every DynamoDB request.
// Per bed: round trips per hop and queue hops on the critical path, counted (bench/hop-meter.ts).
// Run: npm run bench -- dag   (BENCH_DAG_BEDS=in-process,sqs,latency chooses beds)
import { performance } from 'node:perf_hooks';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { createClients } from '../src/clients.js';
import { loadConfig } from '../src/config.js';
import { createTables } from '../src/db/create-tables.js';
import { createRepositories } from '../src/domain/repositories.js';
import { createEventLog } from '../src/events/event-log.js';
import type { EventPublisher } from '../src/events/publisher.js';
import { createProcedureHub, type ProcedureHub } from '../src/hubs/procedure/hub.js';
import { newId } from '../src/ids.js';
import type { ProcedureMessage } from '../src/queue/messages.js';
import type { WorkQueue } from '../src/queue/port.js';
import { createSqsHandler } from '../src/queue/work-queue-handler.js';
import { createScriptedRuntime } from '../src/runtimes/scripted.js';
import { tenantOf } from '../src/tenant.js';
import { type BedName, inProcessQueue, sqsBed, startBenchSqs, startLatencyProxy } from './dag-beds.js';
import { createHopMeter } from './hop-meter.js';
import { startBenchDynamo } from './local-dynamo.js';
import { profileRequests } from './profile-middleware.js';
import { countRequests } from './request-counter.js';

const AGENTS = 100;
const AGENT_MS = 50;
const tenant = tenantOf('bench', 'p1');

/** Seeded random DAG: agent i takes 1–3 predecessors among the 8 agents before it (roots: ~10%). */
export function randomDag(n: number, seed = 7): string[][] {
  let a = seed;
  const random = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return Array.from({ length: n }, (_, i) => {
    if (i === 0 || random() < 0.1) return [];
    const count = 1 + Math.floor(random() * 3);
    const preds = new Set<number>();
    for (let k = 0; k < count; k++) preds.add(Math.max(0, i - 1 - Math.floor(random() * 8)));
    return [...preds].map(String);
  });
}

function longestChain(preds: string[][]): number {
  const depth: number[] = [];
  preds.forEach((p, i) => {
    depth[i] = 1 + Math.max(0, ...p.map((x) => depth[Number(x)] ?? 0));
  });
  return Math.max(...depth);
}

/** An EventPublisher that notes when a session's final `session_status` event is recorded. */
function sessionEndWatch() {
  const waiters = new Map<string, (end: { status: string; at: number }) => void>();
  const ended = new Map<string, { status: string; at: number }>();
  const publisher: EventPublisher = {
    async publish(_tenant, events) {
      for (const e of events) {
        const status = String(e.data.status);
        if (e.type !== 'session_status' || (status !== 'completed' && status !== 'failed')) continue;
        const end = { status, at: performance.now() };
        ended.set(e.sessionUuid, end);
        waiters.get(e.sessionUuid)?.(end);
      }
    },
  };
  return {
    publisher,
    ended: (sessionUuid: string) =>
      new Promise<{ status: string; at: number }>((resolve) => {
        const end = ended.get(sessionUuid);
        if (end) resolve(end);
        else waiters.set(sessionUuid, resolve);
      }),
  };
}

const DELAY_MS = Number(process.env.BENCH_DYNAMO_DELAY_MS ?? 4);

/** A chain of n agents: one hop at a time, so a hop's round trips are counted with nothing beside them. */
const chain = (n: number): string[][] =>
  Array.from({ length: n }, (_, i) => (i === 0 ? [] : [String(i - 1)]));
const CHAIN = 12;

async function runOnce(
  label: string,
  maxParallel?: number,
  bed: BedName = 'in-process',
  dag: string[][] = randomDag(AGENTS),
) {
  const dynamo = await startBenchDynamo();
  const proxy = bed === 'latency' ? await startLatencyProxy(dynamo.endpoint, DELAY_MS) : undefined;
  const sqsServer = bed === 'sqs' ? await startBenchSqs() : undefined;
  const config = loadConfig({
    DYNAMODB_ENDPOINT: proxy?.endpoint ?? dynamo.endpoint,
    ...(sqsServer && { SQS_ENDPOINT: sqsServer.endpoint }),
    ACE_TABLE_PREFIX: `bench-${label}-`,
    LOG_LEVEL: 'silent',
  });
  const clients = createClients(config);
  await createTables(clients.dynamo, clients.tables);
  const repos = createRepositories(clients);
  const meter = createHopMeter(clients.dynamo);
  const runtime = createScriptedRuntime();
  const timed = meter.timeRuntime(runtime);
  let hub: ProcedureHub | undefined;
  const finish = sessionEndWatch();
  const local = inProcessQueue((m) => (hub as ProcedureHub).handleMessage(m as unknown as ProcedureMessage));
  const sqs = sqsServer
    ? await sqsBed(clients.sqs, sqsServer.endpoint, { batchSize: 10, concurrency: 20 })
    : undefined;
  const queue: WorkQueue = meter.countQueue(sqs?.queue ?? local);
  hub = createProcedureHub({
    doc: clients.doc,
    tables: clients.tables,
    eventLog: createEventLog({ doc: clients.doc, tables: clients.tables, publisher: finish.publisher }),
    queue,
    runtimes: { forAgent: () => timed },
    logger: clients.logger,
  });
  // The deployment's consumer (batch 10, up to 20 batches at once: infra/lib/settings.ts defaults).
  sqs?.start(createSqsHandler({ procedure: hub, logger: clients.logger }));
  const uuids = dag.map(() => newId());
  const coordination = await repos.coordinations.insert(tenant, {
    coordination_uuid: newId(),
    coordination_name: 'bench',
    agents: uuids.map((uuid, i) => ({
      agent_uuid: uuid,
      agent_name: `agent-${i}`,
      agent_type: 'task',
      script: { answer: `a${i}`, delay_ms: AGENT_MS },
    })),
    updated_by: 'bench',
  });
  const task = await repos.tasks.insert(tenant, {
    coordination_uuid: coordination.coordination_uuid,
    task_uuid: newId(),
    task_name: 'bench',
    subtask_queries: uuids.map((uuid, i) => ({ agent_uuid: uuid, subtask_query: `q${i}` })),
    agent_actions: Object.fromEntries(
      uuids.map((uuid, i) => [
        uuid,
        { predecessors: (dag[i] ?? []).map((p) => uuids[Number(p)] as string), primary_path: true },
      ]),
    ),
    ...(maxParallel && { execution_policy: { max_parallel: maxParallel } }),
    updated_by: 'bench',
  });
  const counter = countRequests(clients.dynamo);
  const profile = process.env.BENCH_PROFILE ? profileRequests(clients.dynamo) : undefined;
  const started = performance.now();
  const elu = performance.eventLoopUtilization();
  const cpu0 = process.cpuUsage();
  const serverCpu0 = dynamo.cpuSeconds?.();
  const session = await hub.executeProcedureTaskSession(tenant, {
    coordinationUuid: coordination.coordination_uuid,
    taskUuid: task.task_uuid,
  });
  // Done when the log records the session's final status (no polling: it would load dynalite).
  const { status, at } = await finish.ended(session.session_uuid);
  const makespan = at - started;
  if (profile) {
    const cpu = process.cpuUsage(cpu0);
    const serverCpu = dynamo.cpuSeconds?.();
    console.log(
      `[${label}] CPU during the run: bench process ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s` +
        (serverCpu !== undefined && serverCpu0 !== undefined
          ? `, dynalite process ${(serverCpu - serverCpu0).toFixed(2)} s`
          : ''),
    );
    console.log(
      `[${label}] bench process event loop utilisation ${(performance.eventLoopUtilization(elu).utilization * 100).toFixed(0)}%`,
    );
    console.log(`[${label}] requests by command and table:`);
    profile.print();
    const { Items = [] } = await clients.doc.send(
      new QueryCommand({
        TableName: clients.tables.sessionAgents,
        KeyConditionExpression: 'session_uuid = :s',
        ExpressionAttributeValues: { ':s': session.session_uuid },
      }),
    );
    profile.hops(
      new Map(Items.map((a) => [String(a.session_agent_uuid), (a.predecessor_uuids ?? []) as string[]])),
      AGENT_MS,
    );
  }
  await local.idle();
  const { Items: rows = [] } = await clients.doc.send(
    new QueryCommand({
      TableName: clients.tables.sessionAgents,
      KeyConditionExpression: 'session_uuid = :s',
      ExpressionAttributeValues: { ':s': session.session_uuid },
    }),
  );
  const sessionAgentOf = new Map(rows.map((r) => [String(r.agent_uuid), String(r.session_agent_uuid)]));
  const path = meter.criticalPath(
    uuids.map((uuid, i) => ({
      agentUuid: uuid,
      sessionAgentUuid: sessionAgentOf.get(uuid) ?? '',
      predecessors: (dag[i] ?? []).map((p) => uuids[Number(p)] as string),
    })),
  );
  const decrements = meter.decrements;
  meter.stop();
  await sqs?.close();
  await sqsServer?.close();
  await proxy?.close();
  const writes = counter.writes;
  const byTable = Object.fromEntries(
    [...counter.writesByTable].map(([table, n]) => [table.replace(`bench-${label}-`, ''), n]),
  );
  const reads =
    (counter.byCommand.get('QueryCommand') ?? 0) + (counter.byCommand.get('BatchGetItemCommand') ?? 0);
  await dynamo.close();
  return {
    status,
    makespan,
    criticalPath: longestChain(dag) * AGENT_MS,
    calls: runtime.stats.calls,
    maxRunning: runtime.stats.maxRunning,
    writes,
    byTable,
    reads,
    decrements,
    path,
    agents: dag.length,
  };
}

type Result = Awaited<ReturnType<typeof runOnce>>;

function report(name: string, r: Result) {
  const fmt = (n: number) => n.toFixed(0);
  const stateWrites =
    (r.byTable.sessions ?? 0) + (r.byTable.session_agents ?? 0) + (r.byTable.session_runs ?? 0);
  const events = r.byTable.session_events ?? 0;
  console.log(
    `${name}: status ${r.status}, makespan ${fmt(r.makespan)} ms, critical path ${r.criticalPath} ms, ` +
      `ratio ${(r.makespan / r.criticalPath).toFixed(2)}, runtime calls ${r.calls}, max concurrent ${r.maxRunning}`,
  );
  const per = (n: number) => (n / r.agents).toFixed(2);
  console.log(
    `  DynamoDB writes: ${r.writes} total = ${per(r.writes)} per agent: state ${per(stateWrites - r.decrements)} ` +
      `+ edge decrements ${per(r.decrements)} (counted: ${r.decrements}), event log ${per(events)}; ${JSON.stringify(r.byTable)}`,
  );
  const hops = r.path.hops;
  const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
  const median = (xs: number[]) => sorted(xs)[Math.floor(xs.length / 2)] ?? 0;
  const spread = (xs: number[]) =>
    `median ${median(xs)} (min ${sorted(xs)[0] ?? 0}, max ${sorted(xs).at(-1) ?? 0})`;
  console.log(
    `  critical path as run: ${r.path.agents} agents, ${hops.length} hops; sequential DynamoDB round trips per hop ` +
      `${spread(hops.map((h) => h.rounds))} counting every request, ${spread(hops.map((h) => h.awaitedRounds))} ` +
      `without the event-log appends nothing awaits, ${spread(hops.map((h) => h.fromResult))} of them from the ` +
      `result write on; requests per hop median ${median(hops.map((h) => h.requests))}; ` +
      `queue hops on it ${hops.filter((h) => h.queued).length} of ${hops.length}`,
  );
}

export async function run() {
  const beds = (process.env.BENCH_DAG_BEDS ?? 'in-process,sqs,latency').split(',') as BedName[];
  const edges = randomDag(AGENTS).reduce((sum, p) => sum + p.length, 0);
  const dag = randomDag(AGENTS);
  console.log(
    `DAG: ${AGENTS} agents, ${edges} edges, longest chain ${longestChain(dag)} agents, ${AGENT_MS} ms each`,
  );
  if (beds.includes('in-process')) {
    const parallel = await runOnce('par');
    report('in process, parallel (event-driven)', parallel);
    const sequential = await runOnce('seq', 1);
    report('in process, sequential (max_parallel=1)', sequential);
    console.log(`sequential ÷ parallel makespan: ${(sequential.makespan / parallel.makespan).toFixed(1)}x`);
  }
  if (beds.includes('sqs'))
    report('local SQS + poller (batch 10, 20 at once), parallel', await runOnce('sqs', undefined, 'sqs'));
  if (beds.includes('latency'))
    report(
      `DynamoDB behind a ${DELAY_MS} ms-per-request proxy, parallel`,
      await runOnce('lat', undefined, 'latency'),
    );
  // In a DAG, other agents' requests overlap a hop's and merge into its rounds: the chain counts them alone.
  console.log(`chain of ${CHAIN} agents (one hop at a time), ${AGENT_MS} ms each:`);
  for (const bed of beds)
    report(`  chain, ${bed}`, await runOnce(`ch${bed.slice(0, 3)}`, undefined, bed, chain(CHAIN)));
}
