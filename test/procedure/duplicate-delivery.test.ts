import { describe, expect, it } from 'vitest';
import { tenantA } from '../support/env.js';
import { createDirectBed, drain, seededRandom, seedTask } from './support.js';

/** A 10-agent DAG: two roots, a diamond, a fan-in of four, a tail. */
const TEN_AGENTS = [
  { name: 'a0' },
  { name: 'a1' },
  { name: 'a2', preds: ['a0'] },
  { name: 'a3', preds: ['a0', 'a1'] },
  { name: 'a4', preds: ['a1'] },
  { name: 'a5', preds: ['a2', 'a3'] },
  { name: 'a6', preds: ['a3', 'a4'] },
  { name: 'a7', preds: ['a2', 'a4', 'a5', 'a6'] },
  { name: 'a8', preds: ['a7'] },
  { name: 'a9', preds: ['a0', 'a8'] },
].map((a) => ({ ...a, script: { answer: `${a.name}({input})` } }));

describe('duplicate delivery', () => {
  it('100 sessions of a 10-agent DAG, every message delivered 2–3 times, shuffled, concurrent: each agent runs once', {
    timeout: 180_000,
  }, async () => {
    // Prepare
    const bed = await createDirectBed();
    const task = await seedTask(bed.env, TEN_AGENTS);
    // Act
    const sessions = await Promise.all(
      Array.from({ length: 100 }, () =>
        bed.hub.executeProcedureTaskSession(tenantA, {
          coordinationUuid: task.coordinationUuid,
          taskUuid: task.taskUuid,
        }),
      ),
    );
    const { deliveries, messages } = await drain(bed, { duplicate: true, random: seededRandom(42) });
    // Assess
    // Every message came 2–3 times: per session at least its start and its two roots (a successor
    // made ready may run inline, with no message of its own).
    expect(messages).toBeGreaterThanOrEqual(100 * 3);
    expect(deliveries).toBeGreaterThanOrEqual(2 * messages);
    for (const agent of TEN_AGENTS) expect(bed.runtime.invocations.get(task.uuidOf(agent.name))).toBe(100);
    expect(bed.runtime.stats.calls).toBe(1000);
    const outputs = new Set<string>();
    await Promise.all(
      sessions.map(async (session) => {
        const [stored, agents, runs, events] = await Promise.all([
          bed.env.repos.sessions.get(tenantA, task.coordinationUuid, session.session_uuid),
          bed.env.repos.sessionAgents.list(tenantA, { sessionUuid: session.session_uuid }),
          bed.env.repos.sessionRuns.list(tenantA, { sessionUuid: session.session_uuid }),
          bed.eventLog.list(tenantA, session.session_uuid, { limit: 1000 }),
        ]);
        expect(stored.status).toBe('completed');
        expect(agents).toHaveLength(10);
        expect(agents.every((a) => a.state === 'completed' && a.in_degree === 0)).toBe(true);
        expect(runs).toHaveLength(10);
        expect(
          events.filter((e) => e.type === 'session_status' && e.data.status === 'completed'),
        ).toHaveLength(1);
        expect(events.filter((e) => e.type === 'agent_state' && e.data.state === 'executing')).toHaveLength(
          10,
        );
        outputs.add(
          agents
            .map((a) => `${a.agent_uuid}=${a.agent_output}`)
            .sort()
            .join('|'),
        );
      }),
    );
    // Every session computed the same outputs (deterministic agents, whatever the delivery order).
    expect(outputs.size).toBe(1);
  });
});
