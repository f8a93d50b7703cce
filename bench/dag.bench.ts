// Executor benchmark: a 100-agent random DAG of 50 ms scripted agents on dynalite.
// Prints makespan ÷ critical path and DynamoDB requests per executed agent, beside a
// sequential execution (max_parallel = 1) of the same DAG. Run: npm run bench -- dag
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
import type { Envelope, WorkQueue } from '../src/queue/port.js';
import { createScriptedRuntime } from '../src/runtimes/scripted.js';
import { tenantOf } from '../src/tenant.js';
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

/** Delivers each message at once, in process, as a fast event source would (no poll latency). */
function inProcessQueue(deliver: (m: Envelope) => Promise<void>): WorkQueue & { idle(): Promise<void> } {
  const inflight = new Set<Promise<void>>();
  return {
    async send(messages) {
      for (const message of messages) {
        const p = new Promise<void>((resolve) => setImmediate(resolve))
          .then(() => deliver(message))
          .catch((error: unknown) => console.error('delivery failed', error))
          .finally(() => inflight.delete(p));
        inflight.add(p);
      }
    },
    async idle() {
      while (inflight.size) await Promise.all([...inflight]);
    },
  };
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

async function runOnce(label: string, maxParallel?: number) {
  const dynamo = await startBenchDynamo();
  const config = loadConfig({
    DYNAMODB_ENDPOINT: dynamo.endpoint,
    ACE_TABLE_PREFIX: `bench-${label}-`,
    LOG_LEVEL: 'silent',
  });
  const clients = createClients(config);
  await createTables(clients.dynamo, clients.tables);
  const repos = createRepositories(clients);
  const runtime = createScriptedRuntime();
  let hub: ProcedureHub | undefined;
  const finish = sessionEndWatch();
  const queue = inProcessQueue((m) => (hub as ProcedureHub).handleMessage(m as unknown as ProcedureMessage));
  hub = createProcedureHub({
    doc: clients.doc,
    tables: clients.tables,
    eventLog: createEventLog({ doc: clients.doc, tables: clients.tables, publisher: finish.publisher }),
    queue,
    runtimes: { forAgent: () => runtime },
    logger: clients.logger,
  });
  const dag = randomDag(AGENTS);
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
  await queue.idle();
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
  };
}

export async function run() {
  const parallel = await runOnce('par');
  const sequential = await runOnce('seq', 1);
  const edges = randomDag(AGENTS).reduce((sum, p) => sum + p.length, 0);
  const fmt = (n: number) => n.toFixed(0);
  console.log(
    `DAG: ${AGENTS} agents, ${edges} edges, longest chain ${parallel.criticalPath / AGENT_MS} agents, ${AGENT_MS} ms each`,
  );
  for (const [name, r] of [
    ['parallel (event-driven)', parallel],
    ['sequential (max_parallel=1)', sequential],
  ] as const) {
    const stateWrites =
      (r.byTable.sessions ?? 0) + (r.byTable.session_agents ?? 0) + (r.byTable.session_runs ?? 0);
    console.log(
      `${name}: status ${r.status}, makespan ${fmt(r.makespan)} ms, critical path ${r.criticalPath} ms, ` +
        `ratio ${(r.makespan / r.criticalPath).toFixed(2)}, runtime calls ${r.calls}, max concurrent ${r.maxRunning}`,
    );
    console.log(
      `  DynamoDB writes: ${r.writes} total = ${(r.writes / AGENTS).toFixed(2)} per agent ` +
        `(state ${(stateWrites / AGENTS).toFixed(2)}: ${JSON.stringify(r.byTable)}; events ${((r.byTable.session_events ?? 0) / AGENTS).toFixed(2)}); ` +
        `per-edge decrements ${(edges / AGENTS).toFixed(2)} per agent`,
    );
  }
  console.log(`sequential ÷ parallel makespan: ${(sequential.makespan / parallel.makespan).toFixed(1)}x`);
}
