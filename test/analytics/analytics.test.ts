import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAnalyticsCounters } from '../../src/analytics/counters.js';
import { withRunAnalytics } from '../../src/analytics/run-observer.js';
import { createLogger } from '../../src/clients.js';
import type { SessionEvent } from '../../src/events/publisher.js';
import { noPublisher } from '../../src/events/publisher.js';
import type { Services } from '../../src/graphql/context.js';
import { newId } from '../../src/ids.js';
import { createUsageLedger } from '../../src/usage/ledger.js';
import { DEFAULT_MODEL_PRICES } from '../../src/usage/prices.js';
import { createTestEnv, type TestEnv, tenantA, tenantB } from '../support/env.js';
import { createGraphQLClient } from '../support/graphql.js';

const DAY = '2026-11-20';
const at = (ms: number) => new Date(Date.parse(`${DAY}T10:00:00.000Z`) + ms).toISOString();

describe('feedback and agent analytics on a seeded history', () => {
  let env: TestEnv;
  let coordinationUuid: string;
  let sessionUuid: string;
  const writer = newId();
  const checker = newId();
  let writerRow: string;
  let checkerRun: string;
  let services: Services;

  beforeAll(async () => {
    env = await createTestEnv();
    const counters = createAnalyticsCounters(env.clients);
    services = { analytics: { ...env.clients, counters } };
    coordinationUuid = newId();
    await env.repos.coordinations.insert(tenantA, {
      coordination_uuid: coordinationUuid,
      coordination_name: 'Seeded',
      agents: [
        { agent_uuid: writer, agent_name: 'Writer', agent_type: 'task' },
        { agent_uuid: checker, agent_name: 'Checker', agent_type: 'task' },
      ],
      updated_by: 'seed',
    } as never);
    sessionUuid = newId();
    await env.repos.sessions.insert(tenantA, {
      coordination_uuid: coordinationUuid,
      session_uuid: sessionUuid,
      updated_by: 'seed',
    } as never);
    writerRow = newId();
    await env.repos.sessionAgents.insert(tenantA, {
      session_uuid: sessionUuid,
      session_agent_uuid: writerRow,
      coordination_uuid: coordinationUuid,
      agent_uuid: writer,
      updated_by: 'seed',
    } as never);
    checkerRun = newId();
    await env.repos.sessionRuns.insert(tenantA, {
      session_uuid: sessionUuid,
      run_uuid: checkerRun,
      thread_uuid: 't1',
      agent_uuid: checker,
      coordination_uuid: coordinationUuid,
      updated_by: 'seed',
    } as never);

    // Seed the runs: the events both hubs record, through the observer that wraps the event log's publisher.
    const observer = withRunAnalytics(noPublisher, {
      ...env.clients,
      counters,
      coordinationOf: async () => coordinationUuid,
      logger: createLogger({ LOG_LEVEL: 'silent' }),
    });
    let seq = 0;
    const event = (type: string, data: Record<string, unknown>, ms: number): SessionEvent => ({
      sessionUuid,
      seq: ++seq,
      type,
      data,
      createdAt: at(ms),
    });
    // Writer: ten procedure-hub runs, durations 5 x 40 ms, 4 x 400 ms, 1 x 3000 ms; two fail; one retried twice.
    const durations = [40, 40, 40, 40, 40, 400, 400, 400, 400, 3000];
    let clock = 0;
    for (const [i, duration] of durations.entries()) {
      const row = `row-${i}`;
      const state = i === 1 || i === 6 ? 'failed' : 'completed';
      const start = event(
        'agent_state',
        { session_agent_uuid: row, agent_uuid: writer, state: 'executing' },
        clock,
      );
      const end = event(
        'agent_state',
        { session_agent_uuid: row, agent_uuid: writer, state, attempts: i === 9 ? 3 : 1 },
        clock + duration,
      );
      await observer.publish(tenantA, [start]);
      await observer.publish(tenantA, [end]);
      // A duplicate of the end, and an agent finishing after user input: neither is another run.
      await observer.publish(tenantA, [end]);
      await observer.publish(tenantA, [
        event(
          'agent_state',
          { session_agent_uuid: row, agent_uuid: writer, state: 'completed' },
          clock + duration + 5,
        ),
      ]);
      clock += 10_000;
    }
    // Checker: two operation-hub runs in one batch each (start and end together), one timed out.
    await observer.publish(tenantA, [
      event('run_started', { run_uuid: 'r1', agent_uuid: checker }, 0),
      event('run_completed', { run_uuid: 'r1', agent_uuid: checker }, 700),
    ]);
    await observer.publish(tenantA, [
      event('run_started', { run_uuid: 'r2', agent_uuid: checker }, 1000),
      event('run_timeout', { run_uuid: 'r2', agent_uuid: checker }, 1000 + 30_000),
    ]);
    // Usage the ledger recorded for the writer (two calls, one recorded twice).
    const ledger = createUsageLedger({ ...env.clients, prices: DEFAULT_MODEL_PRICES });
    const call = (callId: string) => ({
      callId,
      coordinationUuid,
      sessionUuid,
      agentUuid: writer,
      usage: {
        model: 'gpt-4o-mini',
        inputTokens: 1000,
        outputTokens: 500,
        cachedTokens: 0,
        reasoningTokens: 0,
        modelCalls: 1,
      },
      at: new Date(at(0)),
    });
    await ledger.recordModelCall(tenantA, call('c1'));
    await ledger.recordModelCall(tenantA, call('c2'));
    await ledger.recordModelCall(tenantA, call('c2'));
  });

  const SUBMIT = `mutation ($s: String!, $a: String, $r: String, $k: FeedbackKind!, $n: Int!, $c: String) {
    submitFeedback(sessionUuid: $s, sessionAgentUuid: $a, runUuid: $r, kind: $k, rating: $n, comment: $c) {
      feedback { feedbackUuid agentUuid kind rating comment userId }
    }
  }`;
  const ANALYTICS = `query ($c: String!, $from: String!, $to: String!) {
    agentAnalytics(coordinationUuid: $c, from: $from, to: $to) {
      agentUuid agentName runs succeeded failed successRate p50DurationMs p95DurationMs averageDurationMs retries
      ratingCount averageRating averageRatingByKind { quality accuracy performance }
      usage { totalTokens modelCalls costUsd }
    }
  }`;

  it('submitFeedback stores a rating of an agent, a run or the session, and refuses bad input writing nothing', async () => {
    const gql = createGraphQLClient(env, { services });
    const ratings: [Record<string, unknown>, string, number][] = [
      [{ a: writerRow }, 'quality', 5],
      [{ a: writerRow }, 'quality', 4],
      [{ a: writerRow }, 'accuracy', 3],
      [{ r: checkerRun }, 'performance', 2],
      [{}, 'quality', 1], // the session as a whole: stored, rates no agent
    ];
    for (const [target, kind, rating] of ratings) {
      const result = await gql(SUBMIT, {
        s: sessionUuid,
        ...target,
        k: kind.toUpperCase(),
        n: rating,
        c: 'noted',
      });
      expect(result.errors).toBeUndefined();
    }
    const stored = async () =>
      (await env.clients.doc.send(new ScanCommand({ TableName: env.clients.tables.feedback }))).Items ?? [];
    expect((await stored()).map((f) => f.agent_uuid).sort()).toEqual(
      [checker, writer, writer, writer, null].sort(),
    );

    const bad = await gql(SUBMIT, { s: sessionUuid, a: writerRow, k: 'QUALITY', n: 6 });
    const otherTenant = await createGraphQLClient(env, {
      services,
      caller: { tenant: tenantB, userId: 'b' },
    })(SUBMIT, {
      s: sessionUuid,
      k: 'QUALITY',
      n: 5,
    });
    const wrongAgent = await gql(SUBMIT, { s: sessionUuid, a: newId(), k: 'QUALITY', n: 5 });
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(otherTenant.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(wrongAgent.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(await stored()).toHaveLength(5);
  });

  it('agentAnalytics: runs, success rate, p50/p95, retries, ratings, tokens and cost, from stored totals', async () => {
    const gql = createGraphQLClient(env, { services });
    // Runs were seeded on DAY; the ratings count on the day they were given (today).
    const today = new Date().toISOString().slice(0, 10);
    const result = await gql<{ agentAnalytics: Record<string, unknown>[] }>(ANALYTICS, {
      c: coordinationUuid,
      from: DAY,
      to: today,
    });
    expect(result.errors).toBeUndefined();
    const byName = Object.fromEntries(result.data!.agentAnalytics.map((a) => [a.agentName, a]));
    expect(byName.Writer).toEqual({
      agentUuid: writer,
      agentName: 'Writer',
      runs: 10,
      succeeded: 8,
      failed: 2,
      successRate: 0.8,
      p50DurationMs: 50,
      p95DurationMs: 3750,
      averageDurationMs: (5 * 40 + 4 * 400 + 3000) / 10,
      retries: 2,
      ratingCount: 3,
      averageRating: 4,
      averageRatingByKind: { quality: 4.5, accuracy: 3, performance: null },
      usage: { totalTokens: 3000, modelCalls: 2, costUsd: expect.any(Number) },
    });
    expect((byName.Writer!.usage as { costUsd: number }).costUsd).toBeGreaterThan(0);
    expect(byName.Checker).toMatchObject({
      runs: 2,
      succeeded: 1,
      failed: 1,
      successRate: 0.5,
      ratingCount: 1,
      averageRating: 2,
      averageRatingByKind: { quality: null, accuracy: null, performance: 2 },
      usage: { totalTokens: 0, modelCalls: 0, costUsd: null },
    });
    // The day range bounds it, and another tenant sees none of it.
    const before = await gql<{ agentAnalytics: unknown[] }>(ANALYTICS, {
      c: coordinationUuid,
      from: '2026-11-01',
      to: '2026-11-19',
    });
    expect(before.data?.agentAnalytics).toEqual([]);
    const other = await createGraphQLClient(env, { services, caller: { tenant: tenantB, userId: 'b' } })(
      ANALYTICS,
      {
        c: coordinationUuid,
        from: DAY,
        to: DAY,
      },
    );
    expect(other.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });
});
