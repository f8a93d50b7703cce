import { beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, tenantB } from '../support/env.js';
import { createGraphQLClient } from '../support/graphql.js';
import { dataOf, type Execute, errorCode, factories } from './helpers.js';

/**
 * Every list query with each of the Python engine's filters, and pagination.
 * One data set for the file; tenant B holds look-alike rows that must never show.
 */
interface Page {
  pageNumber: number;
  pageSize: number;
  total: number;
  [list: string]: unknown;
}

let gql: Execute;
const ids: Record<string, string> = {};

async function list(name: string, args: Record<string, unknown>, select: string) {
  const argText = Object.entries(args)
    .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
    .join(', ');
  const query = `{ ${name}${argText ? `(${argText})` : ''} { pageNumber pageSize total ${name} { ${select} } } }`;
  return dataOf(await gql<Record<string, Page>>(query))[name] as Page;
}

/** The named rows a list returned, sorted, so filters compare as sets. */
async function names(
  name: string,
  args: Record<string, unknown>,
  select: string,
  label: (row: never) => string,
) {
  const page = await list(name, args, select);
  return (page[name] as never[]).map(label).sort();
}

beforeAll(async () => {
  const env = await createTestEnv();
  gql = createGraphQLClient(env);
  const f = factories(gql);
  const other = factories(createGraphQLClient(env, { caller: { tenant: tenantB, userId: 'b' } }));

  ids.coordA = await f.coordination({ n: 'Alpha research', d: 'finds owls' });
  ids.coordB = await f.coordination({ n: 'Beta writing', d: 'writes essays' });
  const foreignCoordination = await other.coordination({ n: 'Alpha research', d: 'finds owls' });
  await other.task(foreignCoordination, { n: 'Owl report' });

  ids.task1 = await f.task(ids.coordA, { n: 'Owl report', d: 'about owls', q: 'owls please' });
  ids.task2 = await f.task(ids.coordA, { n: 'Essay', d: 'writing', q: 'essay please' });
  ids.task3 = await f.task(ids.coordB, { n: 'Poem', d: 'verse', q: 'poem please' });

  ids.sched1 = await f.schedule(ids.task1, { s: 'rate(1 hour)' });
  ids.sched2 = await f.schedule(ids.task1, { s: 'rate(2 hours)', st: 'paused' });
  ids.sched3 = await f.schedule(ids.task2, { s: 'rate(3 hours)', c: ids.coordA });
  ids.sched4 = await f.schedule(ids.task3, { s: 'cron(0 12 * * ? *)' });

  ids.s1 = await f.session(ids.coordA, { t: ids.task1, u: 'u1', s: 'completed', q: 's1' });
  ids.s2 = await f.session(ids.coordA, { t: ids.task1, u: 'u2', s: 'in_progress', q: 's2' });
  ids.s3 = await f.session(ids.coordA, { u: 'u1', q: 's3' });
  ids.s4 = await f.session(ids.coordB, { t: ids.task3, u: 'u1', s: 'failed', q: 's4' });
  await other.session(foreignCoordination, { u: 'u1', q: 'foreign' });

  await f.sessionAgent(ids.s1, {
    a: 'agent-a',
    in: 'a1',
    st: 'completed',
    aa: { predecessors: [], primaryPath: true, userInTheLoop: false },
  });
  await f.sessionAgent(ids.s1, {
    a: 'agent-b',
    in: 'a2',
    i: 1,
    aa: { predecessors: ['agent-a'], primaryPath: false, userInTheLoop: true },
  });
  await f.sessionAgent(ids.s2, {
    a: 'agent-c',
    in: 'a3',
    i: 2,
    st: 'failed',
    aa: { predecessors: ['agent-a', 'agent-b'], primaryPath: true, userInTheLoop: false },
  });

  await f.sessionRun(ids.s1, ids.coordA, { r: 'r1', t: 't1', a: 'agent-a' });
  await f.sessionRun(ids.s1, ids.coordA, { r: 'r2', t: 't2', a: 'agent-b' });
  await f.sessionRun(ids.s2, ids.coordA, { r: 'r3', t: 't1', a: 'agent-a' });
  await f.sessionRun(ids.s4, ids.coordB, { r: 'r4', t: 't1', a: 'agent-b' });
});

describe('coordinationList', () => {
  const run = (args: Record<string, unknown>) =>
    names(
      'coordinationList',
      args,
      'coordinationName',
      (c: { coordinationName: string }) => c.coordinationName,
    );
  it.each([
    [{}, ['Alpha research', 'Beta writing']],
    [{ coordinationName: 'Alpha' }, ['Alpha research']],
    [{ coordinationDescription: 'essays' }, ['Beta writing']],
    [{ coordinationName: 'zzz' }, []],
  ])('filter %j', async (args, expected) => {
    expect(await run(args)).toEqual(expected);
  });
});

describe('taskList', () => {
  const run = (args: Record<string, unknown>) =>
    names('taskList', args, 'taskName', (t: { taskName: string }) => t.taskName);
  it.each([
    [{}, ['Essay', 'Owl report', 'Poem']],
    [{ coordinationUuid: 'coordA' }, ['Essay', 'Owl report']],
    [{ taskName: 'Owl' }, ['Owl report']],
    [{ taskDescription: 'verse' }, ['Poem']],
    [{ initialTaskQuery: 'essay' }, ['Essay']],
    [{ coordinationUuid: 'coordA', taskName: 'Poem' }, []],
  ])('filter %j', async (args, expected) => {
    expect(await run(resolveIds(args))).toEqual(expected);
  });
});

