import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TableKey } from '../../src/db/tables.js';
import { type BackfillProgress, backfillTenants } from '../../src/migrate/backfill-tenants.js';
import { tenantOf } from '../../src/tenant.js';
import { PY, PY_TENANT } from '../fixtures/python/items.js';
import { PY_RUNNING, untenantedItems } from '../fixtures/python/untenanted.js';
import { dataOf } from '../graphql/helpers.js';
import { createDirectBed, drain } from '../procedure/support.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { createGraphQLClient } from '../support/graphql.js';

const pyTenant = tenantOf(PY_TENANT.endpointId, PY_TENANT.partId);
let env: TestEnv;

const summary = (results: BackfillProgress[]) =>
  Object.fromEntries(
    results.map((r) => [r.table, { matched: r.matched, updated: r.updated, orphans: r.orphans }]),
  );

async function rawAgent(sessionUuid: string, sessionAgentUuid: string) {
  const { Item } = await env.clients.doc.send(
    new GetCommand({
      TableName: env.clients.tables.sessionAgents,
      Key: { session_uuid: sessionUuid, session_agent_uuid: sessionAgentUuid },
    }),
  );
  return Item as Record<string, unknown>;
}

beforeAll(async () => {
  env = await createTestEnv();
  for (const [table, items] of Object.entries(untenantedItems)) {
    for (const item of items) {
      await env.clients.doc.send(
        new PutCommand({
          TableName: env.clients.tables[table as TableKey],
          Item: item as Record<string, unknown>,
        }),
      );
    }
  }
  // An orphan: a run whose session does not exist.
  await env.clients.doc.send(
    new PutCommand({
      TableName: env.clients.tables.sessionRuns,
      Item: { session_uuid: '99999999999999999999', run_uuid: '1', coordination_uuid: PY.coordination },
    }),
  );
});

describe('npm run migrate -- backfill-tenants on Python-engine rows', () => {
  it('before: the rows read as missing; --dry-run counts them and writes nothing', async () => {
    expect(await env.repos.sessionAgents.list(pyTenant, { sessionUuid: PY_RUNNING.session })).toEqual([]);
    const progress: BackfillProgress[] = [];
    const results = await backfillTenants({
      ...env.clients,
      dryRun: true,
      onProgress: (p) => progress.push(p),
    });
    expect(summary(results)).toEqual({
      sessionAgents: { matched: 4, updated: 4, orphans: 0 },
      sessionRuns: { matched: 3, updated: 2, orphans: 1 },
    });
    expect(progress.filter((p) => p.done).map((p) => p.table)).toEqual(['sessionAgents', 'sessionRuns']);
    expect((await rawAgent(PY_RUNNING.session, PY_RUNNING.sessionAgentB)).partition_key).toBeUndefined();
  });

  it('gives every row its session tenant and the executor edges; a second run changes nothing', async () => {
    const first = await backfillTenants({ ...env.clients, pageSize: 2 });
    expect(summary(first)).toEqual({
      sessionAgents: { matched: 4, updated: 4, orphans: 0 },
      sessionRuns: { matched: 3, updated: 2, orphans: 1 },
    });
    const b = await rawAgent(PY_RUNNING.session, PY_RUNNING.sessionAgentB);
    expect(b).toMatchObject({
      partition_key: PY_TENANT.partitionKey,
      predecessor_uuids: [PY_RUNNING.sessionAgentA],
      successor_uuids: [],
      completed_predecessors: new Set([PY_RUNNING.sessionAgentA]),
    });
    const a = await rawAgent(PY_RUNNING.session, PY_RUNNING.sessionAgentA);
    expect(a.successor_uuids).toEqual([PY_RUNNING.sessionAgentB]);
    const second = await backfillTenants({ ...env.clients });
    expect(summary(second)).toEqual({
      sessionAgents: { matched: 0, updated: 0, orphans: 0 },
      sessionRuns: { matched: 1, updated: 0, orphans: 1 },
    });
    expect(await rawAgent(PY_RUNNING.session, PY_RUNNING.sessionAgentB)).toEqual(b);
  });

  it('then the list queries return them', async () => {
    const gql = createGraphQLClient(env, { caller: { tenant: pyTenant, userId: 'py-user' } });
    const data = dataOf(
      await gql<Record<string, { total: number }>>(
        `{ a: sessionAgentList(sessionUuid: "${PY_RUNNING.session}") { total sessionAgentList { state agentOutput } }
           r: sessionRunList(sessionUuid: "${PY.session}") { total }
           s: sessionList(coordinationUuid: "${PY.coordination}") { total } }`,
      ),
    );
    expect(data.a).toEqual({
      total: 2,
      sessionAgentList: expect.arrayContaining([
        { state: 'completed', agentOutput: 'owls are birds' },
        { state: 'initial', agentOutput: null },
      ]),
    });
    expect(data.r?.total).toBe(1);
    expect(data.s?.total).toBe(2);
  });

  it('then resumeProcedureTaskSession continues the Python session, and executeProcedureTaskSession runs its task', async () => {
    const bed = await createDirectBed({ env });
    // Resume: the agent not yet started runs on its completed predecessor's output; the session completes.
    const report = await bed.hub.resumeProcedureTaskSession(pyTenant, PY_RUNNING.session);
    expect(report).toMatchObject({ status: 'in_progress', dispatched: 1 });
    await drain(bed);
    const session = await env.repos.sessions.get(pyTenant, PY.coordination, PY_RUNNING.session);
    expect(session.status).toBe('completed');
    const b = await env.repos.sessionAgents.get(pyTenant, PY_RUNNING.session, PY_RUNNING.sessionAgentB);
    expect(b.state).toBe('completed');
    expect(b.agent_input).toContain('agent_output(00000000000000000002): owls are birds');
    expect(bed.runtime.stats.calls).toBe(1);
    // Execute: a new session of the Python task under the default policy (the task stores none).
    const started = await bed.hub.executeProcedureTaskSession(pyTenant, {
      coordinationUuid: PY.coordination,
      taskUuid: PY_RUNNING.task,
    });
    await drain(bed);
    const done = await env.repos.sessions.get(pyTenant, PY.coordination, started.session_uuid);
    expect(done.status).toBe('completed');
    expect(done.execution_policy).toMatchObject({ agent_timeout_ms: 120_000, max_retries: 2 });
  });
});

describe('backfill-tenants, interrupted', () => {
  it('resumes from its checkpoint: rows scanned before the interruption are not scanned again', async () => {
    // Prepare
    const fresh = await createTestEnv();
    for (const item of untenantedItems.sessions) {
      await fresh.clients.doc.send(new PutCommand({ TableName: fresh.clients.tables.sessions, Item: item }));
    }
    for (const item of untenantedItems.sessionAgents) {
      await fresh.clients.doc.send(
        new PutCommand({
          TableName: fresh.clients.tables.sessionAgents,
          Item: item as Record<string, unknown>,
        }),
      );
    }
    // Act: the process dies after its first page
    const interrupted = backfillTenants({
      ...fresh.clients,
      pageSize: 1,
      onProgress: () => {
        throw new Error('killed');
      },
    });
    await expect(interrupted).rejects.toThrow('killed');
    const resumed = await backfillTenants({ ...fresh.clients, pageSize: 1 });
    // Assess: one row was done before the kill; the resumed run scans the three after it
    expect(resumed[0]).toMatchObject({ table: 'sessionAgents', scanned: 3, updated: 3, done: true });
    const again = await backfillTenants({ ...fresh.clients, pageSize: 1 });
    expect(again[0]).toMatchObject({ scanned: 4, matched: 0, updated: 0 });
  });
});
