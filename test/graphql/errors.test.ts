import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { createGraphQLClient } from '../support/graphql.js';
import { type Execute, errorCode } from './helpers.js';

describe('error codes and bounds', () => {
  let env: TestEnv;
  let gql: Execute;
  beforeAll(async () => {
    env = await createTestEnv();
    gql = createGraphQLClient(env);
  });

  it.each([
    ['a wrong-typed literal', '{ coordinationList(limit: "ten") { total } }', {}, 'BAD_USER_INPUT'],
    [
      'a wrong-typed variable',
      'query($l: Int) { coordinationList(limit: $l) { total } }',
      { l: 'ten' },
      'BAD_USER_INPUT',
    ],
    [
      'a missing required variable',
      'query($id: String!) { coordination(coordinationUuid: $id) { coordinationName } }',
      {},
      'BAD_USER_INPUT',
    ],
    [
      'an unknown status (a String checked against its values)',
      '{ sessionList(statuses: ["sleeping"]) { total } }',
      {},
      'BAD_USER_INPUT',
    ],
    ['an unknown field', '{ coordinationList { nope } }', {}, 'GRAPHQL_VALIDATION_FAILED'],
    ['an unknown argument', '{ coordinationList(color: "red") { total } }', {}, 'GRAPHQL_VALIDATION_FAILED'],
    ['a missing required argument', '{ coordination { coordinationName } }', {}, 'GRAPHQL_VALIDATION_FAILED'],
    ['a syntax error', '{ coordinationList {', {}, 'GRAPHQL_PARSE_FAILED'],
  ])('%s -> %s', async (_label, query, variables, code) => {
    expect(errorCode(await gql(query, variables))).toBe(code);
  });

  it('bounds query depth (GRAPHQL_VALIDATION_FAILED, nothing resolved)', async () => {
    let selection = 'status';
    for (let i = 0; i < 6; i++) selection = `sessionAgents { session { ${selection} } }`;
    const result = await gql(`{ sessionList { sessionList { ${selection} } } }`);
    expect(errorCode(result)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(result.errors?.[0]?.message).toMatch(/depth limit of 10 exceeded/);
    expect(result.data).toBeUndefined();
  });

  it('masks an unexpected failure (a stored row that is not valid) as INTERNAL_SERVER_ERROR', async () => {
    await env.clients.doc.send(
      new PutCommand({
        TableName: env.clients.tables.coordinations,
        Item: {
          partition_key: 'endpoint-a#part-1',
          coordination_uuid: '99999999999999999999',
          agents: 'not a list',
        },
      }),
    );
    const result = await gql(
      '{ coordination(coordinationUuid: "99999999999999999999") { coordinationName } }',
    );
    expect(result.errors?.[0]).toMatchObject({
      message: 'Unexpected error.',
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
    expect(JSON.stringify(result)).not.toMatch(/agents|zod|Invalid/i);
  });
});
