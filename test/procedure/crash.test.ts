import { describe, expect, it } from 'vitest';
import { crashAfterWrite, InjectedCrash } from '../../src/hubs/procedure/faults.js';
import type { ProcedureMessage } from '../../src/queue/messages.js';
import { createRecordingQueue } from '../../src/queue/port.js';
import { createScriptedRuntime } from '../../src/runtimes/scripted.js';
import { createTestEnv, tenantA } from '../support/env.js';
import { agentsByName, createHub, seedTask } from './support.js';

/** A diamond with a merge action and a tail: every kind of write the executor makes. */
const DAG = [
  { name: 'top', script: { answer: 'T[{input}]' } },
  { name: 'left', preds: ['top'], script: { answer: 'L[{input}]' } },
  { name: 'right', preds: ['top'], script: { answer: 'R' } },
  { name: 'join', preds: ['left', 'right'], actionFunction: { name: 'merge_outputs' } },
  { name: 'tail', preds: ['join'], script: { answer: 'done: {input}' } },
];

describe('crash at every write boundary, then resume', () => {
  it('completes every session with the outputs of a crash-free run', { timeout: 240_000 }, async () => {
    // Prepare
    const env = await createTestEnv();
    const task = await seedTask(env, DAG, { policy: { max_parallel: 2 } });
    const runtime = createScriptedRuntime();
    const clock = { offset: 0, now: () => Date.now() + clock.offset };
    const queue = createRecordingQueue();

    async function runOnce(crashAt?: number) {
      const faults = crashAfterWrite(crashAt);
      // A dead process enqueues nothing either.
      const guarded = {
        send: async (messages: Parameters<typeof queue.send>[0]) => {
          if (faults.fired) throw new InjectedCrash(faults.count, 'enqueue (after the crash)');
          await queue.send(messages);
        },
      };
      const { hub } = createHub(env, guarded, { faults, clock, runtime });
      let crashed = false;
      let sessionUuid: string | undefined;
      try {
        const session = await hub.executeProcedureTaskSession(tenantA, {
          coordinationUuid: task.coordinationUuid,
          taskUuid: task.taskUuid,
        });
        sessionUuid = session.session_uuid;
        // One message at a time: the crash stops the "process" between two writes.
        for (let message = queue.take()[0]; message; message = queue.sent.shift()) {
          await hub.handleMessage(message as unknown as ProcedureMessage);
        }
      } catch (error) {
        if (!(error instanceof InjectedCrash)) throw error;
        crashed = true;
      }
      return { hub, faults, crashed, sessionUuid };
    }

    const outputsOf = async (sessionUuid: string) => {
      const agents = await agentsByName(env, sessionUuid);
      return Object.fromEntries([...agents].map(([name, a]) => [name, a.agent_output]));
    };

    const reference = await runOnce();
    expect(reference.crashed).toBe(false);
    const referenceOutputs = await outputsOf(reference.sessionUuid as string);
    const totalWrites = reference.faults.count;
    expect(totalWrites).toBeGreaterThan(20);

    // Act + Assess, for every k
    for (let k = 1; k <= totalWrites; k++) {
      queue.take();
      const run = await runOnce(k);
      expect(run.crashed, `write ${k} should crash`).toBe(true);
      await new Promise((r) => setTimeout(r, 50)); // let requests that were on the wire land
      queue.take(); // the process died: messages it had not handled are lost too
      const sessions = await env.repos.sessions.list(tenantA, { coordinationUuid: task.coordinationUuid });
      const session = run.sessionUuid
        ? sessions.find((s) => s.session_uuid === run.sessionUuid)
        : sessions.find((s) => s.status === 'dispatched' || s.status === 'in_progress');
      if (!session) continue; // crashed before the session row existed: nothing to resume
      clock.offset += 3_600_000; // leases of the dead process expire
      const { hub } = createHub(env, queue, { clock, runtime });
      await hub.resumeProcedureTaskSession(tenantA, session.session_uuid);
      for (let message = queue.take()[0]; message; message = queue.sent.shift()) {
        await hub.handleMessage(message as unknown as ProcedureMessage);
      }
      const after = await env.repos.sessions.get(tenantA, task.coordinationUuid, session.session_uuid);
      expect(after.status, `crash after write ${k} (${run.faults.labels[k - 1]})`).toBe('completed');
      expect(await outputsOf(session.session_uuid), `outputs after crash at write ${k}`).toEqual(
        referenceOutputs,
      );
      const agents = await env.repos.sessionAgents.list(tenantA, { sessionUuid: session.session_uuid });
      expect(agents.every((a) => a.state === 'completed' && a.in_degree === 0)).toBe(true);
      const raw = await env.repos.sessions.get(tenantA, task.coordinationUuid, session.session_uuid);
      expect(raw.status).toBe('completed');
    }
  });
});
