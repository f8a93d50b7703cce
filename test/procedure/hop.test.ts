import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { createHopMeter } from '../../bench/hop-meter.js';
import type { ProcedureMessage } from '../../src/queue/messages.js';
import { createRecordingQueue } from '../../src/queue/port.js';
import { createSqsHandler } from '../../src/queue/work-queue-handler.js';
import { createScriptedRuntime } from '../../src/runtimes/scripted.js';
import { createTestEnv, tenantA } from '../support/env.js';
import { createHub, drain, logger, seedTask } from './support.js';

const CHAIN = ['c0', 'c1', 'c2', 'c3', 'c4'].map((name, i, all) => ({
  name,
  ...(i > 0 && { preds: [all[i - 1] as string] }),
  script: { answer: `${name}({input})` },
}));

const FAN = [
  { name: 'r', script: { answer: 'r' } },
  ...['s1', 's2', 's3'].map((name) => ({ name, preds: ['r'], script: { answer: name } })),
  { name: 'j', preds: ['s1', 's2', 's3'], script: { answer: 'j' } },
];

/** The session's event-log items as stored: which events each one holds, by agent name and state. */
async function eventItems(env: Awaited<ReturnType<typeof createTestEnv>>, sessionUuid: string) {
  const { Items = [] } = await env.clients.doc.send(
    new QueryCommand({
      TableName: env.clients.tables.sessionEvents,
      KeyConditionExpression: 'session_uuid = :s',
      ExpressionAttributeValues: { ':s': sessionUuid },
      ConsistentRead: true,
    }),
  );
  return Items.map((item) =>
    (item.events as { type: string; data: { agent_name?: string; state?: string } }[])
      .filter((e) => e.type === 'agent_state')
      .map((e) => `${e.data.agent_name}:${e.data.state}`),
  );
}

/** The queue and handler for `drain`, with the session agents of the execute_agent messages taken, in order. */
function deliveriesOf(
  queue: ReturnType<typeof createRecordingQueue>,
  handler: ReturnType<typeof createSqsHandler>,
) {
  const sent: string[] = [];
  const take = () => {
    const taken = queue.take();
    for (const m of taken) {
      const uuid = (m as { session_agent_uuid?: string }).session_agent_uuid;
      if (uuid) sent.push(uuid);
    }
    return taken;
  };
  return { recording: { queue: { ...queue, take }, handler }, sent };
}

/** Runs the task to its end through the recording queue; the execute_agent messages sent, by agent name. */
async function runAndCountMessages(options: { inlineRunsPerWorker?: number } = {}) {
  const env = await createTestEnv();
  const queue = createRecordingQueue();
  const { hub, runtime } = createHub(env, queue, options);
  const task = await seedTask(env, FAN);
  const { recording, sent } = deliveriesOf(queue, createSqsHandler({ procedure: hub, logger }));
  const session = await hub.executeProcedureTaskSession(tenantA, {
    coordinationUuid: task.coordinationUuid,
    taskUuid: task.taskUuid,
  });
  await drain(recording);
  const rows = await env.repos.sessionAgents.listOfSession(tenantA, session.session_uuid);
  const nameOf = new Map(rows.map((r) => [r.session_agent_uuid, r.agent_name]));
  const stored = await env.repos.sessions.get(tenantA, task.coordinationUuid, session.session_uuid);
  return {
    status: stored.status,
    calls: runtime.stats.calls,
    messagesFor: sent.map((uuid) => nameOf.get(uuid)).sort(),
    items: await eventItems(env, session.session_uuid),
  };
}

describe('inline fan-out: every successor a completion makes ready runs in the same worker, within its room', () => {
  it('a fan-out of three runs inline; the completion and the three executing events are one item', async () => {
    // Act
    const run = await runAndCountMessages();

    // Assess
    expect([run.status, run.calls]).toEqual(['completed', 5]);
    expect(run.messagesFor).toEqual(['r']);
    // The successors in the order their decrements answered, which is any order.
    const item = run.items.find((events) => events.includes('r:completed'));
    expect(item?.[0]).toBe('r:completed');
    expect(item?.slice(1).sort()).toEqual(['s1:executing', 's2:executing', 's3:executing']);
  });

  it('beyond the worker room, the other ready successors go through the queue', async () => {
    // Act: room for two agents at once; when r completes nothing else runs here, so two are kept
    const run = await runAndCountMessages({ inlineRunsPerWorker: 2 });

    // Assess: one of s1..s3 came back as a message of its own
    expect([run.status, run.calls]).toEqual(['completed', 5]);
    expect(run.messagesFor).toHaveLength(2);
    expect(run.messagesFor[0]).toBe('r');
    expect(['s1', 's2', 's3']).toContain(run.messagesFor[1]);
    const item = run.items.find((events) => events.includes('r:completed'));
    expect(item?.filter((e) => e.endsWith(':executing'))).toHaveLength(2);
  });
});

