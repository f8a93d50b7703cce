import { describe, expect, it } from 'vitest';
import { createRecordingQueue } from '../../src/queue/port.js';
import { createSqsHandler } from '../../src/queue/work-queue-handler.js';
import { tenantA, tenantB } from '../support/env.js';
import {
  createDirectBed,
  createHub,
  drain,
  dyingWorker,
  logger,
  seedTask,
  sqsEventOf,
  waitFor,
} from './support.js';

const DIAMOND = [
  { name: 'a' },
  { name: 'b', preds: ['a'] },
  { name: 'c', preds: ['a'] },
  { name: 'd', preds: ['b', 'c'] },
].map((s) => ({ ...s, script: { answer: `${s.name}({input})` } }));

describe('the self-healing sweep', () => {
  it('reads only running sessions and re-dispatches a lost dispatch once it is stale, across tenants', {
    timeout: 60_000,
  }, async () => {
    // Prepare: one finished session (tenant A), one whose dispatches were lost (tenant B).
    const clock = { offset: 0, now: () => Date.now() + clock.offset };
    const bed = await createDirectBed({ clock, sweepStaleMs: 60_000 });
    const taskA = await seedTask(bed.env, DIAMOND);
    const taskB = await seedTask(bed.env, DIAMOND, { tenant: tenantB });
    const finished = await bed.hub.executeProcedureTaskSession(tenantA, {
      coordinationUuid: taskA.coordinationUuid,
      taskUuid: taskA.taskUuid,
    });
    await drain(bed);
    const stuck = await bed.hub.executeProcedureTaskSession(tenantB, {
      coordinationUuid: taskB.coordinationUuid,
      taskUuid: taskB.taskUuid,
    });
    await bed.handler(sqsEventOf(bed.queue.take())); // start_session
    const lost = bed.queue.take(); // the root's execute_agent never arrives
    // Act
    const fresh = await bed.hub.sweep();
    clock.offset += 61_000;
    const late = await bed.hub.sweep();
    await drain(bed);
    const after = await bed.hub.sweep();
    // Assess
    expect(lost).toHaveLength(1);
    expect(fresh).toEqual({ sessions: 1, resumed: 1, dispatched: 0, failures: 0 });
    expect(late).toEqual({ sessions: 1, resumed: 1, dispatched: 1, failures: 0 });
    expect(after.sessions).toBe(0);
    const [a, b] = await Promise.all([
      bed.env.repos.sessions.get(tenantA, taskA.coordinationUuid, finished.session_uuid),
      bed.env.repos.sessions.get(tenantB, taskB.coordinationUuid, stuck.session_uuid),
    ]);
    expect(a.status).toBe('completed');
    expect(b.status).toBe('completed');
    expect(a.sweep_shard).toBeUndefined();
    expect(b.sweep_shard).toBeUndefined();
    expect(bed.runtime.stats.calls).toBe(8);
  });

  it('takes over an agent whose worker died once its lease expired, with no manual call', {
    timeout: 60_000,
  }, async () => {
    // Prepare: worker A dies while its agent runs; worker B only sweeps and consumes.
    const { faults, die } = dyingWorker();
    const bed = await createDirectBed({ leaseMs: 300, heartbeatMs: 100, faults });
    const task = await seedTask(bed.env, [
      { name: 'slow', script: { answer: 'slow: done', delay_ms: 1000 } },
    ]);
    const session = await bed.hub.executeProcedureTaskSession(tenantA, {
      coordinationUuid: task.coordinationUuid,
      taskUuid: task.taskUuid,
    });
    await bed.handler(sqsEventOf(bed.queue.take()));
    const queueB = createRecordingQueue();
    const workerB = createHub(bed.env, queueB, { leaseMs: 300, heartbeatMs: 100 });
    const handlerB = createSqsHandler({ procedure: workerB.hub, logger });
    const row = async () =>
      (await bed.env.repos.sessionAgents.listOfSession(tenantA, session.session_uuid))[0];
    // Act
    const workerA = bed.handler(sqsEventOf(bed.queue.take()));
    await waitFor(row, (a) => a?.state === 'executing');
    die();
    await waitFor(row, (a) => (a?.lease_until ?? 0) < Date.now());
    const report = await workerB.hub.sweep();
    await drain({ queue: queueB, handler: handlerB });
    await workerA;
    // Assess
    expect(report.dispatched).toBe(1);
    const done = await row();
    expect(done?.state).toBe('completed');
    expect(done?.attempts).toBe(2);
    const stored = await bed.env.repos.sessions.get(tenantA, task.coordinationUuid, session.session_uuid);
    expect(stored.status).toBe('completed');
  });
});
