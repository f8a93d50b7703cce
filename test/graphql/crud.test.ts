import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TableKey } from '../../src/db/tables.js';
import { createTestEnv, type TestEnv, tenantB } from '../support/env.js';
import { createGraphQLClient } from '../support/graphql.js';
import { dataOf, type Execute, errorCode, factories, scanTable, snapshot } from './helpers.js';

type Key = Record<string, string>;
type Factories = ReturnType<typeof factories>;

interface CrudCase {
  readonly entity: string;
  readonly table: TableKey;
  /** Creates the entity (and its parents) under tenant A; returns its key arguments. */
  create(f: Factories): Promise<Key>;
  readonly fields: string;
  /** What a read returns right after create. */
  readonly created: Record<string, unknown>;
  /** One supplied field that changes; `kept` must not. */
  readonly change: Record<string, unknown>;
  readonly kept: Record<string, unknown>;
}

const literal = (args: Record<string, unknown>) =>
  Object.entries(args)
    .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
    .join(', ');
const capital = (s: string) => s[0]!.toUpperCase() + s.slice(1);

const cases: CrudCase[] = [
  {
    entity: 'coordination',
    table: 'coordinations',
    create: async (f) => ({ coordinationUuid: await f.coordination() }),
    fields: 'coordinationName coordinationDescription agents updatedBy createdAt',
    created: { coordinationName: 'Support desk', coordinationDescription: 'answers customers' },
    change: { coordinationName: 'Help desk' },
    kept: { coordinationDescription: 'answers customers' },
  },
  {
    entity: 'task',
    table: 'tasks',
    create: async (f) => {
      const coordinationUuid = await f.coordination();
      return { coordinationUuid, taskUuid: await f.task(coordinationUuid) };
    },
    fields: 'taskName taskDescription initialTaskQuery agentActions subtaskQueries updatedBy createdAt',
    created: {
      taskName: 'Write a report',
      agentActions: {
        'agent-a': { predecessors: [], primaryPath: true },
        'agent-b': { predecessors: ['agent-a'], primaryPath: true },
      },
      subtaskQueries: [
        { agentUuid: 'agent-a', subtaskQuery: 'find facts' },
        { agentUuid: 'agent-b', subtaskQuery: 'write it' },
      ],
    },
    change: { taskName: 'Write a summary' },
    kept: { taskDescription: 'research then write', initialTaskQuery: 'about owls' },
  },
  {
    entity: 'taskSchedule',
    table: 'taskSchedules',
    create: async (f) => {
      const taskUuid = await f.task(await f.coordination());
      return { taskUuid, scheduleUuid: await f.schedule(taskUuid) };
    },
    fields: 'schedule status coordinationUuid updatedBy createdAt',
    created: { schedule: 'rate(5 minutes)', status: 'active' },
    change: { status: 'paused' },
    kept: { schedule: 'rate(5 minutes)' },
  },
  {
    entity: 'session',
    table: 'sessions',
    create: async (f) => {
      const coordinationUuid = await f.coordination();
      return { coordinationUuid, sessionUuid: await f.session(coordinationUuid) };
    },
    fields: 'status taskQuery userId iterationCount updatedBy createdAt',
    created: { status: 'initial', taskQuery: 'about owls', userId: 'user-1', iterationCount: 0 },
    change: { status: 'in_progress' },
    kept: { taskQuery: 'about owls', userId: 'user-1' },
  },
  {
    entity: 'sessionAgent',
    table: 'sessionAgents',
    create: async (f) => {
      const sessionUuid = await f.session(await f.coordination());
      return { sessionUuid, sessionAgentUuid: await f.sessionAgent(sessionUuid) };
    },
    fields: 'agentUuid state inDegree agentInput agentAction updatedBy createdAt',
    created: {
      agentUuid: 'agent-a',
      state: 'initial',
      inDegree: 0,
      agentAction: { predecessors: [], primaryPath: true, userInTheLoop: null, actionFunction: {} },
    },
    change: { state: 'completed' },
    kept: { agentInput: 'find facts', agentUuid: 'agent-a' },
  },
  {
    entity: 'sessionRun',
    table: 'sessionRuns',
    create: async (f) => {
      const coordinationUuid = await f.coordination();
      const sessionUuid = await f.session(coordinationUuid);
      return { sessionUuid, runUuid: await f.sessionRun(sessionUuid, coordinationUuid) };
    },
    fields: 'threadUuid agentUuid asyncTaskUuid updatedBy createdAt',
    created: { threadUuid: 'thread-1', agentUuid: 'agent-a', asyncTaskUuid: 'async-1' },
    change: { asyncTaskUuid: 'async-2' },
    kept: { threadUuid: 'thread-1', agentUuid: 'agent-a' },
  },
];

