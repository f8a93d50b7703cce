import { randomBytes } from 'node:crypto';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createLogger } from '../../src/clients.js';
import { createEventLog, type EventLog } from '../../src/events/event-log.js';
import type { Governance } from '../../src/governance/governance.js';
import type { ActionRegistry } from '../../src/hubs/procedure/actions.js';
import type { Clock } from '../../src/hubs/procedure/context.js';
import { type Faults, InjectedCrash } from '../../src/hubs/procedure/faults.js';
import {
  createProcedureHub,
  type ProcedureHub,
  type ProcedureHubDeps,
} from '../../src/hubs/procedure/hub.js';
import type { ResolvedPolicy } from '../../src/hubs/procedure/policy.js';
import { newId } from '../../src/ids.js';
import { type SqsPoller, startSqsPoller } from '../../src/queue/poller.js';
import {
  createRecordingQueue,
  createSqsWorkQueue,
  type Envelope,
  type WorkQueue,
} from '../../src/queue/port.js';
import { createWorkQueues } from '../../src/queue/setup.js';
import { createSqsHandler } from '../../src/queue/work-queue-handler.js';
import type { RuntimeResolver } from '../../src/runtimes/port.js';
import { createScriptedRuntime, type ScriptedRuntime } from '../../src/runtimes/scripted.js';
import type { Tenant } from '../../src/tenant.js';
import type { Toolbox } from '../../src/tools/toolbox.js';
import { createTestEnv, type TestEnv, tenantA } from '../support/env.js';

export const logger = createLogger({ LOG_LEVEL: (process.env.LOG_LEVEL as 'silent') ?? 'silent' });

export interface AgentSpec {
  readonly name: string;
  readonly preds?: readonly string[];
  readonly script?: Record<string, unknown>;
  readonly userInTheLoop?: boolean;
  readonly actionFunction?: Record<string, unknown>;
  readonly primaryPath?: boolean;
  readonly type?: 'task' | 'decompose' | 'planning' | 'triage';
  /** No subtask query for this agent (decompose writes them). */
  readonly noSubtask?: boolean;
  /** More keys of the coordination's agent entry (tools, output_schema, runtime, model, guardrails...). */
  readonly extra?: Record<string, unknown>;
}

export interface SeededTask {
  readonly coordinationUuid: string;
  readonly taskUuid: string;
  uuidOf(name: string): string;
}

/** A coordination with the given agents and a task wiring them into a DAG. */
export async function seedTask(
  env: TestEnv,
  specs: readonly AgentSpec[],
  options: { tenant?: Tenant; policy?: Partial<ResolvedPolicy>; taskQuery?: string } = {},
): Promise<SeededTask> {
  const tenant = options.tenant ?? tenantA;
  const uuids = new Map(specs.map((s) => [s.name, newId()]));
  const uuidOf = (name: string) => {
    const uuid = uuids.get(name);
    if (!uuid) throw new Error(`no agent ${name}`);
    return uuid;
  };
  const coordination = await env.repos.coordinations.insert(tenant, {
    coordination_uuid: newId(),
    coordination_name: `c-${randomBytes(3).toString('hex')}`,
    agents: specs.map((s) => ({
      agent_uuid: uuidOf(s.name),
      agent_name: s.name,
      agent_description: `agent ${s.name}`,
      agent_type: s.type ?? 'task',
      runtime: 'scripted',
      ...(s.script && { script: s.script }),
      ...s.extra,
    })),
    updated_by: 'test',
  });
  const taskAgents = specs.filter((s) => (s.type ?? 'task') === 'task');
  const task = await env.repos.tasks.insert(tenant, {
    coordination_uuid: coordination.coordination_uuid,
    task_uuid: newId(),
    task_name: 'test task',
    initial_task_query: options.taskQuery ?? 'do the thing',
    subtask_queries: taskAgents
      .filter((s) => !s.noSubtask)
      .map((s) => ({ agent_uuid: uuidOf(s.name), subtask_query: `task for ${s.name}` })),
    agent_actions: Object.fromEntries(
      taskAgents.map((s) => [
        uuidOf(s.name),
        {
          predecessors: (s.preds ?? []).map(uuidOf),
          primary_path: s.primaryPath ?? true,
          user_in_the_loop: s.userInTheLoop ?? null,
          action_function: s.actionFunction ?? {},
        },
      ]),
    ),
    execution_policy: options.policy ?? null,
    updated_by: 'test',
  });
  return { coordinationUuid: coordination.coordination_uuid, taskUuid: task.task_uuid, uuidOf };
}

