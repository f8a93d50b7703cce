import { describe, expect, it } from 'vitest';
import { crashAfterWrite, InjectedCrash } from '../../src/hubs/procedure/faults.js';
import type { ProcedureMessage } from '../../src/queue/messages.js';
import { createRecordingQueue, type Envelope } from '../../src/queue/port.js';
import { createScriptedRuntime } from '../../src/runtimes/scripted.js';
import { OUTCOME_UNKNOWN } from '../../src/tools/answer-calls.js';
import { createToolCallStore } from '../../src/tools/call-store.js';
import { createTestEnv, type TestEnv, tenantA, tenantB } from '../support/env.js';
import { countingTool, createToolBed } from '../tools/support.js';
import {
  agentsByName,
  createDirectBed,
  createHub,
  drain,
  type SeededTask,
  seededRandom,
  seedTask,
} from './support.js';

/** An agent whose scripted model calls lookup_order once and answers with its result. */
const toolAgent = (name: string, preds: string[] = [], extra: Record<string, unknown> = {}) => ({
  name,
  preds,
  script: {
    tool_calls: [{ name: 'lookup_order', arguments: { order_id: `${name}-1` } }],
    answer: '{agent_name} saw {tool:lookup_order}',
  },
  extra: { tools: [{ type: 'builtin', name: 'lookup_order', ...extra }] },
});

/** One session, messages handled one at a time; after write `crashAt` the process dies, then a new one resumes. */
async function runWithCrash(
  env: TestEnv,
  task: SeededTask,
  toolbox: ReturnType<typeof createToolBed>['toolbox'],
  crashAt?: number,
) {
  const queue = createRecordingQueue();
  const clock = { offset: 0, now: () => Date.now() + clock.offset };
  const faults = crashAfterWrite(crashAt);
  const runtime = createScriptedRuntime();
  const guarded = {
    send: async (messages: readonly Envelope[]) => {
      if (faults.fired) throw new InjectedCrash(faults.count, 'enqueue (after the crash)');
      await queue.send(messages);
    },
  };
  const drainAll = async (hub: ReturnType<typeof createHub>['hub']) => {
    for (let m = queue.sent.shift(); m; m = queue.sent.shift())
      await hub.handleMessage(m as unknown as ProcedureMessage);
  };
  const request = {
    coordinationUuid: task.coordinationUuid,
    taskUuid: task.taskUuid,
    idempotencyKey: `crash-${crashAt ?? 'none'}-${Math.random()}`,
  };
  const { hub } = createHub(env, guarded, { faults, clock, runtime, toolbox });
  let sessionUuid: string | undefined;
  try {
    sessionUuid = (await hub.executeProcedureTaskSession(tenantA, request)).session_uuid;
    await drainAll(hub);
  } catch (error) {
    if (!(error instanceof InjectedCrash)) throw error;
    await new Promise((r) => setTimeout(r, 50)); // requests already on the wire land
    queue.take();
    clock.offset += 3_600_000; // the dead worker's lease expires
    const restarted = createHub(env, queue, { clock, runtime, toolbox }).hub;
    sessionUuid = (await restarted.executeProcedureTaskSession(tenantA, request)).session_uuid;
    await restarted.resumeProcedureTaskSession(tenantA, sessionUuid);
    await drainAll(restarted);
  }
  return { sessionUuid: sessionUuid as string, labels: faults.labels };
}

