import { describe, expect, it } from 'vitest';
import { createGovernance } from '../../src/governance/governance.js';
import { createDirectBed, drain, seedTask } from '../procedure/support.js';
import { createTestEnv, tenantA } from '../support/env.js';

const prices = { 'm-small': { input: 1, output: 2 } };
const PER_CALL = (100 * 1 + 40 * 2) / 1e6; // USD

describe.each([
  { name: 'unbounded parallelism', maxParallel: undefined },
  { name: 'max_parallel 4', maxParallel: 4 },
])('budgets: a 20-agent parallel DAG with maxCostUsd below its cost ($name)', ({ maxParallel }) => {
  it('ends budget_exceeded, starts no model call after the budget event, and overshoots by at most the calls in flight', async () => {
    // Prepare: 20 independent agents (each call costs PER_CALL) and a join agent after them; the budget buys 5 calls.
    const env = await createTestEnv();
    const governance = createGovernance({ doc: env.clients.doc, tables: env.clients.tables, prices });
    const bed = await createDirectBed({ env, governance });
    const script = (i: number) => ({
      usage: { model: 'm-small', input_tokens: 100, output_tokens: 40 },
      delay_ms: 5 + (i % 7) * 6,
    });
    const names = Array.from({ length: 20 }, (_, i) => `w${i}`);
    const maxCostUsd = 5 * PER_CALL;
    const seeded = await seedTask(
      env,
      [
        ...names.map((name, i) => ({ name, script: script(i) })),
        { name: 'join', preds: names, script: script(0) },
      ],
      {
        policy: { max_cost_usd: maxCostUsd, ...(maxParallel && { max_parallel: maxParallel }) },
      },
    );
    const session = await bed.hub.executeProcedureTaskSession(tenantA, {
      coordinationUuid: seeded.coordinationUuid,
      taskUuid: seeded.taskUuid,
    });
    // Act
    await drain(bed, { duplicate: true });
    // Assess
    const stored = await env.repos.sessions.get(tenantA, seeded.coordinationUuid, session.session_uuid);
    expect(stored.status).toBe('budget_exceeded');
    expect(stored.budget_exceeded).toBe('maxCostUsd');
    const events = await bed.eventLog.list(tenantA, session.session_uuid);
    const budgetEvents = events.filter((e) => e.type === 'budget_exceeded');
    expect(budgetEvents).toHaveLength(1);
    const startedAtEvent = Number(budgetEvents[0]?.data.model_calls_started);
    // No call started after the event: the counter never moved again, and every started call was recorded.
    expect(stored.model_calls_started).toBe(startedAtEvent);
    expect(stored.model_calls).toBe(startedAtEvent);
    const overshootUsd = (stored.cost_usd ?? 0) - maxCostUsd;
    const inFlightAtBudget = startedAtEvent - 5; // calls beyond the 5 the budget bought were in flight when it was crossed
    console.log(
      `[budget ${maxParallel ? `max_parallel ${maxParallel}` : 'unbounded'}] maxCostUsd=${maxCostUsd.toFixed(6)} spent=${(stored.cost_usd ?? 0).toFixed(6)} overshoot=${overshootUsd.toFixed(6)} USD = ${Math.round(overshootUsd / PER_CALL)} call(s); calls started ${startedAtEvent} of 21`,
    );
    expect(overshootUsd).toBeGreaterThanOrEqual(0);
    expect(overshootUsd).toBeLessThanOrEqual(inFlightAtBudget * PER_CALL + 1e-12);
    if (maxParallel) expect(inFlightAtBudget).toBeLessThanOrEqual(maxParallel - 1);
    // The join agent never ran; agents refused by the budget are back to initial, never started.
    const agents = await env.repos.sessionAgents.list(tenantA, { sessionUuid: session.session_uuid });
    const join = agents.find((a) => a.agent_uuid === seeded.uuidOf('join'));
    expect(join?.state).toBe('initial');
    expect(agents.filter((a) => a.state === 'completed')).toHaveLength(startedAtEvent);
  });
});

describe('budgets: maxModelCalls is exact', () => {
  it('a chain of 6 with maxModelCalls 3 runs exactly 3 calls', async () => {
    const env = await createTestEnv();
    const governance = createGovernance({ doc: env.clients.doc, tables: env.clients.tables, prices });
    const bed = await createDirectBed({ env, governance });
    const script = { usage: { model: 'm-small', input_tokens: 1, output_tokens: 1 } };
    const seeded = await seedTask(
      env,
      ['a', 'b', 'c', 'd', 'e', 'f'].map((name, i, all) => ({
        name,
        script,
        ...(i > 0 && { preds: [all[i - 1] as string] }),
      })),
      { policy: { max_model_calls: 3, preset: 'crisis' } },
    );
    const session = await bed.hub.executeProcedureTaskSession(tenantA, {
      coordinationUuid: seeded.coordinationUuid,
      taskUuid: seeded.taskUuid,
    });
    await drain(bed, { duplicate: true });
    const stored = await env.repos.sessions.get(tenantA, seeded.coordinationUuid, session.session_uuid);
    expect(stored).toMatchObject({
      status: 'budget_exceeded',
      budget_exceeded: 'maxModelCalls',
      model_calls: 3,
    });
    expect(stored.model_calls_started).toBe(3);
    // The preset under the policy's own fields.
    expect(stored.execution_policy).toMatchObject({
      max_parallel: 5,
      agent_timeout_ms: 20_000,
      max_model_calls: 3,
    });
  });
});