export interface HubBedOptions {
  readonly queue?: WorkQueue;
  readonly actions?: ActionRegistry;
  readonly faults?: Faults;
  readonly clock?: Clock;
  readonly policyDefaults?: Partial<ResolvedPolicy>;
  readonly runtime?: ScriptedRuntime;
  /** Runtimes by agent (the default: every agent on the scripted runtime). */
  readonly runtimes?: RuntimeResolver;
  readonly governance?: Governance;
  readonly toolbox?: Toolbox;
  readonly leaseMs?: number;
  readonly heartbeatMs?: number;
  readonly sweepStaleMs?: number;
  readonly inlineRunsPerWorker?: number;
  readonly onAgentCancelled?: ProcedureHubDeps['onAgentCancelled'];
}

export function createHub(env: TestEnv, queue: WorkQueue, options: HubBedOptions = {}) {
  const runtime = options.runtime ?? createScriptedRuntime();
  const eventLog: EventLog = createEventLog({
    doc: env.clients.doc,
    tables: env.clients.tables,
    payloads: env.clients.payloads,
  });
  const hub: ProcedureHub = createProcedureHub({
    doc: env.clients.doc,
    payloads: env.clients.payloads,
    tables: env.clients.tables,
    eventLog,
    queue,
    runtimes: options.runtimes ?? { forAgent: () => runtime },
    ...(options.governance && { governance: options.governance }),
    actions: options.actions,
    clock: options.clock,
    logger,
    policyDefaults: options.policyDefaults,
    retryBaseMs: 5,
    faults: options.faults,
    ...(options.toolbox && { toolbox: options.toolbox }),
    leaseMs: options.leaseMs,
    heartbeatMs: options.heartbeatMs,
    sweepStaleMs: options.sweepStaleMs,
    ...(options.inlineRunsPerWorker !== undefined && { inlineRunsPerWorker: options.inlineRunsPerWorker }),
    onAgentCancelled: options.onAgentCancelled,
  });
  return { hub, runtime, eventLog };
}

/** A hub on real local SQS, driven by the poller (Lambda's event source mapping, played locally). */
export async function createSqsBed(
  options: HubBedOptions & {
    maxReceiveCount?: number;
    env?: TestEnv;
    visibilityTimeoutSeconds?: number;
  } = {},
) {
  const env = options.env ?? (await createTestEnv());
  const name = `work-${randomBytes(4).toString('hex')}`;
  const urls = await createWorkQueues(env.clients.sqs, name, {
    maxReceiveCount: options.maxReceiveCount ?? 5,
    visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? 10,
  });
  const queue = createSqsWorkQueue({ sqs: env.clients.sqs, queueUrl: urls.queueUrl });
  const { hub, runtime, eventLog } = createHub(env, queue, options);
  const handler = createSqsHandler({
    procedure: hub,
    logger,
    maxReceiveCount: options.maxReceiveCount ?? 5,
    // No ChangeMessageVisibility backoff here: local-aws-sqs counts it as a receive (see docs/EXECUTOR.md);
    // the queue's visibility timeout spaces the retries instead.
  });
  const poller: SqsPoller = startSqsPoller({
    sqs: env.clients.sqs,
    queueUrl: urls.queueUrl,
    handler,
    concurrency: 4,
    waitTimeSeconds: 0,
    logger,
  });
  return { env, hub, runtime, eventLog, urls, queue, handler, poller, stop: () => poller.stop() };
}

/** A hub whose queue only records: the test delivers messages itself through the real SQS handler. */
export async function createDirectBed(options: HubBedOptions & { env?: TestEnv } = {}) {
  const env = options.env ?? (await createTestEnv());
  const queue = createRecordingQueue();
  const { hub, runtime, eventLog } = createHub(env, queue, options);
  const handler = createSqsHandler({ procedure: hub, logger });
  return { env, hub, runtime, eventLog, queue, handler };
}

export function sqsEventOf(messages: readonly Envelope[], receiveCount = 1): SQSEvent {
  return {
    Records: messages.map((message) => {
      const id = newId();
      return {
        messageId: id,
        receiptHandle: `rh-${id}`,
        body: JSON.stringify(message),
        attributes: {
          ApproximateReceiveCount: String(receiveCount),
          SentTimestamp: String(Date.now()),
          SenderId: 'test',
          ApproximateFirstReceiveTimestamp: String(Date.now()),
        },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:local:000000000000:test',
        awsRegion: 'local',
      };
    }),
  };
}

/** Deterministic pseudo-random numbers (mulberry32). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

/**
 * Delivers everything on a recording queue through the SQS handler, round
 * after round, until nothing is left: each round's messages (optionally
 * duplicated 2–3 times and shuffled) go in concurrent batches of 10.
 *
 * A message sent with a delay is held back as SQS would hold it: it is
 * delivered once its delay has passed, and time here passes only when nothing
 * else is left to deliver (every handler has returned, so whatever the delay
 * was waiting for has happened). Its copies are duplicated and shuffled like
 * the rest.
 */
