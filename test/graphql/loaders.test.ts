import { beforeAll, describe, expect, it } from 'vitest';
import { countRequests, LOADER_QUERY, seedLoaderScenario } from '../../bench/loaders.bench.js';
import { createTestEnv, type TestEnv, tenantA } from '../support/env.js';
import { createGraphQLClient } from '../support/graphql.js';
import { dataOf } from './helpers.js';

type Row = { sessionUuid: string; coordination: { coordinationName: string }; task: { taskName: string } };

describe('relations through per-request DataLoaders', () => {
  let env: TestEnv;
  let expected: Map<string, { coordinationName: string; taskName: string }>;
  beforeAll(async () => {
    env = await createTestEnv();
    expected = await seedLoaderScenario(env.repos, tenantA);
  });

  async function measure(loadersEnabled: boolean) {
    const gql = createGraphQLClient(env, { loadersEnabled });
    const counter = countRequests(env.clients.dynamo);
    try {
      const data = dataOf(await gql<{ sessionList: { sessionList: Row[] } }>(LOADER_QUERY));
      return {
        rows: data.sessionList.sessionList,
        requests: counter.total(),
        byCommand: counter.byCommand(),
      };
    } finally {
      counter.stop();
    }
  }

  it('resolves 100 sessions with their coordination and task in at most 3 DynamoDB requests', async () => {
    const { rows, requests, byCommand } = await measure(true);
    expect(rows).toHaveLength(100);
    for (const row of rows) {
      expect({ coordinationName: row.coordination.coordinationName, taskName: row.task.taskName }).toEqual(
        expected.get(row.sessionUuid),
      );
    }
    expect(requests).toBeLessThanOrEqual(3);
    expect(byCommand).toEqual({ QueryCommand: 1, BatchGetItemCommand: 2 });
  });

  it('without loaders the same query reads each relation on its own: 1 + 100 + 100 requests, same data', async () => {
    const batched = await measure(true);
    const direct = await measure(false);
    expect(direct.requests).toBe(201);
    expect(direct.rows).toEqual(batched.rows);
  });

  it('objects already resolved prime the loaders: a session’s agents point back to it without a read', async () => {
    const [sessionUuid, names] = [...expected.entries()][0]!;
    const session = (await env.repos.sessions.list(tenantA)).find((s) => s.session_uuid === sessionUuid)!;
    await env.repos.sessionAgents.insert(tenantA, {
      session_uuid: sessionUuid,
      session_agent_uuid: '44444444444444444444',
      coordination_uuid: session.coordination_uuid,
      agent_uuid: 'agent-a',
      agent_action: { predecessors: [], primary_path: true },
      in_degree: 0,
      state: 'initial',
      updated_by: 't',
    });
    const gql = createGraphQLClient(env);
    const counter = countRequests(env.clients.dynamo);
    try {
      const data = dataOf(
        await gql<{ session: { sessionAgents: { session: { task: { taskName: string } } }[] } }>(
          `{ session(coordinationUuid: "${session.coordination_uuid}", sessionUuid: "${sessionUuid}") { sessionAgents { session { task { taskName } } } } }`,
        ),
      );
      expect(data.session.sessionAgents).toEqual([{ session: { task: { taskName: names.taskName } } }]);
      expect(counter.byCommand()).toEqual({ GetItemCommand: 1, QueryCommand: 1, BatchGetItemCommand: 1 });
    } finally {
      counter.stop();
    }
  });

  it('a loader never crosses tenants: another tenant’s parents resolve to null', async () => {
    const gql = createGraphQLClient(env);
    const coordination = await env.repos.coordinations.insert(tenantA, {
      coordination_uuid: '11111111111111111111',
      coordination_name: 'mine',
      agents: [],
      updated_by: 't',
    });
    // A session row claiming tenant A but pointing at a task stored for tenant B.
    await env.repos.tasks.insert(
      { endpointId: 'endpoint-b', partId: 'part-1', partitionKey: 'endpoint-b#part-1' },
      {
        coordination_uuid: coordination.coordination_uuid,
        task_uuid: '22222222222222222222',
        task_name: 'theirs',
        subtask_queries: [],
        agent_actions: {},
        updated_by: 't',
      },
    );
    await env.repos.sessions.insert(tenantA, {
      coordination_uuid: coordination.coordination_uuid,
      session_uuid: '33333333333333333333',
      task_uuid: '22222222222222222222',
      iteration_count: 0,
      subtask_queries: [],
      status: 'initial',
      updated_by: 't',
    });
    const data = dataOf(
      await gql<{ session: { coordination: { coordinationName: string }; task: unknown } }>(
        '{ session(coordinationUuid: "11111111111111111111", sessionUuid: "33333333333333333333") { coordination { coordinationName } task { taskName } } }',
      ),
    );
    expect(data.session).toEqual({ coordination: { coordinationName: 'mine' }, task: null });
  });
});
