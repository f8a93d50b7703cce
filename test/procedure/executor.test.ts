import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tenantA } from '../support/env.js';
import { agentsByName, createSqsBed, seedTask, waitForStatus } from './support.js';

describe('procedure hub on local SQS (poller = event source mapping)', () => {
  let bed: Awaited<ReturnType<typeof createSqsBed>>;
  beforeAll(async () => {
    bed = await createSqsBed();
  });
  afterAll(async () => {
    await bed.stop();
  });

  it('runs a chain in order, each agent quoting its predecessor', async () => {
    // Prepare
    const task = await seedTask(bed.env, [
      { name: 'a', script: { answer: 'A-out' } },
      { name: 'b', preds: ['a'], script: { answer: 'B saw [{input}]' } },
      { name: 'c', preds: ['b'], script: { answer: 'C-out' } },
    ]);
    // Act
    const session = await bed.hub.executeProcedureTaskSession(tenantA, {
      coordinationUuid: task.coordinationUuid,
      taskUuid: task.taskUuid,
      userId: 'u1',
    });
    const done = await waitForStatus(bed.env, task.coordinationUuid, session.session_uuid, [
      'completed',
      'failed',
    ]);
    // Assess
    expect(done.status).toBe('completed');
    const agents = await agentsByName(bed.env, session.session_uuid);
    expect(agents.get('b')?.agent_output).toBe('B saw [task for b\n\nagent_output(a): A-out]');
    expect([...agents.values()].every((a) => a.state === 'completed' && a.in_degree === 0)).toBe(true);
    // primary_path: b and c continue a's thread
    expect(agents.get('b')?.thread_uuid).toBe(agents.get('a')?.thread_uuid);
    expect(agents.get('c')?.thread_uuid).toBe(agents.get('a')?.thread_uuid);
    const runs = await bed.env.repos.sessionRuns.list(tenantA, { sessionUuid: session.session_uuid });
    expect(runs).toHaveLength(3);
    const events = await bed.eventLog.list(tenantA, session.session_uuid, { limit: 1000 });
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    const statuses = events.filter((e) => e.type === 'session_status').map((e) => e.data.status);
    expect(statuses).toEqual(['dispatched', 'in_progress', 'completed']);
    expect(events.filter((e) => e.type === 'run_recorded')).toHaveLength(3);
  });

  it('runs a diamond: the join waits for both branches and sees both outputs', async () => {
    const task = await seedTask(bed.env, [
      { name: 'top', script: { answer: 'T' } },
      { name: 'left', preds: ['top'], script: { answer: 'L', delay_ms: 30 } },
      { name: 'right', preds: ['top'], script: { answer: 'R' } },
      { name: 'join', preds: ['left', 'right'], script: { answer: '{input}' } },
    ]);
    const session = await bed.hub.executeProcedureTaskSession(tenantA, {
      coordinationUuid: task.coordinationUuid,
      taskUuid: task.taskUuid,
    });
    const done = await waitForStatus(bed.env, task.coordinationUuid, session.session_uuid, [
      'completed',
      'failed',
    ]);
    expect(done.status).toBe('completed');
    const agents = await agentsByName(bed.env, session.session_uuid);
    expect(agents.get('join')?.agent_output).toBe(
      'task for join\n\nagent_output(left): L\n\nagent_output(right): R',
    );
    expect(bed.runtime.invocations.get(task.uuidOf('join'))).toBe(1);
  });

  it('runs a wide fan-out / fan-in (20 parallel agents)', async () => {
    const middle = Array.from({ length: 20 }, (_, i) => ({
      name: `m${i}`,
      preds: ['src'],
      script: { answer: `m${i}` },
    }));
    const task = await seedTask(bed.env, [
      { name: 'src', script: { answer: 'S' } },
      ...middle,
      { name: 'sink', preds: middle.map((m) => m.name), script: { answer: '{input}' } },
    ]);
    const session = await bed.hub.executeProcedureTaskSession(tenantA, {
      coordinationUuid: task.coordinationUuid,
      taskUuid: task.taskUuid,
    });
    const done = await waitForStatus(bed.env, task.coordinationUuid, session.session_uuid, [
      'completed',
      'failed',
    ]);
    expect(done.status).toBe('completed');
    const agents = await agentsByName(bed.env, session.session_uuid);
    const sinkOutput = agents.get('sink')?.agent_output ?? '';
    for (let i = 0; i < 20; i++) expect(sinkOutput).toContain(`agent_output(m${i}): m${i}`);
    expect(agents.get('sink')?.in_degree).toBe(0);
  });
});