describe('procedure hub: agents with tools', () => {
  it('runs the tool through the engine loop and records tool_call / tool_result events', async () => {
    const lookup = countingTool();
    const bed = await createDirectBed({
      toolbox: createToolBed(await createTestEnv(), { builtins: [lookup.tool] }).toolbox,
    });
    const task = await seedTask(bed.env, [toolAgent('buyer')]);
    const session = await bed.hub.executeProcedureTaskSession(tenantA, {
      coordinationUuid: task.coordinationUuid,
      taskUuid: task.taskUuid,
    });
    await drain(bed);

    const agent = (await agentsByName(bed.env, session.session_uuid)).get('buyer');
    expect(agent?.state).toBe('completed');
    expect(agent?.agent_output).toBe('buyer saw {"order_id":"buyer-1","status":"shipped"}');
    expect(lookup.calls).toEqual([{ order_id: 'buyer-1' }]);
    const events = await bed.eventLog.list(tenantA, session.session_uuid, { limit: 1000 });
    const call = events.find((e) => e.type === 'tool_call');
    const result = events.find((e) => e.type === 'tool_result');
    expect(call?.data).toMatchObject({
      call_id: 'call_1',
      tool: 'lookup_order',
      arguments: { order_id: 'buyer-1' },
    });
    expect(result?.data).toMatchObject({
      call_id: 'call_1',
      ok: true,
      result: '{"order_id":"buyer-1","status":"shipped"}',
    });
    expect(call?.data.run_uuid).toBe(result?.data.run_uuid);
    const runs = await bed.env.repos.sessionRuns.list(tenantA, { sessionUuid: session.session_uuid });
    expect(runs.map((r) => r.run_uuid)).toEqual([call?.data.run_uuid]);
  });

  it('a crash after the tool call and before the agent finishes: resumed, the tool was called once and its result used', {
    timeout: 60_000,
  }, async () => {
    const env = await createTestEnv();
    const lookup = countingTool();
    const { toolbox } = createToolBed(env, { builtins: [lookup.tool] });
    const task = await seedTask(env, [
      toolAgent('buyer'),
      { name: 'tail', preds: ['buyer'], script: { answer: 'tail({input})' } },
    ]);
    const reference = await runWithCrash(env, task, toolbox);
    const doneAt = reference.labels.indexOf('tool_call_done') + 1;
    expect(doneAt).toBeGreaterThan(0);
    lookup.calls.length = 0;

    // Every write from the stored result to the agent's completion.
    const lastWrite = reference.labels.indexOf('agent_completed') + 1;
    for (let k = doneAt; k < lastWrite; k++) {
      lookup.calls.length = 0;
      const { sessionUuid } = await runWithCrash(env, task, toolbox, k);
      const agents = await agentsByName(env, sessionUuid);
      expect(lookup.calls, `crash after write ${k} (${reference.labels[k - 1]})`).toHaveLength(1);
      expect(agents.get('buyer')?.agent_output).toBe('buyer saw {"order_id":"buyer-1","status":"shipped"}');
      expect(agents.get('tail')?.state).toBe('completed');
    }
  });

  it('a crash while the call is in flight: not repeated (outcome unknown) unless the tool is idempotent', async () => {
    const env = await createTestEnv();
    for (const idempotent of [false, true]) {
      const lookup = countingTool('lookup_order', { idempotent });
      const { toolbox } = createToolBed(env, { builtins: [lookup.tool] });
      const task = await seedTask(env, [toolAgent('buyer')]);
      const reference = await runWithCrash(env, task, toolbox);
      const startedAt = reference.labels.indexOf('tool_call_started') + 1;
      lookup.calls.length = 0;

      const { sessionUuid } = await runWithCrash(env, task, toolbox, startedAt);

      const buyer = (await agentsByName(env, sessionUuid)).get('buyer');
      expect(buyer?.state).toBe('completed');
      if (idempotent) {
        expect(lookup.calls).toHaveLength(1);
        expect(buyer?.agent_output).toContain('shipped');
      } else {
        expect(lookup.calls).toHaveLength(0);
        expect(buyer?.agent_output).toBe(`buyer saw error: ${OUTCOME_UNKNOWN}`);
      }
    }
  });

  it('duplicate, shuffled, concurrent deliveries: every tool called exactly once per session', {
    timeout: 120_000,
  }, async () => {
    const env = await createTestEnv();
    const lookup = countingTool();
    const bed = await createDirectBed({
      env,
      toolbox: createToolBed(env, { builtins: [lookup.tool] }).toolbox,
    });
    const task = await seedTask(env, [toolAgent('a'), toolAgent('b'), toolAgent('c', ['a', 'b'])]);
    const sessions = await Promise.all(
      Array.from({ length: 20 }, () =>
        bed.hub.executeProcedureTaskSession(tenantA, {
          coordinationUuid: task.coordinationUuid,
          taskUuid: task.taskUuid,
        }),
      ),
    );
    await drain(bed, { duplicate: true, random: seededRandom(7) });

    expect(lookup.calls).toHaveLength(60);
    for (const session of sessions) {
      const agents = await agentsByName(env, session.session_uuid);
      expect([...agents.values()].every((a) => a.state === 'completed')).toBe(true);
      const events = await bed.eventLog.list(tenantA, session.session_uuid, { limit: 1000 });
      expect(events.filter((e) => e.type === 'tool_call')).toHaveLength(3);
      expect(events.filter((e) => e.type === 'tool_result')).toHaveLength(3);
    }
  });

  it('approval: the agent waits with its pending calls; user input is refused; one decision continues it', async () => {
    const env = await createTestEnv();
    const lookup = countingTool();
    const bed = await createDirectBed({
      env,
      toolbox: createToolBed(env, { builtins: [lookup.tool] }).toolbox,
    });
    const task = await seedTask(env, [toolAgent('buyer', [], { needs_approval: true })]);
    const session = await bed.hub.executeProcedureTaskSession(tenantA, {
      coordinationUuid: task.coordinationUuid,
      taskUuid: task.taskUuid,
    });
    await drain(bed);
    const waiting = (await agentsByName(env, session.session_uuid)).get('buyer');
    expect(waiting?.state).toBe('wait_for_user_input');
    expect(waiting?.pending_tool_calls).toEqual([
      { call_id: 'call_1', tool: 'lookup_order', arguments: { order_id: 'buyer-1' } },
    ]);
    expect(lookup.calls).toHaveLength(0);
    const key = { sessionUuid: session.session_uuid, sessionAgentUuid: waiting!.session_agent_uuid };
    await expect(bed.hub.executeForUserInput(tenantA, { ...key, userInput: 'ok' })).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    await expect(
      bed.hub.decideToolCalls(tenantA, { ...key, decisions: [{ callId: 'other', approve: true }] }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(
      bed.hub.decideToolCalls(tenantB, { ...key, decisions: [{ callId: 'call_1', approve: true }] }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });

    const decide = () =>
      bed.hub.decideToolCalls(tenantA, {
        ...key,
        decisions: [{ callId: 'call_1', approve: true, arguments: { order_id: 'B-9' } }],
      });
    const [first, second] = await Promise.allSettled([decide(), decide()]);
    await drain(bed);

    expect([first.status, second.status].sort()).toEqual(['fulfilled', 'rejected']);
    const done = (await agentsByName(env, session.session_uuid)).get('buyer');
    expect(done?.state).toBe('completed');
    expect(done?.agent_output).toBe('buyer saw {"order_id":"B-9","status":"shipped"}');
    expect(lookup.calls).toEqual([{ order_id: 'B-9' }]);
    const types = (await bed.eventLog.list(tenantA, session.session_uuid, { limit: 1000 })).map(
      (e) => e.type,
    );
    expect(types.filter((t) => t.startsWith('tool_'))).toEqual([
      'tool_call',
      'tool_approval_requested',
      'tool_calls_decided',
      'tool_result',
    ]);
  });

  it('cancel while waiting for approval: the agent is cancelled, its call answered with an error, nothing is left to approve', async () => {
    // Prepare: an agent waiting for a person's approval of its one call.
    const env = await createTestEnv();
    const lookup = countingTool();
    const cancelledHook: string[] = [];
    const bed = await createDirectBed({
      env,
      toolbox: createToolBed(env, { builtins: [lookup.tool] }).toolbox,
      onAgentCancelled: async (_tenant, agent) => {
        cancelledHook.push(agent.session_agent_uuid);
      },
    });
    const task = await seedTask(env, [toolAgent('buyer', [], { needs_approval: true })]);
    const session = await bed.hub.executeProcedureTaskSession(tenantA, {
      coordinationUuid: task.coordinationUuid,
      taskUuid: task.taskUuid,
    });
    await drain(bed);
    const waiting = (await agentsByName(env, session.session_uuid)).get('buyer');
    expect(waiting?.state).toBe('wait_for_user_input');
    const runUuid = waiting?.run_uuid as string;
    const calls = createToolCallStore({ doc: env.clients.doc, tables: env.clients.tables });
    expect((await calls.getCall(tenantA, runUuid, 'call_1'))?.status).toBe('awaiting_approval');

    // Act: cancel (twice), then try to approve the call.
    const by = { by: 'operator-7', reason: 'order withdrawn' };
    await bed.hub.cancelProcedureTaskSession(tenantA, session.session_uuid, by);
    await bed.hub.cancelProcedureTaskSession(tenantA, session.session_uuid, by);
    const key = { sessionUuid: session.session_uuid, sessionAgentUuid: waiting!.session_agent_uuid };
    const approve = bed.hub.decideToolCalls(tenantA, {
      ...key,
      decisions: [{ callId: 'call_1', approve: true }],
    });
    await expect(approve).rejects.toMatchObject({ code: 'CONFLICT' });
    await drain(bed);

    // Assess: the agent and its call are closed; the tool never ran; the events say so.
    const agent = (await agentsByName(env, session.session_uuid)).get('buyer');
    expect(agent?.state).toBe('cancelled');
    expect(agent?.pending_tool_calls ?? null).toBeNull();
    const call = await calls.getCall(tenantA, runUuid, 'call_1');
    expect(call?.status).toBe('done');
    expect(call?.result).toEqual({ ok: false, value: 'tool call not made: cancelled: order withdrawn' });
    expect(call?.decision).toEqual({ approve: false, reason: 'cancelled: order withdrawn' });
    expect(lookup.calls).toHaveLength(0);
    expect(cancelledHook).toEqual([agent?.session_agent_uuid]);
    const events = await bed.eventLog.list(tenantA, session.session_uuid, { limit: 1000 });
    const results = events.filter((e) => e.type === 'tool_result');
    expect(results).toHaveLength(1);
    expect(results[0]?.data).toMatchObject({ call_id: 'call_1', ok: false, run_uuid: runUuid });
    expect(events.filter((e) => e.type === 'tool_calls_decided')).toHaveLength(0);
  });

  it('an agent whose tool calls were decided has started: a plan modification of it is refused', async () => {
    // Prepare: the agent waits for approval; the decision puts it back to initial (its run goes on).
    const env = await createTestEnv();
    const lookup = countingTool();
    const bed = await createDirectBed({
      env,
      toolbox: createToolBed(env, { builtins: [lookup.tool] }).toolbox,
    });
    const task = await seedTask(env, [toolAgent('buyer', [], { needs_approval: true })]);
    const session = await bed.hub.executeProcedureTaskSession(tenantA, {
      coordinationUuid: task.coordinationUuid,
      taskUuid: task.taskUuid,
    });
    await drain(bed);
    const waiting = (await agentsByName(env, session.session_uuid)).get('buyer');
    const sessionAgentUuid = waiting?.session_agent_uuid as string;
    await bed.hub.decideToolCalls(tenantA, {
      sessionUuid: session.session_uuid,
      sessionAgentUuid,
      decisions: [{ callId: 'call_1', approve: true }],
    });
    const decided = (await agentsByName(env, session.session_uuid)).get('buyer');
    expect(decided?.state).toBe('initial');
    // Act
    const modify = bed.hub.modifyProcedureTaskSession(tenantA, session.session_uuid, {
      by: 'planner',
      modifications: [{ operation: 'modify_agent', sessionAgentUuid, subtaskQuery: 'something else' }],
    });
    // Assess: refused, nothing changed, and the run finishes as decided.
    await expect(modify).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      message: expect.stringContaining(`${sessionAgentUuid}: has started`),
    });
    await drain(bed);
    const done = (await agentsByName(env, session.session_uuid)).get('buyer');
    expect(done?.state).toBe('completed');
    expect(done?.subtask_query).toBe(waiting?.subtask_query);
    expect(lookup.calls).toHaveLength(1);
  });
});
