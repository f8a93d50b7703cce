import { describe, expect, it } from 'vitest';
import type { CancelledAgent } from '../../src/hubs/procedure/context.js';
import type { Envelope } from '../../src/queue/port.js';
import { tenantA } from '../support/env.js';
import {
  agentsByName,
  createDirectBed,
  createSqsBed,
  drain,
  seededRandom,
  seedTask,
  shuffle,
  sqsEventOf,
  waitFor,
  waitForStatus,
} from './support.js';

const by = { by: 'operator-7', reason: 'wrong input' };

describe('cancel', () => {
  it('in the middle of a fan-out with slow agents: no agent starts after the cancel event, running ones are aborted', {
    timeout: 60_000,
  }, async () => {
    // Prepare: root -> six 5 s children (three at a time) -> tail.
    const cancelled: CancelledAgent[] = [];
    const bed = await createSqsBed({
      onAgentCancelled: async (_tenant, agent) => {
        cancelled.push(agent);
      },
    });
    const children = Array.from({ length: 6 }, (_, i) => ({
      name: `c${i}`,
      preds: ['root'],
      script: { answer: `c${i}`, delay_ms: 5000 },
    }));
    const task = await seedTask(
      bed.env,
      [{ name: 'root' }, ...children, { name: 'tail', preds: children.map((c) => c.name) }],
      { policy: { max_parallel: 3 } },
    );
    const session = await bed.hub.executeProcedureTaskSession(tenantA, {
      coordinationUuid: task.coordinationUuid,
      taskUuid: task.taskUuid,
    });
    try {
      const executing = () =>
        bed.env.repos.sessionAgents.list(tenantA, {
          sessionUuid: session.session_uuid,
          states: ['executing'],
        });
      await waitFor(executing, (rows) => rows.length === 3);
      await waitFor(
        async () => bed.runtime.stats.running,
        (n) => n === 3,
      );
      // Act
      const first = await bed.hub.cancelProcedureTaskSession(tenantA, session.session_uuid, by);
      const again = await bed.hub.cancelProcedureTaskSession(tenantA, session.session_uuid, by);
      const agents = await waitFor(
        () => bed.env.repos.sessionAgents.listOfSession(tenantA, session.session_uuid),
        (rows) => rows.every((a) => a.state === 'completed' || a.state === 'cancelled'),
      );
      await waitFor(
        async () => bed.runtime.stats.running,
        (n) => n === 0,
      );
      // Assess
      expect(first.status).toBe('cancelled');
      expect(first.status_changed_by).toBe('operator-7');
      expect(first.status_reason).toBe('wrong input');
      expect(again.status).toBe('cancelled');
      const byState = (state: string) => agents.filter((a) => a.state === state);
      expect(byState('completed').map((a) => a.agent_uuid)).toEqual([task.uuidOf('root')]);
      expect(byState('cancelled')).toHaveLength(7);
      const aborted = agents.filter((a) => a.notes?.startsWith('cancelled while running'));
      expect(aborted).toHaveLength(3);
      expect(agents.filter((a) => a.state === 'cancelled' && !a.attempts)).toHaveLength(4);
      expect(bed.runtime.stats.calls).toBe(4); // root + the three that were running
      expect(new Set(cancelled.map((c) => c.session_agent_uuid)).size).toBe(7);
      const events = await bed.eventLog.list(tenantA, session.session_uuid, { limit: 1000 });
      const cancelAt = events.findIndex((e) => e.type === 'session_status' && e.data.status === 'cancelled');
      expect(events.filter((e) => e.type === 'session_status' && e.data.status === 'cancelled')).toHaveLength(
        1,
      );
      expect(events[cancelAt]?.data).toMatchObject({ reason: 'wrong input', changed_by: 'operator-7' });
      const startedAfter = events
        .slice(cancelAt)
        .filter((e) => e.type === 'agent_state' && e.data.state === 'executing');
      expect(startedAfter).toEqual([]);
      const stored = await bed.env.repos.sessions.get(tenantA, task.coordinationUuid, session.session_uuid);
      expect(stored.sweep_shard).toBeUndefined();
    } finally {
      await bed.stop();
    }
  });

  it('racing duplicated, shuffled, concurrent deliveries: nothing runs after it, every agent ends terminal', {
    timeout: 120_000,
  }, async () => {
    // Prepare
    const bed = await createDirectBed();
    const specs = [
      { name: 'a' },
      { name: 'b', preds: ['a'] },
      { name: 'c', preds: ['a'] },
      { name: 'd', preds: ['b', 'c'] },
      { name: 'e', preds: ['d'] },
      { name: 'f', preds: ['e'] },
    ];
    const task = await seedTask(bed.env, specs);
    const sessions = await Promise.all(
      Array.from({ length: 10 }, () =>
        bed.hub.executeProcedureTaskSession(tenantA, {
          coordinationUuid: task.coordinationUuid,
          taskUuid: task.taskUuid,
        }),
      ),
    );
    await bed.handler(sqsEventOf(bed.queue.take())); // the ten start_session messages
    const random = seededRandom(7);
    // Act: the second round's deliveries (each 2–3 times) race one cancel per session.
    const round = bed.queue.take().flatMap((m) => [m, m, ...(random() < 0.5 ? [m] : [])]);
    shuffle(round, random);
    const batches: Envelope[][] = [];
    for (let i = 0; i < round.length; i += 10) batches.push(round.slice(i, i + 10));
    await Promise.all([
      ...batches.map((batch) => bed.handler(sqsEventOf(batch))),
      ...sessions.map((s) => bed.hub.cancelProcedureTaskSession(tenantA, s.session_uuid, by)),
    ]);
    const callsAtCancel = bed.runtime.stats.calls;
    await drain(bed, { duplicate: true, random });
    // Assess
    expect(bed.runtime.stats.calls).toBe(callsAtCancel);
    for (const session of sessions) {
      const stored = await bed.env.repos.sessions.get(tenantA, task.coordinationUuid, session.session_uuid);
      expect(stored.status).toBe('cancelled');
      const agents = await bed.env.repos.sessionAgents.listOfSession(tenantA, session.session_uuid);
      expect(agents.every((a) => a.state === 'completed' || a.state === 'cancelled')).toBe(true);
      // Whatever ran, ran once; nothing after b/c's wave ran at all.
      expect(agents.every((a) => (a.attempts ?? 0) <= 1)).toBe(true);
      const named = await agentsByName(bed.env, session.session_uuid);
      expect(named.get('e')?.state).toBe('cancelled');
      expect(named.get('f')?.state).toBe('cancelled');
    }
  });
});