describe.each(cases)('$entity: create, read, update, delete, tenancy', (c) => {
  let env: TestEnv;
  let gqlA: Execute;
  let gqlB: Execute;
  let f: Factories;
  const read = (gql: Execute, key: Key) => gql(`{ ${c.entity}(${literal(key)}) { ${c.fields} } }`);
  const update = (gql: Execute, key: Key, args: Record<string, unknown>) =>
    gql(
      `mutation { insertUpdate${capital(c.entity)}(${literal({ ...key, ...args, updatedBy: 'editor' })}) { ${c.entity} { ${c.fields} } } }`,
    );
  const remove = (gql: Execute, key: Key) =>
    gql(`mutation { delete${capital(c.entity)}(${literal(key)}) { ok } }`);

  beforeAll(async () => {
    env = await createTestEnv();
    gqlA = createGraphQLClient(env);
    gqlB = createGraphQLClient(env, { caller: { tenant: tenantB, userId: 'intruder' } });
    f = factories(gqlA);
  });

  it('creates an item with a 20-digit id and the caller’s partition_key, and reads it back', async () => {
    const key = await c.create(f);
    const own = Object.values(key).at(-1)!;
    expect(own).toMatch(/^\d{20}$/);
    const item = dataOf(await read(gqlA, key))[c.entity] as Record<string, unknown>;
    expect(item).toMatchObject({ ...c.created, updatedBy: 'factory' });
    const stored = (await scanTable(env, c.table)).find((row) => Object.values(row).includes(own));
    expect(stored?.partition_key).toBe('endpoint-a#part-1');
  });

  it('updates only the supplied fields', async () => {
    const key = await c.create(f);
    const before = dataOf(await read(gqlA, key))[c.entity] as Record<string, unknown>;
    const after = dataOf(await update(gqlA, key, c.change))[`insertUpdate${capital(c.entity)}`] as Record<
      string,
      Record<string, unknown>
    >;
    expect(after[c.entity]).toMatchObject({
      ...c.change,
      ...c.kept,
      updatedBy: 'editor',
      createdAt: before.createdAt,
    });
    const reread = dataOf(await read(gqlA, key))[c.entity];
    expect(reread).toEqual(after[c.entity]);
  });

  it('refuses another tenant’s read, update and delete with NOT_FOUND and changes nothing', async () => {
    const key = await c.create(f);
    const before = await snapshot(env);
    expect(errorCode(await read(gqlB, key))).toBe('NOT_FOUND');
    expect(errorCode(await update(gqlB, key, c.change))).toBe('NOT_FOUND');
    expect(errorCode(await remove(gqlB, key))).toBe('NOT_FOUND');
    expect(await snapshot(env)).toBe(before);
  });

  it('deletes, then reads NOT_FOUND; a UUID-shaped id is accepted and simply not found', async () => {
    const key = await c.create(f);
    expect(dataOf(await remove(gqlA, key))).toEqual({ [`delete${capital(c.entity)}`]: { ok: true } });
    expect(errorCode(await read(gqlA, key))).toBe('NOT_FOUND');
    const own = Object.values(key).at(-1)!;
    expect((await scanTable(env, c.table)).some((row) => Object.values(row).includes(own))).toBe(false);
    const uuidKey = { ...key, [Object.keys(key).at(-1)!]: randomUUID() };
    expect(errorCode(await read(gqlA, uuidKey))).toBe('NOT_FOUND');
    expect(errorCode(await remove(gqlA, key))).toBe('NOT_FOUND');
  });
});
