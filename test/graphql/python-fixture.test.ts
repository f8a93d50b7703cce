import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TableKey } from '../../src/db/tables.js';
import { tenantOf } from '../../src/tenant.js';
import { PY, PY_TENANT, pythonItems } from '../fixtures/python/items.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { createGraphQLClient } from '../support/graphql.js';
import { dataOf, type Execute } from './helpers.js';

/** Rows the Python engine wrote, put straight into DynamoDB, then read (and updated) through the API. */
let env: TestEnv;
let gql: Execute;

beforeAll(async () => {
  env = await createTestEnv();
  for (const [table, items] of Object.entries(pythonItems)) {
    for (const item of items) {
      await env.clients.doc.send(
        new PutCommand({ TableName: env.clients.tables[table as TableKey], Item: item }),
      );
    }
  }
  gql = createGraphQLClient(env, {
    caller: { tenant: tenantOf(PY_TENANT.endpointId, PY_TENANT.partId), userId: 'py-user' },
  });
});

describe('Python-engine rows read through the API', () => {
  it('a coordination, with camelCase agents and ISO timestamps', async () => {
    const data = dataOf(
      await gql(
        `{ coordination(coordinationUuid: "${PY.coordination}") { coordinationUuid coordinationName agents createdAt updatedAt updatedBy } }`,
      ),
    );
    expect(data.coordination).toEqual({
      coordinationUuid: PY.coordination,
      coordinationName: 'Python coordination',
      agents: [
        {
          agentUuid: PY.agentTriage,
          agentName: 'Triage',
          agentDescription: 'routes queries',
          agentType: 'triage',
        },
        { agentUuid: PY.agentA, agentName: 'Researcher', agentDescription: 'finds facts', agentType: 'task' },
        { agentUuid: PY.agentB, agentName: 'Writer', agentDescription: 'writes', agentType: 'task' },
      ],
      createdAt: '2024-05-01T10:00:00.000Z',
      updatedAt: '2024-05-01T10:05:30.123Z',
      updatedBy: 'python-engine',
    });
  });

  it('a task: agentActions keyed by the agents’ 20-digit ids, inner keys camelCase', async () => {
    const data = dataOf(
      await gql<{ task: Record<string, unknown> }>(
        `{ task(coordinationUuid: "${PY.coordination}", taskUuid: "${PY.task}") { taskName initialTaskQuery subtaskQueries agentActions coordination { coordinationName } } }`,
      ),
    );
    expect(data.task).toEqual({
      taskName: 'Python task',
      initialTaskQuery: '{"topic": "owls"}',
      subtaskQueries: [
        { agentUuid: PY.agentA, subtaskQuery: 'find facts about {topic}' },
        { agentUuid: PY.agentB, subtaskQuery: 'write about {topic}' },
      ],
      agentActions: {
        [PY.agentA]: { predecessors: [], primaryPath: true, userInTheLoop: null, actionFunction: {} },
        [PY.agentB]: {
          predecessors: [PY.agentA],
          primaryPath: true,
          userInTheLoop: null,
          actionFunction: { moduleName: 'post_process', functionName: 'run_it' },
        },
      },
      coordination: { coordinationName: 'Python coordination' },
    });
  });

  it('a session with its agents and runs, and the lists that find them', async () => {
    const data = dataOf(
      await gql<Record<string, Record<string, unknown>>>(
        `{
          session(coordinationUuid: "${PY.coordination}", sessionUuid: "${PY.session}") {
            status iterationCount inputFiles logs userId task { taskName }
            sessionAgents { sessionAgentUuid state inDegree agentAction userInput agentOutput }
            sessionRuns { runUuid threadUuid asyncTaskUuid sessionAgent { state } session { status } }
          }
          sessionList(userId: "py-user") { total }
          sessionAgentList(sessionUuid: "${PY.session}", states: ["wait_for_user_input"]) { total sessionAgentList { notes } }
          sessionRunList(sessionUuid: "${PY.session}", threadUuid: "${PY.thread}") { total }
          taskScheduleList(taskUuid: "${PY.task}") { taskScheduleList { schedule status task { taskName } } }
        }`,
      ),
    );
    const session = data.session as Record<string, unknown>;
    expect(session).toMatchObject({
      status: 'completed',
      iterationCount: 3,
      inputFiles: [{ fileName: 'notes.txt', fileSize: 12 }],
      logs: JSON.stringify([{ agent_uuid: PY.agentA, log: 'done' }]),
      userId: 'py-user',
      task: { taskName: 'Python task' },
    });
    expect(session.sessionAgents).toEqual(
      expect.arrayContaining([
        {
          sessionAgentUuid: PY.sessionAgentA,
          state: 'completed',
          inDegree: 0,
          agentAction: { predecessors: [], primaryPath: true, userInTheLoop: null, actionFunction: {} },
          userInput: null,
          agentOutput: 'owls are birds',
        },
        expect.objectContaining({ sessionAgentUuid: PY.sessionAgentB, state: 'wait_for_user_input' }),
      ]),
    );
    expect(session.sessionRuns).toEqual([
      {
        runUuid: PY.run,
        threadUuid: PY.thread,
        asyncTaskUuid: '90123456789012345678',
        sessionAgent: { state: 'completed' },
        session: { status: 'completed' },
      },
    ]);
    expect(data.sessionList).toEqual({ total: 1 });
    expect(data.sessionAgentList).toEqual({ total: 1, sessionAgentList: [{ notes: 'waiting' }] });
    expect(data.sessionRunList).toEqual({ total: 1 });
    expect(data.taskScheduleList).toEqual({
      taskScheduleList: [
        { schedule: 'cron(0 12 * * ? *)', status: 'active', task: { taskName: 'Python task' } },
      ],
    });
  });

  it('an update changes only the supplied attributes: the row stays readable by the Python engine', async () => {
    dataOf(
      await gql(
        `mutation { insertUpdateCoordination(coordinationUuid: "${PY.coordination}", coordinationDescription: "edited", updatedBy: "ts") { coordination { coordinationUuid } } }`,
      ),
    );
    const { Item } = await env.clients.doc.send(
      new GetCommand({
        TableName: env.clients.tables.coordinations,
        Key: { partition_key: PY_TENANT.partitionKey, coordination_uuid: PY.coordination },
      }),
    );
    expect(Item).toMatchObject({
      coordination_description: 'edited',
      created_at: '2024-05-01T10:00:00.000000+0000',
      endpoint_id: 'py-endpoint',
      agents: pythonItems.coordinations[0].agents,
      updated_by: 'ts',
    });
  });
});
