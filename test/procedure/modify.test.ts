import { describe, expect, it } from 'vitest';
import type { Envelope } from '../../src/queue/port.js';
import { tenantA } from '../support/env.js';
import {
  type AgentSpec,
  agentsByName,
  createDirectBed,
  drain,
  seededRandom,
  seedTask,
  shuffle,
  sqsEventOf,
} from './support.js';

const answer = (name: string) => ({ answer: `${name}({input})` });
/**
 * a -> b, c; b, c -> d -> e; a, d -> y; x is a coordination agent the plan does not use yet. y waits for d
 * as well as a, so a's decrement of y is in flight while y is removed, yet y cannot be made ready (and run
 * inline) during the race: d needs both b and c, and only one of them runs inline after a.
 */
const RUNNING: AgentSpec[] = [
  { name: 'a' },
  { name: 'b', preds: ['a'] },
  { name: 'c', preds: ['a'] },
  { name: 'y', preds: ['a', 'd'] },
  { name: 'd', preds: ['b', 'c'] },
  { name: 'e', preds: ['d'] },
  { name: 'x', noSubtask: true },
].map((s) => ({ ...s, script: answer(s.name) }));
/** The same plan as it is after the modifications, from the start. */
const MODIFIED: AgentSpec[] = [
  { name: 'a' },
  { name: 'b', preds: ['a'] },
  { name: 'c', preds: ['a'] },
  { name: 'x', preds: ['a'] },
  { name: 'd', preds: ['b', 'c', 'x'] },
  { name: 'e', preds: ['d', 'b'] },
].map((s) => ({ ...s, script: answer(s.name) }));

const outputsByName = async (bed: Awaited<ReturnType<typeof createDirectBed>>, sessionUuid: string) =>
  Object.fromEntries([...(await agentsByName(bed.env, sessionUuid))].map(([n, a]) => [n, a.agent_output]));

