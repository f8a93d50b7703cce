import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { RateLimitedError } from '../../src/errors.js';
import { createRateLimiter, windowOf } from '../../src/limits/rate-limit.js';
import { createEngine } from '../../src/wiring.js';
import { createTestEnv, type TestEnv, tenantA, tenantB } from '../support/env.js';

describe('per-tenant rate limits (conditional counters in DynamoDB)', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await createTestEnv();
  });

  it('admits exactly the limit out of many concurrent calls, per tenant, and reopens with the next window', async () => {
    let nowMs = Date.UTC(2026, 0, 1, 12, 0, 10);
    const limiter = createRateLimiter({
      doc: env.clients.doc,
      tableName: env.clients.tables.rateLimits,
      limits: { executeProcedureTaskSession: 3 },
      now: () => nowMs,
    });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 10 }, () => limiter.consume(tenantA, 'executeProcedureTaskSession')),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(3);
    const refused = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason] : []));
    expect(refused).toHaveLength(7);
    expect(refused.every((e) => e instanceof RateLimitedError && e.code === 'RATE_LIMITED')).toBe(true);
    expect((refused[0] as RateLimitedError).details).toEqual({
      operation: 'executeProcedureTaskSession',
      limit: 3,
      windowSeconds: 60,
      retryAfterSeconds: 50,
    });
    // The counter holds the admitted calls only; another tenant and another operation are untouched.
    const window = windowOf(tenantA, 'executeProcedureTaskSession', 60, nowMs);
    const { Item } = await env.clients.doc.send(
      new GetCommand({ TableName: env.clients.tables.rateLimits, Key: { limit_key: window.key } }),
    );
    expect(Item).toMatchObject({ call_count: 3, expires_at: window.expiresAt });
    await limiter.consume(tenantB, 'executeProcedureTaskSession');
    await limiter.consume(tenantA, 'askOperationHub'); // no limit set for it
    nowMs += 60_000;
    await limiter.consume(tenantA, 'executeProcedureTaskSession');
  });

  it('the engine answers RATE_LIMITED with retryAfterSeconds once the limit is reached, before any work', async () => {
    const engine = createEngine(
      loadConfig({
        ...(env.config as unknown as Record<string, string>),
        ACE_RATE_LIMIT_EXECUTE_PER_MINUTE: '1',
        ACE_RATE_LIMIT_ASK_PER_MINUTE: '1',
      }),
    );
    const caller = { tenant: tenantA, userId: 'u' };
    const run = async (query: string) => {
      const response = await engine.yoga.fetch(
        'http://yoga/graphql',
        { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) },
        engine.httpContext(caller),
      );
      return (await response.json()) as {
        errors?: { extensions: { code: string; details?: Record<string, number> } }[];
      };
    };
    const execute =
      'mutation { executeProcedureTaskSession(coordinationUuid: "10000000000000000009", taskUuid: "20000000000000000009") { procedureTaskSession { sessionUuid } } }';
    const ask = '{ askOperationHub(coordinationUuid: "10000000000000000009", userQuery: "hi") { answer } }';
    expect((await run(execute)).errors?.[0]?.extensions.code).toBe('NOT_FOUND');
    const limited = (await run(execute)).errors?.[0]?.extensions;
    expect(limited?.code).toBe('RATE_LIMITED');
    expect(limited?.details?.retryAfterSeconds).toBeGreaterThan(0);
    expect((await run(ask)).errors?.[0]?.extensions.code).toBe('NOT_FOUND');
    expect((await run(ask)).errors?.[0]?.extensions.code).toBe('RATE_LIMITED');
  });
});
