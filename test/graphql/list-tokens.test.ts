import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PAGE_QUERY, seedSessions, TOTAL_QUERY } from '../../bench/lists.bench.js';
import { meterReads, type ReadMeter } from '../../bench/read-meter.js';
import { createTestEnv, type TestEnv, tenantA, tenantB } from '../support/env.js';
import { createGraphQLClient } from '../support/graphql.js';
import { dataOf, type Execute, errorCode } from './helpers.js';

/**
 * Cursor paging: nextToken walks every row once, each page reads only what it
 * shows (+1), total costs a COUNT only when selected, and a token is good only
 * for the tenant and query it was issued for.
 */
interface SessionPage {
  sessionList: { sessionUuid: string; status: string }[];
  pageNumber?: number;
  nextToken: string | null;
  total?: number;
}

let env: TestEnv;
let gql: Execute;
let gqlB: Execute;
let meter: ReadMeter;
const SESSIONS = 25;

async function page(query: string, variables: Record<string, unknown> = {}, execute = gql) {
  return dataOf(await execute<{ sessionList: SessionPage }>(query, variables)).sessionList;
}

beforeAll(async () => {
  env = await createTestEnv();
  await seedSessions(env.clients.doc, env.clients.tables, tenantA, SESSIONS);
  await seedSessions(env.clients.doc, env.clients.tables, tenantB, 5);
  gql = createGraphQLClient(env);
  gqlB = createGraphQLClient(env, { caller: { tenant: tenantB, userId: 'b' } });
  meter = meterReads(env.clients.dynamo);
});
afterEach(() => meter.reset());

describe('sessionList with nextToken', () => {
  it('walks every session of the tenant exactly once, one Query of at most limit + 1 items a page', async () => {
    const query = `query ($nextToken: String) {
      sessionList(limit: 10, nextToken: $nextToken) { pageNumber sessionList { sessionUuid } nextToken }
    }`;
    const seen: string[] = [];
    const pageNumbers: number[] = [];
    const costs: { requests: number; items: number }[] = [];
    let nextToken: string | null = null;
    do {
      meter.reset();
      const result: SessionPage = await page(query, { nextToken });
      costs.push({ requests: meter.requests, items: meter.itemsRead });
      seen.push(...result.sessionList.map((s) => s.sessionUuid));
      pageNumbers.push(result.pageNumber ?? 0);
      nextToken = result.nextToken;
    } while (nextToken);
    expect(pageNumbers).toEqual([1, 2, 3]);
    expect(seen).toHaveLength(SESSIONS);
    expect(new Set(seen).size).toBe(SESSIONS);
    expect(costs).toEqual([
      { requests: 1, items: 11 },
      { requests: 1, items: 11 },
      { requests: 1, items: 5 },
    ]);
    expect(meter.queries().every((q) => q.select !== 'COUNT')).toBe(true);
  });

  it('counts total with one extra COUNT query only when it is selected', async () => {
    const withTotal = await page(TOTAL_QUERY);
    expect(withTotal.total).toBe(SESSIONS);
    expect(meter.queries().map((q) => q.select ?? 'ITEMS')).toEqual(['ITEMS', 'COUNT']);
    meter.reset();
    await page(PAGE_QUERY);
    expect(meter.queries().map((q) => q.select ?? 'ITEMS')).toEqual(['ITEMS']);
  });

  it('pageNumber gives the same pages as following tokens (Python-engine clients)', async () => {
    const first = await page(PAGE_QUERY);
    const second = await page(PAGE_QUERY, { nextToken: first.nextToken });
    const byNumber = await page(
      '{ sessionList(limit: 10, pageNumber: 2) { sessionList { sessionUuid status } nextToken } }',
    );
    expect(byNumber.sessionList).toEqual(second.sessionList);
    const past = await page(
      '{ sessionList(limit: 10, pageNumber: 4) { sessionList { sessionUuid } total nextToken } }',
    );
    expect(past).toEqual({ sessionList: [], total: SESSIONS, nextToken: null });
  });

  it('pages a filter expression without losing or repeating a match', async () => {
    const query = `query ($nextToken: String) {
      sessionList(limit: 3, statuses: ["completed"], nextToken: $nextToken) { sessionList { sessionUuid status } nextToken }
    }`;
    const seen: string[] = [];
    let nextToken: string | null = null;
    do {
      const result: SessionPage = await page(query, { nextToken });
      expect(result.sessionList.every((s) => s.status === 'completed')).toBe(true);
      seen.push(...result.sessionList.map((s) => s.sessionUuid));
      nextToken = result.nextToken;
    } while (nextToken);
    const completed = Math.ceil(SESSIONS / 3); // seedSessions marks every third one completed
    expect(seen).toHaveLength(completed);
    expect(new Set(seen).size).toBe(completed);
  });
});