describe('a hop on the critical path (docs/EXECUTOR.md, "A hop")', () => {
  it('a chain runs inline: no queue message after the root, three round trips from a result write to the next model call', async () => {
    // Prepare
    const env = await createTestEnv();
    const meter = createHopMeter(env.clients.dynamo);
    const timed = meter.timeRuntime(createScriptedRuntime());
    const queue = createRecordingQueue();
    const { hub } = createHub(env, meter.countQueue(queue), { runtimes: { forAgent: () => timed } });
    const task = await seedTask(env, CHAIN);
    const { recording, sent } = deliveriesOf(queue, createSqsHandler({ procedure: hub, logger }));

    // Act
    const session = await hub.executeProcedureTaskSession(tenantA, {
      coordinationUuid: task.coordinationUuid,
      taskUuid: task.taskUuid,
    });
    await drain(recording);
    const rows = await env.repos.sessionAgents.listOfSession(tenantA, session.session_uuid);
    const path = meter.criticalPath(
      rows.map((r) => ({
        agentUuid: r.agent_uuid,
        sessionAgentUuid: r.session_agent_uuid,
        predecessors: rows
          .filter((p) => r.predecessor_uuids.includes(p.session_agent_uuid))
          .map((p) => p.agent_uuid),
      })),
    );
    meter.stop();

    // Assess
    const stored = await env.repos.sessions.get(tenantA, task.coordinationUuid, session.session_uuid);
    expect(stored.status).toBe('completed');
    expect(rows.map((r) => r.agent_output)).toEqual(
      rows.map((r) => expect.stringContaining(`${r.agent_name}(`)),
    );
    // One execute_agent message, for the root: each successor ran inline in its predecessor's delivery.
    const root = rows.find((r) => r.agent_name === 'c0');
    expect(sent).toEqual([root?.session_agent_uuid]);
    expect(path.agents).toBe(5);
    expect(path.hops.map((h) => h.queued)).toEqual([false, false, false, false]);
    // Per hop, sequentially: the SessionRun record; the result write; the decrement beside the session
    // read; the claim beside the predecessors' read. Then the model call.
    expect(path.hops.map((h) => h.awaitedRounds)).toEqual([4, 4, 4, 4]);
    expect(path.hops.map((h) => h.fromResult)).toEqual([3, 3, 3, 3]);
  });

  it("with little of the worker's time left, the successor made ready goes through the queue instead", async () => {
    // Prepare
    const env = await createTestEnv();
    const queue = createRecordingQueue();
    const { hub, runtime } = createHub(env, queue);
    const task = await seedTask(env, CHAIN.slice(0, 2));
    const session = await hub.executeProcedureTaskSession(tenantA, {
      coordinationUuid: task.coordinationUuid,
      taskUuid: task.taskUuid,
    });
    const isAgentMessage = (m: unknown) => (m as { type?: string }).type === 'execute_agent';
    // The session starts (its own messages) until the root's execute_agent is on the queue.
    let agentMessages: ProcedureMessage[] = [];
    while (agentMessages.length === 0) {
      const taken = queue.take() as unknown as ProcedureMessage[];
      expect(taken.length).toBeGreaterThan(0);
      for (const message of taken.filter((m) => !isAgentMessage(m))) await hub.handleMessage(message);
      agentMessages = taken.filter(isAgentMessage);
    }
    const rows = await env.repos.sessionAgents.listOfSession(tenantA, session.session_uuid);
    const [c0, c1] = ['c0', 'c1'].map((name) => rows.find((r) => r.agent_name === name)?.session_agent_uuid);

    // Act: the root's delivery with 20 s of the worker's time left (below the 30 s inline threshold)
    const [rootMessage] = agentMessages;
    expect(rootMessage && 'session_agent_uuid' in rootMessage && rootMessage.session_agent_uuid).toBe(c0);
    await hub.handleMessage(rootMessage as ProcedureMessage, { deadlineMs: Date.now() + 20_000 });

    // Assess: c1 was dispatched, not run: its message is on the queue and it has not started
    const next = (queue.take() as unknown as ProcedureMessage[]).filter(isAgentMessage);
    expect(next.map((m) => 'session_agent_uuid' in m && m.session_agent_uuid)).toEqual([c1]);
    expect(runtime.stats.calls).toBe(1);
    const c1Row = await env.repos.sessionAgents.get(tenantA, session.session_uuid, c1 as string);
    expect([c1Row.state, c1Row.in_degree]).toEqual(['initial', 0]);
  });

  it('an inline successor that fails before it runs is handed to the queue; the delivery that ran its predecessor succeeds', async () => {
    // Prepare: the second claim (the successor's, inline) fails once, as a throttled write would
    const env = await createTestEnv();
    const queue = createRecordingQueue();
    let claims = 0;
    const faults = {
      beforeWrite(label: string) {
        if (label === 'agent_claim' && ++claims === 2) throw new Error('throttled');
      },
      afterWrite() {},
    };
    const { hub, runtime } = createHub(env, queue, { faults });
    const task = await seedTask(env, CHAIN.slice(0, 2));
    const handler = createSqsHandler({ procedure: hub, logger });
    const failures: string[] = [];
    const recording = {
      queue,
      handler: async (event: Parameters<typeof handler>[0]) => {
        const response = await handler(event);
        failures.push(...response.batchItemFailures.map((f) => f.itemIdentifier));
        return response;
      },
    };

    // Act
    const session = await hub.executeProcedureTaskSession(tenantA, {
      coordinationUuid: task.coordinationUuid,
      taskUuid: task.taskUuid,
    });
    const { messages } = await drain(recording);

    // Assess: no delivery failed; c1 came back as a message of its own and ran once
    expect(failures).toEqual([]);
    expect(claims).toBe(3);
    expect(runtime.stats.calls).toBe(2);
    expect(messages).toBeGreaterThanOrEqual(3); // the start, c0's dispatch, c1's hand-over
    const stored = await env.repos.sessions.get(tenantA, task.coordinationUuid, session.session_uuid);
    expect(stored.status).toBe('completed');
  });
});
