import { beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { createGraphQLClient } from '../support/graphql.js';
import { dataOf, type Execute, factories, snapshot } from './helpers.js';

let env: TestEnv;
let gql: Execute;
let f: ReturnType<typeof factories>;

beforeAll(async () => {
  env = await createTestEnv();
  gql = createGraphQLClient(env);
  f = factories(gql);
});

async function expectConflict(mutation: string, message: RegExp, counts: Record<string, number>) {
  const before = await snapshot(env);
  const result = await gql(mutation);
  expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', details: { counts } });
  expect(result.errors?.[0]?.message).toMatch(message);
  expect(await snapshot(env)).toBe(before);
}

describe('delete protection: CONFLICT naming the children, nothing removed', () => {
  it('a coordination with tasks and sessions', async () => {
    const c = await f.coordination();
    const t1 = await f.task(c);
    const t2 = await f.task(c);
    const s = await f.session(c);
    const del = `mutation { deleteCoordination(coordinationUuid: "${c}") { ok } }`;
    await expectConflict(del, /Coordination still has 2 tasks and 1 session/, { tasks: 2, sessions: 1 });

    for (const t of [t1, t2])
      dataOf(await gql(`mutation { deleteTask(coordinationUuid: "${c}", taskUuid: "${t}") { ok } }`));
    await expectConflict(del, /Coordination still has 1 session;/, { tasks: 0, sessions: 1 });

    dataOf(await gql(`mutation { deleteSession(coordinationUuid: "${c}", sessionUuid: "${s}") { ok } }`));
    expect(dataOf(await gql(del))).toEqual({ deleteCoordination: { ok: true } });
  });

  it('a task with schedules', async () => {
    const c = await f.coordination();
    const t = await f.task(c);
    const sched = await f.schedule(t);
    const del = `mutation { deleteTask(coordinationUuid: "${c}", taskUuid: "${t}") { ok } }`;
    await expectConflict(del, /Task still has 1 task schedule;/, { taskSchedules: 1 });
    dataOf(await gql(`mutation { deleteTaskSchedule(taskUuid: "${t}", scheduleUuid: "${sched}") { ok } }`));
    expect(dataOf(await gql(del))).toEqual({ deleteTask: { ok: true } });
  });

  it('a session with session agents and runs', async () => {
    const c = await f.coordination();
    const s = await f.session(c);
    const a = await f.sessionAgent(s);
    const r1 = await f.sessionRun(s, c);
    const r2 = await f.sessionRun(s, c);
    const del = `mutation { deleteSession(coordinationUuid: "${c}", sessionUuid: "${s}") { ok } }`;
    await expectConflict(del, /Session still has 1 session agent and 2 session runs/, {
      sessionAgents: 1,
      sessionRuns: 2,
    });
    dataOf(
      await gql(`mutation { deleteSessionAgent(sessionUuid: "${s}", sessionAgentUuid: "${a}") { ok } }`),
    );
    await expectConflict(del, /Session still has 2 session runs/, { sessionAgents: 0, sessionRuns: 2 });
    for (const r of [r1, r2])
      dataOf(await gql(`mutation { deleteSessionRun(sessionUuid: "${s}", runUuid: "${r}") { ok } }`));
    expect(dataOf(await gql(del))).toEqual({ deleteSession: { ok: true } });
  });
});
