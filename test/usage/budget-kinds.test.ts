import { describe, expect, it } from 'vitest';
import { createGovernance } from '../../src/governance/governance.js';
import { createDirectBed, drain, seedTask } from '../procedure/support.js';
import { createTestEnv, tenantA } from '../support/env.js';
import { countingTool, createToolBed } from '../tools/support.js';

const prices = { 'm-small': { input: 1, output: 2 } };
const usage = { model: 'm-small', input_tokens: 100, output_tokens: 40 }; // 140 tokens a call

/** A chain a -> b -> ... of `n` agents, each with `script`. */
const chain = (n: number, script: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  Array.from({ length: n }, (_, i) => ({
    name: `s${i}`,
    script,
    extra,
    ...(i > 0 && { preds: [`s${i - 1}`] }),
  }));

async function run(
  specs: Parameters<typeof seedTask>[1],
  policy: Record<string, unknown>,
  bedOptions: Partial<Parameters<typeof createDirectBed>[0]> = {},
) {
  const env = bedOptions.env ?? (await createTestEnv());
  const governance = createGovernance({
    doc: env.clients.doc,
    tables: env.clients.tables,
    prices,
    abortPollMs: 20,
  });
  const bed = await createDirectBed({ env, governance, ...bedOptions });
  const seeded = await seedTask(env, specs, { policy });
  const session = await bed.hub.executeProcedureTaskSession(tenantA, {
    coordinationUuid: seeded.coordinationUuid,
    taskUuid: seeded.taskUuid,
  });
  await drain(bed, { duplicate: true });
  const stored = await env.repos.sessions.get(tenantA, seeded.coordinationUuid, session.session_uuid);
  const events = await bed.eventLog.list(tenantA, session.session_uuid);
  const agents = await env.repos.sessionAgents.list(tenantA, { sessionUuid: session.session_uuid });
  return { stored, events, agents, seeded };
}

describe('budgets other than cost, each ending the session budget_exceeded with the budget named', () => {
  it('maxTokens 300: calls start while completed calls used less (140, 280), the fourth is refused', async () => {
    const { stored, events } = await run(chain(6, { usage }), { max_tokens: 300 });
    expect(stored).toMatchObject({ status: 'budget_exceeded', budget_exceeded: 'maxTokens', model_calls: 3 });
    expect(stored.total_tokens).toBe(420);
    expect(events.filter((e) => e.type === 'budget_exceeded').map((e) => e.data.budget)).toEqual([
      'maxTokens',
    ]);
  });

  it('maxToolCalls 2: the third tool call is not made, the model reads the refusal, its next turn is refused', async () => {
    const env = await createTestEnv();
    const lookup = countingTool();
    const toolAgent = {
      script: {
        usage,
        tool_calls: [{ name: 'lookup_order', arguments: { order_id: 'o-1' } }],
        answer: 'saw {tool:lookup_order}',
      },
      extra: { tools: [{ type: 'builtin', name: 'lookup_order' }] },
    };
    const specs = ['a', 'b', 'c'].map((name, i, all) => ({
      name,
      ...toolAgent,
      ...(i > 0 && { preds: [all[i - 1] as string] }),
    }));
    const { stored, events } = await run(
      specs,
      { max_tool_calls: 2 },
      {
        env,
        toolbox: createToolBed(env, { builtins: [lookup.tool] }).toolbox,
      },
    );
    expect(lookup.calls).toHaveLength(2);
    expect(stored).toMatchObject({ status: 'budget_exceeded', budget_exceeded: 'maxToolCalls' });
    expect(stored.tool_calls_started).toBe(2);
    expect(events.filter((e) => e.type === 'tool_result')).toHaveLength(3);
  });

  it('maxDurationMs with onBudgetExceeded abort: the running call is aborted on its deadline, no call starts after', async () => {
    const { stored, agents, events, seeded } = await run(
      [
        { name: 'quick', script: { usage } },
        { name: 'slow', preds: ['quick'], script: { usage, delay_ms: 60_000 } },
        { name: 'after', preds: ['slow'], script: { usage } },
      ],
      { max_duration_ms: 1500, on_budget_exceeded: 'abort' },
    );
    expect(stored).toMatchObject({ status: 'budget_exceeded', budget_exceeded: 'maxDurationMs' });
    const state = (name: string) => agents.find((a) => a.agent_uuid === seeded.uuidOf(name))?.state;
    // The 60 s call did not run to its end (aborted, back to initial), and nothing after it started.
    expect(state('slow')).toBe('initial');
    expect(state('after')).toBe('initial');
    const budgetEvent = events.find((e) => e.type === 'budget_exceeded');
    expect(budgetEvent?.data.budget).toBe('maxDurationMs');
    expect(stored.model_calls_started).toBe(Number(budgetEvent?.data.model_calls_started));
    expect(events.some((e) => e.type === 'session_status' && e.data.status === 'budget_exceeded')).toBe(true);
  });
});

describe('input guardrails in the procedure hub', () => {
  it('redact: the model sees the input with the PII masked; block: the agent fails before any model call', async () => {
    const env = await createTestEnv();
    const governance = createGovernance({ doc: env.clients.doc, tables: env.clients.tables, prices });
    const bed = await createDirectBed({ env, governance });
    const seeded = await seedTask(
      env,
      [
        { name: 'source', script: { answer: 'mail bob@example.com' } },
        {
          name: 'masked',
          preds: ['source'],
          script: { answer: 'got: {input}' },
          extra: { guardrails: { input: [{ type: 'pii' }] } },
        },
        {
          name: 'refused',
          preds: ['source'],
          script: { answer: 'never', usage },
          extra: { guardrails: { input: [{ type: 'deny_regex', patterns: ['@example\\.com'] }] } },
        },
      ],
      { policy: { failure_mode: 'continue' } },
    );
    const session = await bed.hub.executeProcedureTaskSession(tenantA, {
      coordinationUuid: seeded.coordinationUuid,
      taskUuid: seeded.taskUuid,
    });
    await drain(bed);
    const agents = await env.repos.sessionAgents.list(tenantA, { sessionUuid: session.session_uuid });
    const masked = agents.find((a) => a.agent_uuid === seeded.uuidOf('masked'));
    const refused = agents.find((a) => a.agent_uuid === seeded.uuidOf('refused'));
    expect(masked?.agent_output).toContain('[EMAIL]');
    expect(masked?.agent_output).not.toContain('bob@example.com');
    expect(refused?.state).toBe('failed');
    expect(refused?.notes).toMatch(/guardrail blocked the input: deny_regex/);
    // The refused agent's model was never called (only its usage would count: source and masked report none).
    const stored = await env.repos.sessions.get(tenantA, seeded.coordinationUuid, session.session_uuid);
    expect(stored.model_calls ?? 0).toBe(0);
    expect(bed.runtime.stats.calls).toBe(2);
  });
});
