import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { createGovernance } from '../../src/governance/governance.js';
import { newId } from '../../src/ids.js';
import { createUsageLedger } from '../../src/usage/ledger.js';
import { usageReport } from '../../src/usage/report.js';
import { createDirectBed, drain, seedTask } from '../procedure/support.js';
import { createTestEnv, tenantA, tenantB } from '../support/env.js';

const prices = { 'm-small': { input: 1, cachedInput: 0.5, output: 2 }, 'm-big': { input: 10, output: 20 } };
const usage = (model: string, inputTokens: number, outputTokens: number, cachedTokens = 0) => ({
  model,
  inputTokens,
  outputTokens,
  cachedTokens,
  reasoningTokens: 0,
  modelCalls: 1,
});

describe('usage ledger: exact totals under duplicates and retries', () => {
  it('records a call once however often and however concurrently it is recorded', async () => {
    // Prepare
    const env = await createTestEnv();
    const ledger = createUsageLedger({ doc: env.clients.doc, tables: env.clients.tables, prices });
    const session = await env.repos.sessions.insert(tenantA, {
      coordination_uuid: 'c1',
      session_uuid: newId(),
      iteration_count: 0,
      subtask_queries: [],
      status: 'in_progress',
      updated_by: 't',
    });
    const call = (callId: string, u = usage('m-small', 1000, 500, 200)) => ({
      callId,
      coordinationUuid: 'c1',
      sessionUuid: session.session_uuid,
      agentUuid: 'agent-1',
      taskUuid: 'task-1',
      usage: u,
      at: new Date('2030-01-02T10:00:00Z'),
    });
    // Act: call a recorded 5 times at once, call b twice, call c (unknown model) once
    const results = await Promise.all([
      ...Array.from({ length: 5 }, () => ledger.recordModelCall(tenantA, call('a'))),
      ledger.recordModelCall(tenantA, call('b', usage('m-small', 10, 10))),
      ledger.recordModelCall(tenantA, call('b', usage('m-small', 10, 10))),
      ledger.recordModelCall(tenantA, call('c', usage('who-knows', 7, 3))),
    ]);
    // Assess
    expect(results.filter((r) => r.counted)).toHaveLength(3);
    // 800 uncached * 1 + 200 cached * 0.5 + 500 * 2 = 1900 per 1M = 0.0019 USD; b: 30 per 1M
    expect(results[0]?.costUsd).toBe(0.0019);
    expect(results[7]?.costUsd).toBeNull();
    const stored = await env.repos.sessions.get(tenantA, 'c1', session.session_uuid);
    expect(stored).toMatchObject({
      input_tokens: 1017,
      output_tokens: 513,
      cached_tokens: 200,
      total_tokens: 1530,
      model_calls: 3,
      cost_usd: 0.00193,
      unpriced_calls: 1,
    });
    const report = await usageReport(env.clients, tenantA, {
      coordinationUuid: 'c1',
      from: '2030-01-02',
      to: '2030-01-02',
      groupBy: 'MODEL',
    });
    expect(report.rows.map((r) => [r.key, r.modelCalls, r.costUsd])).toEqual([
      ['m-small', 2, 0.00193],
      ['who-knows', 1, null],
    ]);
    // Another tenant's report over the same coordination id sees nothing.
    const other = await usageReport(env.clients, tenantB, {
      coordinationUuid: 'c1',
      from: '2030-01-01',
      to: '2030-01-03',
      groupBy: 'DAY',
    });
    expect(other.rows).toEqual([]);
  });

  it('never ADDs to a session of another tenant (nor creates one)', async () => {
    const env = await createTestEnv();
    const ledger = createUsageLedger({ doc: env.clients.doc, tables: env.clients.tables, prices });
    const sessionUuid = newId();
    const recorded = ledger.recordModelCall(tenantB, {
      callId: 'x',
      coordinationUuid: 'c1',
      sessionUuid,
      agentUuid: 'a',
      usage: usage('m-small', 1, 1),
      at: new Date('2030-01-01T00:00:00Z'),
    });
    await expect(recorded).rejects.toThrow(/not found for this tenant/);
    const report = await usageReport(env.clients, tenantB, {
      coordinationUuid: 'c1',
      from: '2030-01-01',
      to: '2030-01-01',
      groupBy: 'AGENT',
    });
    expect(report.rows).toEqual([]);
    const { Item } = await env.clients.doc.send(
      new GetCommand({
        TableName: env.clients.tables.sessions,
        Key: { coordination_uuid: 'c1', session_uuid: sessionUuid },
      }),
    );
    expect(Item).toBeUndefined();
  });

  it('a full rollup generation rolls to the next, and a duplicate still counts once', async () => {
    const env = await createTestEnv();
    const { addOnceRolling } = await import('../../src/usage/add-once.js');
    const base = {
      tableName: env.clients.tables.usageRollups,
      hashKey: ['rollup_key', 'k'] as const,
      rangeKey: ['bucket', 'DAY#2030-01-01#2030-01-01'] as const,
      counters: { model_calls: 1 },
      maxMarkers: 3,
    };
    const markers = ['m1', 'm2', 'm3', 'm4', 'm5', 'm1', 'm4', 'm5'];
    const counted = [];
    for (const marker of markers) counted.push(await addOnceRolling(env.clients.doc, { ...base, marker }));
    expect(counted).toEqual([true, true, true, true, true, false, false, false]);
    const report = await usageReport(env.clients, tenantA, {
      coordinationUuid: 'unused',
      from: '2030-01-01',
      to: '2030-01-01',
      groupBy: 'DAY',
    });
    expect(report.rows).toEqual([]); // other key: nothing leaks across rollup partitions
  });

  it('a 6-agent DAG delivered 2-3 times, shuffled, with retried calls: session, agents and four reports agree', async () => {
    // Prepare: every call reports 100 input / 40 output tokens of m-small; c fails twice first (real retries).
    const env = await createTestEnv();
    const governance = createGovernance({ doc: env.clients.doc, tables: env.clients.tables, prices });
    const script = { usage: { model: 'm-small', input_tokens: 100, output_tokens: 40 } };
    const bed = await createDirectBed({ env, governance });
    const seeded = await seedTask(env, [
      { name: 'a', script },
      { name: 'b', preds: ['a'], script },
      { name: 'c', preds: ['a'], script: { ...script, fail_times: 2 } },
      { name: 'd', preds: ['b', 'c'], script: { ...script, usage: { ...script.usage, model: 'm-big' } } },
      { name: 'e', preds: ['d'], script },
      { name: 'f', preds: ['d'], script },
    ]);
    const session = await bed.hub.executeProcedureTaskSession(tenantA, {
      coordinationUuid: seeded.coordinationUuid,
      taskUuid: seeded.taskUuid,
    });
    // Act
    await drain(bed, { duplicate: true });
    // Assess: 6 successful calls (failed attempts report no usage), 5 on m-small, 1 on m-big
    const stored = await env.repos.sessions.get(tenantA, seeded.coordinationUuid, session.session_uuid);
    expect(stored.status).toBe('completed');
    const perCall = (100 * 1 + 40 * 2) / 1e6;
    const big = (100 * 10 + 40 * 20) / 1e6;
    expect(stored).toMatchObject({ input_tokens: 600, output_tokens: 240, model_calls: 6 });
    expect(stored.cost_usd).toBeCloseTo(5 * perCall + big, 12);
    const agents = await env.repos.sessionAgents.list(tenantA, { sessionUuid: session.session_uuid });
    expect(agents.map((a) => a.model_calls)).toEqual([1, 1, 1, 1, 1, 1]);
    const runs = await env.repos.sessionRuns.list(tenantA, { sessionUuid: session.session_uuid });
    expect(runs).toHaveLength(6);
    expect(runs.every((r) => r.input_tokens === 100 && r.output_tokens === 40 && r.model_calls === 1)).toBe(
      true,
    );
    const today = new Date().toISOString().slice(0, 10);
    const report = (groupBy: 'AGENT' | 'MODEL' | 'DAY' | 'TASK') =>
      usageReport(env.clients, tenantA, {
        coordinationUuid: seeded.coordinationUuid,
        from: today,
        to: today,
        groupBy,
      });
    const [byAgent, byModel, byDay, byTask] = await Promise.all([
      report('AGENT'),
      report('MODEL'),
      report('DAY'),
      report('TASK'),
    ]);
    expect(byAgent.rows).toHaveLength(6);
    expect(byAgent.rows.find((r) => r.key === seeded.uuidOf('d'))?.costUsd).toBeCloseTo(big, 12);
    expect(byModel.rows.map((r) => [r.key, r.modelCalls])).toEqual([
      ['m-big', 1],
      ['m-small', 5],
    ]);
    expect(byDay.rows).toEqual([expect.objectContaining({ key: today, modelCalls: 6, inputTokens: 600 })]);
    expect(byTask.rows).toEqual([expect.objectContaining({ key: seeded.taskUuid, modelCalls: 6 })]);
    for (const r of [byAgent, byModel, byDay, byTask])
      expect(r.total.costUsd).toBeCloseTo(stored.cost_usd ?? 0, 12);
    // Read from rollups, not runs: one item per group (and day).
    expect(byAgent.itemsRead).toBe(6);
    expect(byDay.itemsRead).toBe(1);
  });
});
