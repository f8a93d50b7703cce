import { describe, expect, it } from 'vitest';
import { createEventLog } from '../../src/events/event-log.js';
import { crashAfterWrite, InjectedCrash } from '../../src/hubs/procedure/faults.js';
import type { ProcedureMessage } from '../../src/queue/messages.js';
import { createRecordingQueue, type Envelope } from '../../src/queue/port.js';
import { createScriptedRuntime } from '../../src/runtimes/scripted.js';
import { createTestEnv, type TestEnv, tenantA } from '../support/env.js';
import { trackInFlight } from '../support/wait.js';
import { agentsByName, createHub, type SeededTask, seedTask } from './support.js';

/** A diamond with a merge action and a tail, under max_parallel: every kind of write the executor makes. */
const DAG = [
  { name: 'top', script: { answer: 'T[{input}]' } },
  { name: 'left', preds: ['top'], script: { answer: 'L[{input}]' } },
  { name: 'right', preds: ['top'], script: { answer: 'R' } },
  { name: 'join', preds: ['left', 'right'], actionFunction: { name: 'merge_outputs' } },
  { name: 'tail', preds: ['join'], script: { answer: 'done: {input}' } },
];

const runtime = createScriptedRuntime();

/** One session, messages handled one at a time; with `crashAt`, the "process" dies after that write. */
async function runSession(env: TestEnv, task: SeededTask, crashAt?: number) {
  const queue = createRecordingQueue();
  const clock = { offset: 0, now: () => Date.now() + clock.offset };
  const faults = crashAfterWrite(crashAt);
  const wire = trackInFlight(env.clients.dynamo);
  // A dead process enqueues nothing either.
  const guarded = {
    send: async (messages: readonly Envelope[]) => {
      if (faults.fired) throw new InjectedCrash(faults.count, 'enqueue (after the crash)');
      await queue.send(messages);
    },
  };
  const drain = async (hub: ReturnType<typeof createHub>['hub']) => {
    for (let message = queue.sent.shift(); message; message = queue.sent.shift()) {
      await hub.handleMessage(message as unknown as ProcedureMessage);
    }
  };
  const { hub } = createHub(env, guarded, { faults, clock, runtime });
  // The caller's idempotency key: after a failed call, the caller retries with the same key.
  const request = {
    coordinationUuid: task.coordinationUuid,
    taskUuid: task.taskUuid,
    idempotencyKey: `crash-${crashAt ?? 'none'}`,
  };
  let sessionUuid: string | undefined;
  let crashed = false;
  try {
    sessionUuid = (await hub.executeProcedureTaskSession(tenantA, request)).session_uuid;
    await drain(hub);
  } catch (error) {
    if (!(error instanceof InjectedCrash)) throw error;
    crashed = true;
  }
  if (crashed) {
    await wire.settled(); // requests that were on the wire land
    queue.take(); // messages the dead process had not handled are lost
    clock.offset += 3_600_000; // its leases expire
    const restarted = createHub(env, queue, { clock, runtime }).hub;
    sessionUuid = (await restarted.executeProcedureTaskSession(tenantA, request)).session_uuid;
    await restarted.resumeProcedureTaskSession(tenantA, sessionUuid);
    await drain(restarted);
    await restarted.resumeProcedureTaskSession(tenantA, sessionUuid); // after the end: fills a lost final event
  }
  wire.stop();
  return { crashed, sessionUuid, writes: faults.count, label: faults.labels[(crashAt ?? 1) - 1] };
}

describe('crash at every write boundary, then resume', () => {
  it('completes every session with the outputs of a crash-free run', { timeout: 240_000 }, async () => {
    // Prepare
    const env = await createTestEnv();
    const eventLog = createEventLog({ doc: env.clients.doc, tables: env.clients.tables });
    const task = await seedTask(env, DAG, { policy: { max_parallel: 2 } });
    const outputsOf = async (sessionUuid: string) => {
      const agents = await agentsByName(env, sessionUuid);
      return Object.fromEntries([...agents].map(([name, a]) => [name, a.agent_output]));
    };
    const reference = await runSession(env, task);
    expect(reference.crashed).toBe(false);
    const referenceOutputs = await outputsOf(reference.sessionUuid as string);
    expect(referenceOutputs.tail).toContain('done:');
    expect(reference.writes).toBeGreaterThan(20);

    // Act: one session per write boundary (a few at a time)
    const ks = Array.from({ length: reference.writes }, (_, i) => i + 1);
    const runs: Awaited<ReturnType<typeof runSession>>[] = [];
    for (let i = 0; i < ks.length; i += 6) {
      runs.push(...(await Promise.all(ks.slice(i, i + 6).map((k) => runSession(env, task, k)))));
    }

    // Assess
    for (const [i, run] of runs.entries()) {
      const k = i + 1;
      expect(run.crashed, `write ${k} should crash`).toBe(true);
      const sessionUuid = run.sessionUuid;
      expect(sessionUuid, `write ${k}: the retried call returns the session`).toBeDefined();
      const after = await env.repos.sessions.get(tenantA, task.coordinationUuid, sessionUuid as string);
      expect(after.status, `crash after write ${k} (${run.label})`).toBe('completed');
      expect(await outputsOf(sessionUuid as string), `outputs after a crash at write ${k}`).toEqual(
        referenceOutputs,
      );
      const agents = await env.repos.sessionAgents.list(tenantA, { sessionUuid: sessionUuid as string });
      expect(agents.every((a) => a.state === 'completed' && a.in_degree === 0)).toBe(true);
      const events = await eventLog.list(tenantA, sessionUuid as string, { limit: 1000 });
      const completedEvents = events.filter(
        (e) => e.type === 'session_status' && e.data.status === 'completed',
      );
      expect(completedEvents, `one completed event after a crash at write ${k}`).toHaveLength(1);
    }
  });
});
