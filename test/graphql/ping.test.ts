import { beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { createGraphQLClient } from '../support/graphql.js';

describe('ping', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await createTestEnv();
  });

  it('answers pong', async () => {
    const result = await createGraphQLClient(env)<{ ping: string }>('{ ping }');
    expect(result.data?.ping).toMatch(/^pong \d{4}-/);
  });

  it('rejects a syntax error with GRAPHQL_PARSE_FAILED', async () => {
    const result = await createGraphQLClient(env)('{ ping ');
    expect(result.errors?.[0]?.extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
  });
});