describe('pause and resume', () => {
  it('pause lets the running agent finish and starts nothing; resume un-pauses and dispatches what became ready', {
    timeout: 60_000,
  }, async () => {
    // Prepare
    const bed = await createDirectBed();
    const task = await seedTask(bed.env, [
      { name: 'a', script: { answer: 'a', delay_ms: 400 } },
      { name: 'b', preds: ['a'] },
      { name: 'c', preds: ['b'] },
    ]);
    const session = await bed.hub.executeProcedureTaskSession(tenantA, {
      coordinationUuid: task.coordinationUuid,
      taskUuid: task.taskUuid,
    });
    await bed.handler(sqsEventOf(bed.queue.take()));
    // Act
    const running = bed.handler(sqsEventOf(bed.queue.take()));
    await waitFor(
      async () => bed.runtime.stats.running,
      (n) => n === 1,
    );
    const paused = await bed.hub.pauseProcedureTaskSession(tenantA, session.session_uuid, by);
    const pausedAgain = await bed.hub.pauseProcedureTaskSession(tenantA, session.session_uuid, by);
    await running;
    await drain(bed, { duplicate: true }); // b's dispatch arrives while paused
    const whilePaused = await agentsByName(bed.env, session.session_uuid);
    const resumed = await bed.hub.resumeProcedureTaskSession(tenantA, session.session_uuid, {
      by: 'operator-8',
      reason: 'fixed',
    });
    await drain(bed, { duplicate: true });
    // Assess
    expect(paused.status).toBe('paused');
    expect(pausedAgain.status).toBe('paused');
    expect(whilePaused.get('a')?.state).toBe('completed');
    expect(whilePaused.get('b')?.state).toBe('initial');
    expect(whilePaused.get('b')?.in_degree).toBe(0);
    expect(resumed).toMatchObject({ status: 'in_progress', dispatched: 1 });
    const done = await waitForStatus(bed.env, task.coordinationUuid, session.session_uuid, ['completed']);
    expect(done.status_changed_by).toBe('operator-8');
    expect(bed.runtime.stats.calls).toBe(3);
    const statuses = (await bed.eventLog.list(tenantA, session.session_uuid, { limit: 1000 }))
      .filter((e) => e.type === 'session_status')
      .map((e) => `${e.data.status}:${e.data.changed_by ?? ''}`);
    expect(statuses).toEqual([
      'dispatched:',
      'in_progress:',
      'paused:operator-7',
      'in_progress:operator-8',
      'completed:',
    ]);
    await expect(bed.hub.pauseProcedureTaskSession(tenantA, session.session_uuid, by)).rejects.toMatchObject({
      code: 'CONFLICT',
    });
  });
});