describe('taskScheduleList', () => {
  const run = (args: Record<string, unknown>) =>
    names('taskScheduleList', args, 'schedule', (s: { schedule: string }) => s.schedule);
  it.each([
    [{}, ['cron(0 12 * * ? *)', 'rate(1 hour)', 'rate(2 hours)', 'rate(3 hours)']],
    [{ taskUuid: 'task1' }, ['rate(1 hour)', 'rate(2 hours)']],
    [{ coordinationUuid: 'coordA' }, ['rate(1 hour)', 'rate(2 hours)', 'rate(3 hours)']],
    [{ statuses: ['paused'] }, ['rate(2 hours)']],
    [{ taskUuid: 'task1', statuses: ['active'] }, ['rate(1 hour)']],
  ])('filter %j', async (args, expected) => {
    expect(await run(resolveIds(args))).toEqual(expected);
  });
});

describe('sessionList', () => {
  const run = (args: Record<string, unknown>) =>
    names('sessionList', args, 'taskQuery', (s: { taskQuery: string }) => s.taskQuery);
  it.each([
    [{}, ['s1', 's2', 's3', 's4']],
    [{ coordinationUuid: 'coordA' }, ['s1', 's2', 's3']],
    [{ taskUuid: 'task1' }, ['s1', 's2']],
    [{ userId: 'u1' }, ['s1', 's3', 's4']],
    [{ statuses: ['completed', 'failed'] }, ['s1', 's4']],
    [{ coordinationUuid: 'coordA', taskUuid: 'task1' }, ['s1', 's2']],
    [{ coordinationUuid: 'coordA', userId: 'u1' }, ['s1', 's3']],
    [{ coordinationUuid: 'coordA', taskUuid: 'task1', userId: 'u2' }, ['s2']],
    [{ coordinationUuid: 'coordA', statuses: ['initial'] }, ['s3']],
  ])('filter %j', async (args, expected) => {
    expect(await run(resolveIds(args))).toEqual(expected);
  });
});

describe('sessionAgentList', () => {
  const run = (args: Record<string, unknown>) =>
    names('sessionAgentList', args, 'agentInput', (a: { agentInput: string }) => a.agentInput);
  it.each([
    [{}, ['a1', 'a2', 'a3']],
    [{ sessionUuid: 's1' }, ['a1', 'a2']],
    [{ coordinationUuid: 'coordA' }, ['a1', 'a2', 'a3']],
    [{ primaryPath: false }, ['a2']],
    [{ userInTheLoop: true }, ['a2']],
    [{ predecessor: 'agent-a' }, ['a2', 'a3']],
    [{ predecessors: ['agent-a', 'agent-c'] }, ['a1', 'a3']],
    [{ inDegree: 1 }, ['a2']],
    [{ states: ['completed', 'failed'] }, ['a1', 'a3']],
    [{ sessionUuid: 's1', states: ['initial'] }, ['a2']],
  ])('filter %j', async (args, expected) => {
    expect(await run(resolveIds(args))).toEqual(expected);
  });
});

describe('sessionRunList', () => {
  const run = (args: Record<string, unknown>) =>
    names('sessionRunList', args, 'runUuid', (r: { runUuid: string }) => r.runUuid);
  it.each([
    [{}, ['r1', 'r2', 'r3', 'r4']],
    [{ sessionUuid: 's1' }, ['r1', 'r2']],
    [{ coordinationUuid: 'coordA' }, ['r1', 'r2', 'r3']],
    [{ agentUuid: 'agent-a' }, ['r1', 'r3']],
    [{ threadUuid: 't1' }, ['r1', 'r3', 'r4']],
    [{ sessionUuid: 's1', threadUuid: 't1' }, ['r1']],
    [{ sessionUuid: 's1', agentUuid: 'agent-b' }, ['r2']],
    [{ sessionUuid: 's1', threadUuid: 't2', agentUuid: 'agent-a' }, []],
  ])('filter %j', async (args, expected) => {
    expect(await run(resolveIds(args))).toEqual(expected);
  });
});

describe('pagination', () => {
  it.each([
    ['coordinationList', 'coordinationUuid', 2],
    ['taskList', 'taskUuid', 3],
    ['taskScheduleList', 'scheduleUuid', 4],
    ['sessionList', 'sessionUuid', 4],
    ['sessionAgentList', 'sessionAgentUuid', 3],
    ['sessionRunList', 'runUuid', 4],
  ])('%s pages with pageNumber/limit, total counts every match', async (name, idField, total) => {
    const pages: string[][] = [];
    for (let pageNumber = 1; pageNumber <= total + 1; pageNumber++) {
      const page = await list(name, { pageNumber, limit: 1 }, idField);
      expect(page).toMatchObject({ pageNumber, pageSize: 1, total });
      pages.push((page[name] as Record<string, string>[]).map((row) => row[idField]!));
    }
    expect(pages.slice(0, total).every((p) => p.length === 1)).toBe(true);
    expect(pages[total]).toEqual([]);
    expect(new Set(pages.flat()).size).toBe(total);
    const all = await list(name, {}, idField);
    expect(all).toMatchObject({ pageNumber: 1, pageSize: 100, total });
  });

  it.each([[{ limit: 0 }], [{ limit: 1001 }], [{ pageNumber: 0 }]])(
    'rejects %j with BAD_USER_INPUT',
    async (args) => {
      const [[k, v]] = Object.entries(args) as [[string, number]];
      expect(errorCode(await gql(`{ sessionList(${k}: ${v}) { total } }`))).toBe('BAD_USER_INPUT');
    },
  );
});

/** Test tables name rows symbolically ("coordA", "s1"); swap in the generated ids. */
function resolveIds(args: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(args).map(([k, v]) => [k, typeof v === 'string' && ids[v] ? ids[v] : v]),
  );
}
