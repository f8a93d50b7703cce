import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Services } from '../../src/graphql/context.js';
import { createEventLogReader, isTerminalEvent } from '../../src/transport/event-log.js';
import { assertSessionOfTenant } from '../../src/transport/session-access.js';
import { tenantA, tenantB } from '../support/env.js';
import { createGraphQLClient } from '../support/graphql.js';
import { agentsByName, createSqsBed, seedTask, waitFor, waitForStatus } from './support.js';

describe('procedure hub over GraphQL', () => {
  let bed: Awaited<ReturnType<typeof createSqsBed>>;
  let services: Services;
  beforeAll(async () => {
    bed = await createSqsBed();
    const eventLog = createEventLogReader(bed.env.clients);
    services = {
      procedure: bed.hub,
      sessionEventFeed: {
        assertAccess: (tenant, sessionUuid) =>
          assertSessionOfTenant({ sessions: bed.env.repos.sessions, eventLog }, tenant, sessionUuid),
        after: (tenant, sessionUuid, after, limit) => eventLog.after(tenant, sessionUuid, after, limit),
        isTerminal: isTerminalEvent,
      },
    };
  });
  afterAll(async () => {
    await bed.stop();
  });

  it('executeProcedureTaskSession, executeForUserInput and sessionEvents, in the Python shapes', async () => {
    // Prepare
    const task = await seedTask(bed.env, [
      { name: 'first', script: { answer: 'one' } },
      { name: 'check', preds: ['first'], userInTheLoop: true },
    ]);
    const gql = createGraphQLClient(bed.env, { services });
    // Act
    const started = await gql<{
      executeProcedureTaskSession: {
        procedureTaskSession: {
          sessionUuid: string;
          userId: string;
          taskQuery: string;
          session: { status: string };
          task: { taskName: string };
          coordination: { coordinationUuid: string };
        };
      };
    }>(
      `mutation ($c: String!, $t: String!) {
        executeProcedureTaskSession(coordinationUuid: $c, taskUuid: $t, taskQuery: "q", policy: {maxRetries: 0}) {
          procedureTaskSession { coordinationUuid sessionUuid taskUuid userId taskQuery
            session { status } task { taskName } coordination { coordinationUuid } }
        }
      }`,
      { c: task.coordinationUuid, t: task.taskUuid },
    );
    // Assess
    expect(started.errors).toBeUndefined();
    const pts = started.data?.executeProcedureTaskSession.procedureTaskSession;
    expect(pts).toMatchObject({
      userId: 'user-1',
      taskQuery: 'q',
      session: { status: 'dispatched' },
      task: { taskName: 'test task' },
      coordination: { coordinationUuid: task.coordinationUuid },
    });
    const sessionUuid = pts?.sessionUuid ?? '';
    const waiting = await waitFor(
      () => agentsByName(bed.env, sessionUuid),
      (m) => m.get('check')?.state === 'wait_for_user_input',
    );
    const stored = await bed.env.repos.sessions.get(tenantA, task.coordinationUuid, sessionUuid);
    expect(stored.execution_policy?.max_retries).toBe(0);

    const answer = `mutation ($s: String!, $a: String!) { executeForUserInput(sessionUuid: $s, sessionAgentUuid: $a, userInput: "ok") { ok } }`;
    const vars = { s: sessionUuid, a: waiting.get('check')?.session_agent_uuid };
    expect((await gql(answer, vars)).data).toEqual({ executeForUserInput: { ok: true } });
    expect((await gql(answer, vars)).errors?.[0]?.extensions?.code).toBe('CONFLICT');
    await waitForStatus(bed.env, task.coordinationUuid, sessionUuid, ['completed']);

    const events = await gql<{
      sessionEvents: { seq: number; type: string; data: Record<string, unknown> }[];
    }>(`query ($s: String!) { sessionEvents(sessionUuid: $s, after: 2, limit: 500) { seq type data } }`, {
      s: sessionUuid,
    });
    const list = events.data?.sessionEvents ?? [];
    expect(list[0]?.seq).toBe(3);
    expect(list.map((e) => e.seq)).toEqual(list.map((_, i) => i + 3));
    expect(list.at(-1)).toMatchObject({ type: 'session_status', data: { status: 'completed' } });
    expect(list.some((e) => e.type === 'user_input')).toBe(true);

    const resumed = await gql(
      `mutation ($s: String!) { resumeProcedureTaskSession(sessionUuid: $s) { status dispatched } }`,
      {
        s: sessionUuid,
      },
    );
    expect(resumed.data).toEqual({ resumeProcedureTaskSession: { status: 'completed', dispatched: 0 } });

    // another tenant sees nothing
    const other = createGraphQLClient(bed.env, { services, caller: { tenant: tenantB, userId: 'x' } });
    const hidden = await other(`query ($s: String!) { sessionEvents(sessionUuid: $s) { seq } }`, {
      s: sessionUuid,
    });
    expect(hidden.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('rejects a bad policy and an invalid DAG with BAD_USER_INPUT, writing nothing', async () => {
    const task = await seedTask(bed.env, [{ name: 'solo' }]);
    const gql = createGraphQLClient(bed.env, { services });
    const bad = await gql(
      `mutation ($c: String!, $t: String!) {
        executeProcedureTaskSession(coordinationUuid: $c, taskUuid: $t, policy: {maxParallel: 0}) { procedureTaskSession { sessionUuid } }
      }`,
      { c: task.coordinationUuid, t: task.taskUuid },
    );
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(
      await bed.env.repos.sessions.list(tenantA, { coordinationUuid: task.coordinationUuid }),
    ).toHaveLength(0);
  });
});
