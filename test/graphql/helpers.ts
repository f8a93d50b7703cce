import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { expect } from 'vitest';
import type { TableKey } from '../../src/db/tables.js';
import type { TestEnv } from '../support/env.js';
import type { GraphQLResult } from '../support/graphql.js';

export type Execute = <T = Record<string, unknown>>(
  query: string,
  variables?: Record<string, unknown>,
) => Promise<GraphQLResult<T>>;

/** Every item of a table, read straight from DynamoDB (to prove what was or was not written). */
export async function scanTable(env: TestEnv, table: TableKey): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await env.clients.doc.send(
      new ScanCommand({
        TableName: env.clients.tables[table],
        ExclusiveStartKey: start,
        ConsistentRead: true,
      }),
    );
    items.push(...((page.Items ?? []) as Record<string, unknown>[]));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/** A snapshot of the six entity tables, to compare before and after a rejected mutation. */
export async function snapshot(env: TestEnv): Promise<string> {
  const tables: TableKey[] = [
    'coordinations',
    'tasks',
    'taskSchedules',
    'sessions',
    'sessionAgents',
    'sessionRuns',
  ];
  const all = await Promise.all(tables.map((t) => scanTable(env, t)));
  const sorted = all.map((items) => items.map((i) => JSON.stringify(i)).sort());
  return JSON.stringify(sorted);
}

/** The data of a successful result (fails the test with the errors otherwise). */
export function dataOf<T>(result: GraphQLResult<T>): T {
  expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
  return result.data as T;
}

export function errorCode(result: GraphQLResult<unknown>): string | undefined {
  return result.errors?.[0]?.extensions?.code;
}

export const AGENTS = [
  { agentUuid: 'agent-triage', agentName: 'Triage', agentType: 'triage', agentDescription: 'routes' },
  { agentUuid: 'agent-a', agentName: 'Researcher', agentType: 'task', agentDescription: 'finds facts' },
  { agentUuid: 'agent-b', agentName: 'Writer', agentType: 'task', agentDescription: 'writes' },
  { agentUuid: 'agent-c', agentName: 'Reviewer', agentType: 'task', agentDescription: 'checks' },
];

/** Entity factories through the API, as a client would create them. */
export function factories(gql: Execute) {
  return {
    async coordination(overrides: Record<string, unknown> = {}) {
      const r = await gql<{ insertUpdateCoordination: { coordination: { coordinationUuid: string } } }>(
        `mutation($n: String, $d: String, $a: JSON) {
          insertUpdateCoordination(coordinationName: $n, coordinationDescription: $d, agents: $a, updatedBy: "factory") {
            coordination { coordinationUuid }
          }
        }`,
        { n: 'Support desk', d: 'answers customers', a: AGENTS, ...overrides },
      );
      return dataOf(r).insertUpdateCoordination.coordination.coordinationUuid;
    },
    async task(coordinationUuid: string, overrides: Record<string, unknown> = {}) {
      const r = await gql<{ insertUpdateTask: { task: { taskUuid: string } } }>(
        `mutation($c: String!, $n: String, $d: String, $q: String, $aa: JSON, $sq: JSON) {
          insertUpdateTask(coordinationUuid: $c, taskName: $n, taskDescription: $d, initialTaskQuery: $q,
            agentActions: $aa, subtaskQueries: $sq, updatedBy: "factory") { task { taskUuid } }
        }`,
        {
          c: coordinationUuid,
          n: 'Write a report',
          d: 'research then write',
          q: 'about owls',
          aa: {
            'agent-a': { predecessors: [] },
            'agent-b': { predecessors: ['agent-a'], primaryPath: true },
          },
          sq: [
            { agentUuid: 'agent-a', subtaskQuery: 'find facts' },
            { agentUuid: 'agent-b', subtaskQuery: 'write it' },
          ],
          ...overrides,
        },
      );
      return dataOf(r).insertUpdateTask.task.taskUuid;
    },
    async schedule(taskUuid: string, overrides: Record<string, unknown> = {}) {
      const r = await gql<{ insertUpdateTaskSchedule: { taskSchedule: { scheduleUuid: string } } }>(
        `mutation($t: String!, $c: String, $s: String, $st: String) {
          insertUpdateTaskSchedule(taskUuid: $t, coordinationUuid: $c, schedule: $s, status: $st, updatedBy: "factory") {
            taskSchedule { scheduleUuid }
          }
        }`,
        { t: taskUuid, s: 'rate(5 minutes)', ...overrides },
      );
      return dataOf(r).insertUpdateTaskSchedule.taskSchedule.scheduleUuid;
    },
    async session(coordinationUuid: string, overrides: Record<string, unknown> = {}) {
      const r = await gql<{ insertUpdateSession: { session: { sessionUuid: string } } }>(
        `mutation($c: String!, $t: String, $u: String, $q: String, $s: String) {
          insertUpdateSession(coordinationUuid: $c, taskUuid: $t, userId: $u, taskQuery: $q, status: $s, updatedBy: "factory") {
            session { sessionUuid }
          }
        }`,
        { c: coordinationUuid, u: 'user-1', q: 'about owls', ...overrides },
      );
      return dataOf(r).insertUpdateSession.session.sessionUuid;
    },
    async sessionAgent(sessionUuid: string, overrides: Record<string, unknown> = {}) {
      const r = await gql<{ insertUpdateSessionAgent: { sessionAgent: { sessionAgentUuid: string } } }>(
        `mutation($s: String!, $a: String, $aa: JSON, $st: String, $i: Int, $in: String) {
          insertUpdateSessionAgent(sessionUuid: $s, agentUuid: $a, agentAction: $aa, state: $st, inDegree: $i,
            agentInput: $in, updatedBy: "factory") { sessionAgent { sessionAgentUuid } }
        }`,
        { s: sessionUuid, a: 'agent-a', in: 'find facts', ...overrides },
      );
      return dataOf(r).insertUpdateSessionAgent.sessionAgent.sessionAgentUuid;
    },
    async sessionRun(sessionUuid: string, coordinationUuid: string, overrides: Record<string, unknown> = {}) {
      const r = await gql<{ insertUpdateSessionRun: { sessionRun: { runUuid: string } } }>(
        `mutation($s: String!, $r: String, $t: String, $a: String, $c: String, $x: String, $sa: String) {
          insertUpdateSessionRun(sessionUuid: $s, runUuid: $r, threadUuid: $t, agentUuid: $a, coordinationUuid: $c,
            asyncTaskUuid: $x, sessionAgentUuid: $sa, updatedBy: "factory") { sessionRun { runUuid } }
        }`,
        { s: sessionUuid, t: 'thread-1', a: 'agent-a', c: coordinationUuid, x: 'async-1', ...overrides },
      );
      return dataOf(r).insertUpdateSessionRun.sessionRun.runUuid;
    },
  };
}
