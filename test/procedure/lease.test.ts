import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import type { Envelope } from '../../src/queue/port.js';
import { createRecordingQueue } from '../../src/queue/port.js';
import { createSqsHandler } from '../../src/queue/work-queue-handler.js';
import { tenantA } from '../support/env.js';
import { createDirectBed, createHub, dyingWorker, logger, seedTask, sqsEventOf, waitFor } from './support.js';

const SLOW = [{ name: 'slow', script: { answer: 'slow: done', delay_ms: 1500 } }];

async function startOne(bed: Awaited<ReturnType<typeof createDirectBed>>) {
  const task = await seedTask(bed.env, SLOW);
  const session = await bed.hub.executeProcedureTaskSession(tenantA, {
    coordinationUuid: task.coordinationUuid,
    taskUuid: task.taskUuid,
  });
  await bed.handler(sqsEventOf(bed.queue.take())); // start_session
  const [execute] = bed.queue.take() as [Envelope];
  const row = async () => {
    const [agent] = await bed.env.repos.sessionAgents.listOfSession(tenantA, session.session_uuid);
    if (!agent) throw new Error('no agent');
    return agent;
  };
  return { task, session, execute, row };
}

describe('heartbeat leases', () => {
  it('renews a short lease while the agent runs; a redelivery to another worker during it goes back to the queue with a delay', {
    timeout: 30_000,
  }, async () => {
    // Prepare
    const bed = await createDirectBed({ leaseMs: 400, heartbeatMs: 100 });
    const queueB = createRecordingQueue();
    const workerB = createHub(bed.env, queueB, { leaseMs: 400, heartbeatMs: 100 });
    const handlerB = createSqsHandler({ procedure: workerB.hub, logger });
    const { execute, row } = await startOne(bed);
    // Act
    const running = bed.handler(sqsEventOf([execute]));
    const claimed = await waitFor(row, (a) => a.state === 'executing');
    const firstLease = claimed.lease_until ?? 0;
    // Past the first lease's end, still held: the heartbeat renewed it.
    await waitFor(row, (a) => (a.lease_until ?? 0) > firstLease + 400);
    const duplicate = await handlerB(sqsEventOf([execute]));
    await running;
    // Assess
    expect(duplicate.batchItemFailures).toEqual([]);
    expect(queueB.delayed).toHaveLength(1);
    expect(queueB.delayed[0]?.message).toEqual(execute);
    expect(queueB.delayed[0]?.delaySeconds).toBeGreaterThanOrEqual(1);
    expect(queueB.delayed[0]?.delaySeconds).toBeLessThanOrEqual(2);
    expect(bed.runtime.stats.calls).toBe(1);
    const done = await row();
    expect(done.state).toBe('completed');
    expect(done.attempts).toBe(1);
    // The delayed copy finds the agent done and changes nothing.
    await handlerB(sqsEventOf(queueB.take()));
    expect(bed.runtime.stats.calls + workerB.runtime.stats.calls).toBe(1);
  });

  it("a duplicate that reaches the worker running the agent is dropped: that worker's own delivery covers its crash", {
    timeout: 30_000,
  }, async () => {
    // Prepare
    const bed = await createDirectBed({ leaseMs: 400, heartbeatMs: 100 });
    const { execute, row } = await startOne(bed);
    // Act
    const running = bed.handler(sqsEventOf([execute]));
    // The runtime call has started: the claim is this worker's and its heartbeat runs.
    await waitFor(
      async () => bed.runtime.stats.running,
      (running) => running === 1,
    );
    const duplicate = await bed.handler(sqsEventOf([execute]));
    const during = await row();
    await running;
    // Assess
    expect(duplicate.batchItemFailures).toEqual([]);
    expect(during.state).toBe('executing');
    expect(bed.queue.delayed).toHaveLength(0);
    expect(bed.queue.take()).toEqual([]);
    expect(bed.runtime.stats.calls).toBe(1);
    expect((await row()).state).toBe('completed');
  });

  it('a worker that dies mid-agent loses its claim within one lease; the deferred delivery takes over', {
    timeout: 30_000,
  }, async () => {
    // Prepare: worker A dies (every write it makes from then on fails) while its agent runs.
    const { faults, die } = dyingWorker();
    const bed = await createDirectBed({ leaseMs: 400, heartbeatMs: 100, faults });
    const queueB = createRecordingQueue();
    const workerB = createHub(bed.env, queueB, { leaseMs: 400, heartbeatMs: 100 });
    const handlerB = createSqsHandler({ procedure: workerB.hub, logger });
    const { execute, row } = await startOne(bed);
    // Act
    const workerA = bed.handler(sqsEventOf([execute]));
    await waitFor(row, (a) => a.state === 'executing');
    die();
    await handlerB(sqsEventOf([execute])); // during A's live lease: deferred
    const [deferred] = queueB.take() as [Envelope];
    await waitFor(row, (a) => (a.lease_until ?? 0) < Date.now()); // A stopped renewing
    await handlerB(sqsEventOf([deferred]));
    await workerA;
    // Assess
    const done = await row();
    expect(done.state).toBe('completed');
    expect(done.attempts).toBe(2);
    expect(workerB.runtime.stats.calls).toBe(1);
    expect(done.agent_output).toBe('slow: done');
  });

  it('a worker about to time out releases its claim and re-queues the agent, which runs at once elsewhere', {
    timeout: 30_000,
  }, async () => {
    // Prepare
    const bed = await createDirectBed({ leaseMs: 30_000 });
    const { execute, row } = await startOne(bed);
    const nearTimeout = { getRemainingTimeInMillis: () => 400 } as Context;
    // Act: the deadline (400 ms less the margin) comes long before the agent's 1.5 s.
    const response = await bed.handler(sqsEventOf([execute]), nearTimeout);
    const released = await row();
    const requeued = bed.queue.take();
    await bed.handler(sqsEventOf(requeued));
    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(released.state).toBe('executing');
    expect(released.lease_until).toBe(0);
    expect(requeued).toEqual([execute]);
    expect(bed.queue.delayed).toHaveLength(0);
    const done = await row();
    expect(done.state).toBe('completed');
    expect(done.attempts).toBe(2);
    expect(bed.runtime.stats.calls).toBe(2);
  });
});