describe('nextToken is bound to its tenant and query', () => {
  let token: string;
  beforeAll(async () => {
    token = (await page(PAGE_QUERY)).nextToken as string;
    expect(token).toEqual(expect.any(String));
  });

  const rejected = async (query: string, variables: Record<string, unknown>, execute = gql) =>
    errorCode(await execute(query, variables));

  it('refuses a token of another tenant', async () => {
    expect(await rejected(PAGE_QUERY, { nextToken: token }, gqlB)).toBe('BAD_USER_INPUT');
  });

  it('refuses a token of another query (other filters or another list)', async () => {
    const filtered = `query ($t: String) { sessionList(limit: 10, userId: "user-1", nextToken: $t) { nextToken } }`;
    expect(await rejected(filtered, { t: token })).toBe('BAD_USER_INPUT');
    const runs = 'query ($t: String) { sessionRunList(limit: 10, nextToken: $t) { nextToken } }';
    expect(await rejected(runs, { t: token })).toBe('BAD_USER_INPUT');
  });

  it('refuses an edited token and a token with pageNumber', async () => {
    const [payload = '', mac = ''] = token.split('.');
    const body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { p: number };
    const edited = `${Buffer.from(JSON.stringify({ ...body, p: 7 })).toString('base64url')}.${mac}`;
    for (const bad of [edited, `${payload}.${mac.slice(1)}`, 'not-a-token', `${token}.x`]) {
      expect(await rejected(PAGE_QUERY, { nextToken: bad })).toBe('BAD_USER_INPUT');
    }
    const both = 'query ($t: String) { sessionList(limit: 10, pageNumber: 2, nextToken: $t) { nextToken } }';
    expect(await rejected(both, { t: token })).toBe('BAD_USER_INPUT');
  });

  it('another tenant still pages its own rows only', async () => {
    const other = await page(
      '{ sessionList(limit: 10) { sessionList { sessionUuid } total nextToken } }',
      {},
      gqlB,
    );
    expect(other.total).toBe(5);
    expect(other.nextToken).toBeNull();
  });
});

describe('filters read through key conditions and indexes', () => {
  it('a user alone uses the user GSI; a coordination pins the table key', async () => {
    await page('{ sessionList(limit: 5, userId: "user-1") { sessionList { sessionUuid } } }');
    expect(meter.queries().map((q) => q.index)).toEqual(['user_id-session_uuid-index']);
    const items = await env.repos.sessions.list(tenantA, { userId: 'user-1' });
    expect(items.length).toBeGreaterThan(0);
    expect(items.every((s) => s.user_id === 'user-1')).toBe(true);
  });

  it('a thread alone uses the thread GSI of session runs', async () => {
    const query =
      '{ sessionRunList(limit: 5, threadUuid: "11111111111111111111") { sessionRunList { runUuid } } }';
    expect(dataOf(await gql(query))).toEqual({ sessionRunList: { sessionRunList: [] } });
    expect(meter.queries().map((q) => q.index)).toEqual(['thread_uuid-run_uuid-index']);
  });

  it('a task alone is looked up for its coordination, then read through the task LSI', async () => {
    const coordination = await env.repos.coordinations.insert(tenantA, {
      coordination_uuid: '20000000000000000001',
      coordination_name: 'c',
      agents: [],
      updated_by: 't',
    });
    const task = await env.repos.tasks.insert(tenantA, {
      coordination_uuid: coordination.coordination_uuid,
      task_uuid: '20000000000000000002',
      task_name: 't',
      subtask_queries: [],
      agent_actions: {},
      updated_by: 't',
    });
    const session = await env.repos.sessions.insert(tenantA, {
      coordination_uuid: coordination.coordination_uuid,
      session_uuid: '20000000000000000003',
      task_uuid: task.task_uuid,
      iteration_count: 0,
      subtask_queries: [],
      status: 'initial',
      updated_by: 't',
    });
    meter.reset();
    const result = await page(
      `{ sessionList(taskUuid: "${task.task_uuid}") { sessionList { sessionUuid status } nextToken } }`,
    );
    expect(result).toEqual({
      sessionList: [{ sessionUuid: session.session_uuid, status: 'initial' }],
      nextToken: null,
    });
    expect(meter.queries().map((q) => q.index)).toEqual(['partition_key-index', 'task_uuid-index']);
  });
});