describe('redrive', () => {
  it('after a failure keeps completed outputs, re-runs the failed and not-started agents, counts attempts', {
    timeout: 60_000,
  }, async () => {
    // Prepare: b fails once (no retries), so the session fails fast with c never started.
    const bed = await createDirectBed({ policyDefaults: { max_retries: 0 } });
    const task = await seedTask(bed.env, [
      { name: 'a', script: { answer: 'a-out' } },
      { name: 'b', preds: ['a'], script: { answer: 'b-out', fail_times: 1 } },
      { name: 'c', preds: ['b'], script: { answer: 'c-out({input})' } },
      { name: 'd', script: { answer: 'd-out' } },
    ]);
    const session = await bed.hub.executeProcedureTaskSession(tenantA, {
      coordinationUuid: task.coordinationUuid,
      taskUuid: task.taskUuid,
    });
    await drain(bed);
    const failed = await waitForStatus(bed.env, task.coordinationUuid, session.session_uuid, ['failed']);
    const before = await agentsByName(bed.env, session.session_uuid);
    // Act
    const redriven = await Promise.all([
      bed.hub.redriveProcedureTaskSession(tenantA, session.session_uuid, by),
      bed.hub.redriveProcedureTaskSession(tenantA, session.session_uuid, by),
    ]);
    await drain(bed, { duplicate: true });
    // Assess
    expect(failed.status).toBe('failed');
    expect(before.get('b')?.state).toBe('failed');
    expect(before.get('c')?.state).toBe('initial');
    expect(redriven.map((s) => s.status).every((s) => s === 'in_progress' || s === 'completed')).toBe(true);
    const done = await waitForStatus(bed.env, task.coordinationUuid, session.session_uuid, ['completed']);
    expect(done.redrive_count).toBe(1);
    const after = await agentsByName(bed.env, session.session_uuid);
    expect(after.get('a')?.agent_output).toBe('a-out');
    expect(after.get('a')?.updated_at).toBe(before.get('a')?.updated_at); // untouched
    expect(after.get('b')).toMatchObject({ state: 'completed', attempts: 2, redrives: 1 });
    expect(after.get('c')?.agent_output).toContain('b-out');
    for (const [name, calls] of [
      ['a', 1],
      ['b', 2],
      ['c', 1],
      ['d', 1],
    ] as const) {
      expect(bed.runtime.invocations.get(task.uuidOf(name))).toBe(calls);
    }
    await expect(
      bed.hub.redriveProcedureTaskSession(tenantA, session.session_uuid, by),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
  });
});
