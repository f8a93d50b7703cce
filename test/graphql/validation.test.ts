import { beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { createGraphQLClient } from '../support/graphql.js';
import { type Execute, errorCode, factories, snapshot } from './helpers.js';

/**
 * Bad inputs, entity by entity: each is rejected with its code and leaves
 * every table exactly as it was (compared item by item).
 */
let env: TestEnv;
let gql: Execute;
const ids: Record<string, string> = {};
const long = (n: number) => 'x'.repeat(n);

beforeAll(async () => {
  env = await createTestEnv();
  gql = createGraphQLClient(env);
  const f = factories(gql);
  ids.coord = await f.coordination();
  ids.task = await f.task(ids.coord);
  ids.schedule = await f.schedule(ids.task);
  ids.session = await f.session(ids.coord, { t: ids.task });
  ids.agent = await f.sessionAgent(ids.session);
  ids.run = await f.sessionRun(ids.session, ids.coord, { r: 'run-1' });
});

type Case = [label: string, query: string, variables: Record<string, unknown>, code: string];

const coordination: Case[] = [
  [
    'wrong type (literal)',
    'mutation { insertUpdateCoordination(coordinationName: 42, updatedBy: "u") { coordination { coordinationUuid } } }',
    {},
    'BAD_USER_INPUT',
  ],
  [
    'wrong type (variable)',
    'mutation($n: String) { insertUpdateCoordination(coordinationName: $n, updatedBy: "u") { coordination { coordinationUuid } } }',
    { n: ['a'] },
    'BAD_USER_INPUT',
  ],
  [
    'unknown agentType',
    'mutation($a: JSON) { insertUpdateCoordination(coordinationName: "C", agents: $a, updatedBy: "u") { coordination { coordinationUuid } } }',
    { a: [{ agentUuid: 'x', agentName: 'X', agentType: 'wizard' }] },
    'BAD_USER_INPUT',
  ],
  [
    'agents not a list',
    'mutation($a: JSON) { insertUpdateCoordination(coordinationName: "C", agents: $a, updatedBy: "u") { coordination { coordinationUuid } } }',
    { a: { agentUuid: 'x' } },
    'BAD_USER_INPUT',
  ],
  [
    'duplicate agentUuid',
    'mutation($a: JSON) { insertUpdateCoordination(coordinationName: "C", agents: $a, updatedBy: "u") { coordination { coordinationUuid } } }',
    {
      a: [
        { agentUuid: 'x', agentName: 'X', agentType: 'task' },
        { agentUuid: 'x', agentName: 'Y', agentType: 'task' },
      ],
    },
    'BAD_USER_INPUT',
  ],
  [
    'oversize name',
    'mutation($n: String) { insertUpdateCoordination(coordinationName: $n, updatedBy: "u") { coordination { coordinationUuid } } }',
    { n: long(257) },
    'BAD_USER_INPUT',
  ],
  [
    'name missing on create',
    'mutation { insertUpdateCoordination(coordinationDescription: "d", updatedBy: "u") { coordination { coordinationUuid } } }',
    {},
    'BAD_USER_INPUT',
  ],
  [
    'malformed id',
    'mutation { insertUpdateCoordination(coordinationUuid: "a b", coordinationName: "C", updatedBy: "u") { coordination { coordinationUuid } } }',
    {},
    'BAD_USER_INPUT',
  ],
  [
    'updatedBy missing',
    'mutation { insertUpdateCoordination(coordinationName: "C") { coordination { coordinationUuid } } }',
    {},
    'GRAPHQL_VALIDATION_FAILED',
  ],
  [
    'unknown argument',
    'mutation { insertUpdateCoordination(coordinationName: "C", color: "red", updatedBy: "u") { coordination { coordinationUuid } } }',
    {},
    'GRAPHQL_VALIDATION_FAILED',
  ],
];

const task: Case[] = [
  [
    'cyclic DAG',
    'mutation($c: String!, $aa: JSON) { insertUpdateTask(coordinationUuid: $c, taskName: "T", agentActions: $aa, updatedBy: "u") { task { taskUuid } } }',
    {
      aa: {
        'agent-a': { predecessors: ['agent-c'] },
        'agent-b': { predecessors: ['agent-a'] },
        'agent-c': { predecessors: ['agent-b'] },
      },
    },
    'BAD_USER_INPUT',
  ],
  [
    'cyclic DAG on update',
    'mutation($c: String!, $t: String, $aa: JSON) { insertUpdateTask(coordinationUuid: $c, taskUuid: $t, agentActions: $aa, updatedBy: "u") { task { taskUuid } } }',
    { aa: { 'agent-a': { predecessors: ['agent-b'] }, 'agent-b': { predecessors: ['agent-a'] } } },
    'BAD_USER_INPUT',
  ],
  [
    'self-loop',
    'mutation($c: String!, $aa: JSON) { insertUpdateTask(coordinationUuid: $c, taskName: "T", agentActions: $aa, updatedBy: "u") { task { taskUuid } } }',
    { aa: { 'agent-a': { predecessors: ['agent-a'] } } },
    'BAD_USER_INPUT',
  ],
  [
    'unknown predecessor',
    'mutation($c: String!, $aa: JSON) { insertUpdateTask(coordinationUuid: $c, taskName: "T", agentActions: $aa, updatedBy: "u") { task { taskUuid } } }',
    { aa: { 'agent-a': { predecessors: ['ghost'] } } },
    'BAD_USER_INPUT',
  ],
  [
    'predecessors of the wrong type',
    'mutation($c: String!, $aa: JSON) { insertUpdateTask(coordinationUuid: $c, taskName: "T", agentActions: $aa, updatedBy: "u") { task { taskUuid } } }',
    { aa: { 'agent-a': { predecessors: 'agent-b' } } },
    'BAD_USER_INPUT',
  ],
  [
    'unknown failureMode',
    'mutation($c: String!, $p: JSON) { insertUpdateTask(coordinationUuid: $c, taskName: "T", executionPolicy: $p, updatedBy: "u") { task { taskUuid } } }',
    { p: { failureMode: 'sometimes' } },
    'BAD_USER_INPUT',
  ],
  [
    'oversize name',
    'mutation($c: String!, $n: String) { insertUpdateTask(coordinationUuid: $c, taskName: $n, updatedBy: "u") { task { taskUuid } } }',
    { n: long(257) },
    'BAD_USER_INPUT',
  ],
  [
    'missing coordination',
    'mutation { insertUpdateTask(coordinationUuid: "00000000000000000000", taskName: "T", updatedBy: "u") { task { taskUuid } } }',
    {},
    'NOT_FOUND',
  ],
];

const taskSchedule: Case[] = [
  [
    'unknown status',
    'mutation($t: String!) { insertUpdateTaskSchedule(taskUuid: $t, schedule: "rate(1 hour)", status: "sleeping", updatedBy: "u") { taskSchedule { scheduleUuid } } }',
    {},
    'BAD_USER_INPUT',
  ],
  [
    'wrong type status',
    'mutation($t: String!) { insertUpdateTaskSchedule(taskUuid: $t, schedule: "rate(1 hour)", status: 5, updatedBy: "u") { taskSchedule { scheduleUuid } } }',
    {},
    'BAD_USER_INPUT',
  ],
  [
    'bad expression',
    'mutation($t: String!) { insertUpdateTaskSchedule(taskUuid: $t, schedule: "now and then", updatedBy: "u") { taskSchedule { scheduleUuid } } }',
    {},
    'BAD_USER_INPUT',
  ],
  [
    'oversize expression',
    'mutation($t: String!, $s: String) { insertUpdateTaskSchedule(taskUuid: $t, schedule: $s, updatedBy: "u") { taskSchedule { scheduleUuid } } }',
    { s: `cron(${long(300)} * * * * *)` },
    'BAD_USER_INPUT',
  ],
  ['unknown status filter', '{ taskScheduleList(statuses: ["sleeping"]) { total } }', {}, 'BAD_USER_INPUT'],
];

const session: Case[] = [
  [
    'unknown status',
    'mutation($c: String!) { insertUpdateSession(coordinationUuid: $c, status: "done", updatedBy: "u") { session { sessionUuid } } }',
    {},
    'BAD_USER_INPUT',
  ],
  [
    'wrong type iterationCount',
    'mutation($c: String!, $i: Int) { insertUpdateSession(coordinationUuid: $c, iterationCount: $i, updatedBy: "u") { session { sessionUuid } } }',
    { i: 'many' },
    'BAD_USER_INPUT',
  ],
  [
    'negative iterationCount',
    'mutation($c: String!) { insertUpdateSession(coordinationUuid: $c, iterationCount: -1, updatedBy: "u") { session { sessionUuid } } }',
    {},
    'BAD_USER_INPUT',
  ],
  [
    'oversize taskQuery',
    'mutation($c: String!, $q: String) { insertUpdateSession(coordinationUuid: $c, taskQuery: $q, updatedBy: "u") { session { sessionUuid } } }',
    { q: long(32_769) },
    'BAD_USER_INPUT',
  ],
  [
    'task of another coordination',
    'mutation($c: String!) { insertUpdateSession(coordinationUuid: $c, taskUuid: "00000000000000000000", updatedBy: "u") { session { sessionUuid } } }',
    {},
    'NOT_FOUND',
  ],
  ['unknown status filter', '{ sessionList(statuses: ["done"]) { total } }', {}, 'BAD_USER_INPUT'],
];

const sessionAgent: Case[] = [
  [
    'unknown state',
    'mutation($s: String!, $sa: String) { insertUpdateSessionAgent(sessionUuid: $s, sessionAgentUuid: $sa, state: "sleeping", updatedBy: "u") { sessionAgent { state } } }',
    {},
    'BAD_USER_INPUT',
  ],
  [
    'wrong type inDegree',
    'mutation($s: String!, $sa: String) { insertUpdateSessionAgent(sessionUuid: $s, sessionAgentUuid: $sa, inDegree: 1.5, updatedBy: "u") { sessionAgent { state } } }',
    {},
    'BAD_USER_INPUT',
  ],
  [
    'wrong type in agentAction',
    'mutation($s: String!, $aa: JSON) { insertUpdateSessionAgent(sessionUuid: $s, agentUuid: "agent-a", agentAction: $aa, updatedBy: "u") { sessionAgent { state } } }',
    { aa: { predecessors: 5 } },
    'BAD_USER_INPUT',
  ],
  [
    'oversize notes',
    'mutation($s: String!, $sa: String, $n: String) { insertUpdateSessionAgent(sessionUuid: $s, sessionAgentUuid: $sa, notes: $n, updatedBy: "u") { sessionAgent { state } } }',
    { n: long(100_001) },
    'BAD_USER_INPUT',
  ],
  [
    'agentUuid missing on create',
    'mutation($s: String!) { insertUpdateSessionAgent(sessionUuid: $s, updatedBy: "u") { sessionAgent { state } } }',
    {},
    'BAD_USER_INPUT',
  ],
  ['unknown state filter', '{ sessionAgentList(states: ["sleeping"]) { total } }', {}, 'BAD_USER_INPUT'],
];

const sessionRun: Case[] = [
  [
    'threadUuid missing on create',
    'mutation($s: String!, $c: String) { insertUpdateSessionRun(sessionUuid: $s, agentUuid: "agent-a", coordinationUuid: $c, updatedBy: "u") { sessionRun { runUuid } } }',
    {},
    'BAD_USER_INPUT',
  ],
  [
    'oversize threadUuid',
    'mutation($s: String!, $c: String, $t: String) { insertUpdateSessionRun(sessionUuid: $s, threadUuid: $t, agentUuid: "agent-a", coordinationUuid: $c, updatedBy: "u") { sessionRun { runUuid } } }',
    { t: long(129) },
    'BAD_USER_INPUT',
  ],
  [
    'malformed runUuid',
    'mutation($s: String!, $c: String) { insertUpdateSessionRun(sessionUuid: $s, runUuid: "run/1", threadUuid: "t", agentUuid: "agent-a", coordinationUuid: $c, updatedBy: "u") { sessionRun { runUuid } } }',
    {},
    'BAD_USER_INPUT',
  ],
  [
    'wrong type asyncTaskUuid',
    'mutation($s: String!, $r: String) { insertUpdateSessionRun(sessionUuid: $s, runUuid: $r, asyncTaskUuid: true, updatedBy: "u") { sessionRun { runUuid } } }',
    {},
    'BAD_USER_INPUT',
  ],
];

/** Fills the variables each query declares from the seeded ids. */
function withIds(query: string, variables: Record<string, unknown>) {
  const known: Record<string, string | undefined> = {
    c: ids.coord,
    t: ids.task,
    s: ids.session,
    sa: ids.agent,
    r: ids.run,
  };
  const declared = [...query.matchAll(/\$(\w+):/g)].map((m) => m[1]!);
  const filled = Object.fromEntries(declared.filter((d) => known[d] !== undefined).map((d) => [d, known[d]]));
  return { ...filled, ...variables };
}

describe.each([
  ['Coordination', coordination],
  ['Task', task],
  ['TaskSchedule', taskSchedule],
  ['Session', session],
  ['SessionAgent', sessionAgent],
  ['SessionRun', sessionRun],
] as const)('%s rejects bad input and writes nothing', (_entity, cases) => {
  it.each(cases)('%s -> %s', async (_label, query, variables, code) => {
    const before = await snapshot(env);
    const result = await gql(query, withIds(query, variables));
    expect(errorCode(result), JSON.stringify(result.errors)).toBe(code);
    expect(await snapshot(env)).toBe(before);
  });
});

describe('DAG errors name the agents', () => {
  it.each([
    [
      {
        'agent-a': { predecessors: ['agent-c'] },
        'agent-b': { predecessors: ['agent-a'] },
        'agent-c': { predecessors: ['agent-b'] },
      },
      /cycle: agent-a -> agent-c -> agent-b -> agent-a/,
    ],
    [{ 'agent-b': { predecessors: ['agent-b'] } }, /themselves as predecessor: agent-b/],
    [{ ghost: { predecessors: ['agent-a', 'phantom'] } }, /unknown agents: ghost, phantom/],
  ])('%j', async (agentActions, message) => {
    const result = await gql(
      'mutation($c: String!, $aa: JSON) { insertUpdateTask(coordinationUuid: $c, taskName: "T", agentActions: $aa, updatedBy: "u") { task { taskUuid } } }',
      { c: ids.coord, aa: agentActions },
    );
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0]?.message).toMatch(message);
  });
});