describe('modifyProcedureTaskSession', () => {
  it('modifications racing duplicated, shuffled, concurrent completions: each agent runs once, in-degrees end at 0, outputs match the modified plan', {
    timeout: 180_000,
  }, async () => {
    // Prepare: one successor inline per completion, so what a modification changes cannot all have
    // started inside a's own delivery before the modification is applied (it would rightly be a CONFLICT)
    const bed = await createDirectBed({ inlineRunsPerWorker: 1 });
    const task = await seedTask(bed.env, RUNNING);
    const reference = await seedTask(bed.env, MODIFIED);
    const expected = await bed.hub.executeProcedureTaskSession(tenantA, {
      coordinationUuid: reference.coordinationUuid,
      taskUuid: reference.taskUuid,
    });
    await drain(bed);
    const expectedOutputs = await outputsByName(bed, expected.session_uuid);
    bed.runtime.reset();
    const sessions = await Promise.all(
      Array.from({ length: 20 }, () =>
        bed.hub.executeProcedureTaskSession(tenantA, {
          coordinationUuid: task.coordinationUuid,
          taskUuid: task.taskUuid,
        }),
      ),
    );
    const startSessions = bed.queue.take();
    await Promise.all([
      bed.handler(sqsEventOf(startSessions.slice(0, 10))),
      bed.handler(sqsEventOf(startSessions.slice(10))),
    ]);
    const starts = bed.queue.take(); // a's execute_agent, one per session
    const random = seededRandom(11);
    // Act: a's deliveries (2–3 each, shuffled, concurrent batches) race one modification per session.
    const round = starts.flatMap((m) => [m, m, ...(random() < 0.5 ? [m] : [])]);
    shuffle(round, random);
    const batches: Envelope[][] = [];
    for (let i = 0; i < round.length; i += 10) batches.push(round.slice(i, i + 10));
    const modified = await Promise.all([
      ...sessions.map(async (session) => {
        const rows = await agentsByName(bed.env, session.session_uuid);
        const uuid = (name: string) => rows.get(name)?.session_agent_uuid as string;
        return bed.hub.modifyProcedureTaskSession(tenantA, session.session_uuid, {
          by: 'planner',
          reason: 'x checks b and c; e also reads b; y is not needed',
          modifications: [
            {
              operation: 'add_agent',
              agentUuid: task.uuidOf('x'),
              subtaskQuery: 'task for x',
              predecessors: [uuid('a')],
              successors: [uuid('d')],
            },
            {
              operation: 'change_predecessors',
              sessionAgentUuid: uuid('e'),
              predecessors: [uuid('b'), uuid('d')],
            },
            { operation: 'remove_agent', sessionAgentUuid: uuid('y') },
          ],
        });
      }),
      ...batches.map((batch) => bed.handler(sqsEventOf(batch)).then(() => [])),
    ]);
    await drain(bed, { duplicate: true, random });
    // Assess
    for (const name of ['a', 'b', 'c', 'd', 'e', 'x']) {
      expect(bed.runtime.invocations.get(task.uuidOf(name))).toBe(20);
    }
    expect(bed.runtime.invocations.get(task.uuidOf('y'))).toBeUndefined();
    for (const [i, session] of sessions.entries()) {
      expect(modified[i]?.map((m) => `${m.operation}:${m.status}`)).toEqual([
        'add_agent:applied',
        'change_predecessors:applied',
        'remove_agent:applied',
      ]);
      const stored = await bed.env.repos.sessions.get(tenantA, task.coordinationUuid, session.session_uuid);
      expect(stored.status).toBe('completed');
      const agents = await bed.env.repos.sessionAgents.listOfSession(tenantA, session.session_uuid);
      expect(agents).toHaveLength(6);
      expect(agents.every((a) => a.state === 'completed' && a.in_degree === 0 && a.attempts === 1)).toBe(
        true,
      );
      expect(await outputsByName(bed, session.session_uuid)).toEqual(expectedOutputs);
    }
  });

  it('an invalid modified graph is BAD_USER_INPUT naming the agents, with nothing changed', async () => {
    // Prepare
    const bed = await createDirectBed();
    const task = await seedTask(bed.env, RUNNING);
    const session = await bed.hub.executeProcedureTaskSession(tenantA, {
      coordinationUuid: task.coordinationUuid,
      taskUuid: task.taskUuid,
    });
    await bed.handler(sqsEventOf(bed.queue.take()));
    const before = await bed.env.repos.sessionAgents.listOfSession(tenantA, session.session_uuid);
    const rows = await agentsByName(bed.env, session.session_uuid);
    const uuid = (name: string) => rows.get(name)?.session_agent_uuid as string;
    // Act: both at once, each settled as it ends (neither rejection is left unhandled while the other runs)
    const [cycle, dependent] = await Promise.allSettled([
      bed.hub.modifyProcedureTaskSession(tenantA, session.session_uuid, {
        by: 'planner',
        modifications: [
          { operation: 'change_predecessors', sessionAgentUuid: uuid('b'), predecessors: [uuid('e')] },
        ],
      }),
      bed.hub.modifyProcedureTaskSession(tenantA, session.session_uuid, {
        by: 'planner',
        modifications: [{ operation: 'remove_agent', sessionAgentUuid: uuid('d') }],
      }),
    ]);
    const reasonOf = (settled: PromiseSettledResult<unknown>) =>
      settled.status === 'rejected' ? Promise.reject(settled.reason) : Promise.resolve(settled.value);
    // Assess
    await expect(reasonOf(cycle)).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      message: expect.stringMatching(/cycle/),
    });
    await expect(reasonOf(dependent)).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      message: expect.stringContaining(`depends on removed agent ${uuid('d')}`),
    });
    expect(await bed.env.repos.sessionAgents.listOfSession(tenantA, session.session_uuid)).toEqual(before);
    expect(await bed.hub.planModifications(tenantA, session.session_uuid)).toEqual([]);
  });

  it('with requireApproval it waits for decidePlanModification; approved applies, rejected does not', async () => {
    // Prepare
    const bed = await createDirectBed();
    const task = await seedTask(bed.env, RUNNING);
    const session = await bed.hub.executeProcedureTaskSession(tenantA, {
      coordinationUuid: task.coordinationUuid,
      taskUuid: task.taskUuid,
    });
    await bed.handler(sqsEventOf(bed.queue.take()));
    const rows = await agentsByName(bed.env, session.session_uuid);
    const uuid = (name: string) => rows.get(name)?.session_agent_uuid as string;
    // Act
    const [rename, drop] = await bed.hub.modifyProcedureTaskSession(tenantA, session.session_uuid, {
      by: 'planner',
      reason: 'sharper',
      requireApproval: true,
      modifications: [
        { operation: 'modify_agent', sessionAgentUuid: uuid('e'), subtaskQuery: 'summarise for the board' },
        { operation: 'remove_agent', sessionAgentUuid: uuid('y') },
      ],
    });
    const pending = await agentsByName(bed.env, session.session_uuid);
    const approved = await bed.hub.decidePlanModification(tenantA, session.session_uuid, {
      modificationUuid: rename?.modification_uuid as string,
      approve: true,
      by: 'lead',
      reason: 'ok',
    });
    const rejected = await bed.hub.decidePlanModification(tenantA, session.session_uuid, {
      modificationUuid: drop?.modification_uuid as string,
      approve: false,
      by: 'lead',
      reason: 'keep y',
    });
    await drain(bed, { duplicate: true });
    // Assess
    expect(rename?.status).toBe('requested');
    expect(pending.get('e')?.subtask_query).toBe('task for e');
    expect(approved).toMatchObject({
      status: 'applied',
      decided_by: 'lead',
      requested_by: 'planner',
      reason: 'sharper',
    });
    expect(approved.old_value).toMatchObject({ subtask_query: 'task for e' });
    expect(approved.new_value).toMatchObject({ subtask_query: 'summarise for the board' });
    expect(approved.applied_at).toBeTruthy();
    expect(rejected).toMatchObject({ status: 'rejected', decision_reason: 'keep y' });
    const done = await agentsByName(bed.env, session.session_uuid);
    expect(done.get('e')?.agent_input).toContain('summarise for the board');
    expect(done.get('y')?.state).toBe('completed');
    const listed = await bed.hub.planModifications(tenantA, session.session_uuid);
    expect(listed.map((m) => m.status)).toEqual(['applied', 'rejected']);
    const events = (await bed.eventLog.list(tenantA, session.session_uuid, { limit: 1000 }))
      .filter((e) => e.type === 'plan_modification')
      .map((e) => `${e.data.operation}:${e.data.status}`);
    expect(events).toEqual([
      'modify_agent:requested',
      'remove_agent:requested',
      'modify_agent:approved',
      'modify_agent:applied',
      'remove_agent:rejected',
    ]);
    await expect(
      bed.hub.decidePlanModification(tenantA, session.session_uuid, {
        modificationUuid: drop?.modification_uuid as string,
        approve: true,
        by: 'lead',
      }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
  });
});