export async function drain(
  bed: {
    queue: ReturnType<typeof createRecordingQueue>;
    handler: (e: SQSEvent) => Promise<SQSBatchResponse>;
  },
  options: { duplicate?: boolean; random?: () => number; maxRounds?: number } = {},
): Promise<{ deliveries: number; delayed: number; messages: number }> {
  const random = options.random ?? seededRandom(1);
  let deliveries = 0;
  let distinct = 0;
  let nowSeconds = 0;
  const held: { message: Envelope; dueSeconds: number }[] = [];
  const delayedSeen = new Set<Envelope>();
  for (let round = 0; round < (options.maxRounds ?? 10_000); round++) {
    for (const { message, delaySeconds } of bed.queue.delayed) {
      if (delayedSeen.has(message)) continue;
      delayedSeen.add(message);
      held.push({ message, dueSeconds: nowSeconds + delaySeconds });
    }
    let messages = bed.queue.take().filter((m) => !delayedSeen.has(m));
    if (messages.length === 0) {
      if (held.length === 0) return { deliveries, delayed: delayedSeen.size, messages: distinct };
      nowSeconds = Math.min(...held.map((h) => h.dueSeconds));
      messages = takeDue(held, nowSeconds);
    }
    distinct += messages.length;
    deliveries += await deliverRound(bed, messages, options.duplicate ?? false, random);
  }
  throw new Error('drain did not settle');
}

function takeDue(held: { message: Envelope; dueSeconds: number }[], nowSeconds: number): Envelope[] {
  const due = held.filter((h) => h.dueSeconds <= nowSeconds).map((h) => h.message);
  const later = held.filter((h) => h.dueSeconds > nowSeconds);
  held.splice(0, held.length, ...later);
  return due;
}

async function deliverRound(
  bed: {
    queue: ReturnType<typeof createRecordingQueue>;
    handler: (e: SQSEvent) => Promise<SQSBatchResponse>;
  },
  messages: readonly Envelope[],
  duplicate: boolean,
  random: () => number,
): Promise<number> {
  const expanded = messages.flatMap((m) => {
    const copies = duplicate ? 2 + Math.floor(random() * 2) : 1;
    return Array.from({ length: copies }, () => m);
  });
  shuffle(expanded, random);
  const batches: Envelope[][] = [];
  for (let i = 0; i < expanded.length; i += 10) batches.push(expanded.slice(i, i + 10));
  await Promise.all(
    batches.map(async (batch) => {
      const event = sqsEventOf(batch);
      const response = await bed.handler(event);
      const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
      for (const record of event.Records) {
        if (failed.has(record.messageId)) await bed.queue.send([JSON.parse(record.body) as Envelope]);
      }
    }),
  );
  return expanded.length;
}

/**
 * The bed's work queue holds no message, visible, in flight or delayed: every
 * message sent so far has been handled to its end (a handler holds its message
 * until it returns), so whatever it would have caused has happened.
 */
export async function queueDrained(bed: { env: TestEnv; urls: { queueUrl: string } }): Promise<void> {
  const names = [
    'ApproximateNumberOfMessages',
    'ApproximateNumberOfMessagesNotVisible',
    'ApproximateNumberOfMessagesDelayed',
  ] as const;
  await waitFor(
    async () => {
      const { Attributes = {} } = await bed.env.clients.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: bed.urls.queueUrl, AttributeNames: [...names] }),
      );
      return names.reduce((sum, name) => sum + Number(Attributes[name] ?? 0), 0);
    },
    (pending) => pending === 0,
  );
}

export async function waitFor<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`condition not met in ${timeoutMs} ms; last value ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export async function waitForStatus(
  env: TestEnv,
  coordinationUuid: string,
  sessionUuid: string,
  statuses: readonly string[],
  tenant: Tenant = tenantA,
) {
  return waitFor(
    () => env.repos.sessions.get(tenant, coordinationUuid, sessionUuid),
    (s) => statuses.includes(s.status),
  );
}

export async function agentsByName(env: TestEnv, sessionUuid: string, tenant: Tenant = tenantA) {
  const rows = await env.repos.sessionAgents.list(tenant, { sessionUuid });
  const coordination = rows[0]
    ? await env.repos.coordinations.get(tenant, rows[0].coordination_uuid)
    : undefined;
  const nameOf = (uuid: string) =>
    coordination?.agents.find((a) => a.agent_uuid === uuid)?.agent_name ?? uuid;
  return new Map(rows.map((r) => [nameOf(r.agent_uuid), r]));
}

/** A worker's fault hooks that, once `die()` is called, fail every write it makes (a process gone mid-run). */
export function dyingWorker() {
  let dead = false;
  const faults: Faults = {
    beforeWrite(label: string) {
      if (dead) throw new InjectedCrash(0, label);
    },
    afterWrite() {},
  };
  return {
    faults,
    die: () => {
      dead = true;
    },
  };
}
