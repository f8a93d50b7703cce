import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../src/audit/trail.js';
import { newId } from '../../src/ids.js';
import { DEMO_TENANT, type LocalStack } from '../../src/local/stack.js';
import { sqsEventOf } from '../procedure/support.js';
import { waitUntil } from '../support/wait.js';
import { startTestStack } from '../transport/support.js';

const OTHER = { endpoint_id: 'other', part_id: 'tenant' };

// biome-ignore lint/suspicious/noExplicitAny: GraphQL responses, read by path in assertions
type Data = Record<string, any>;
interface Result {
  data?: Data | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

describe('audit trail: one record per API write, redacted, idempotent, tenant-scoped', () => {
  let stack: LocalStack;
  let token: string;
  let otherToken: string;
  let agentUuid: string;
  let approvalAgentUuid: string;

  async function gql(
    query: string,
    variables: Record<string, unknown> = {},
    headers: Record<string, string> = {},
    as = token,
  ) {
    const response = await fetch(stack.httpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${as}`, ...headers },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as Result;
  }
  async function ok(
    query: string,
    variables: Record<string, unknown> = {},
    headers: Record<string, string> = {},
  ) {
    const result = await gql(query, variables, headers);
    if (result.errors) throw new Error(JSON.stringify(result.errors));
    return result.data as Data;
  }
  /** Every stored record (read from the table itself, not through the API). */
  async function stored(): Promise<AuditRecord[]> {
    const page = await stack.engine.clients.doc.send(
      new ScanCommand({ TableName: stack.engine.clients.tables.auditLog, ConsistentRead: true }),
    );
    return (page.Items ?? []) as AuditRecord[];
  }
  const of = (records: AuditRecord[], entityUuid: string) =>
    records.filter((r) => r.entity_uuid === entityUuid);

  beforeAll(async () => {
    stack = await startTestStack({ ACE_AUDIT_REDACT_FIELDS: 'coordinationDescription' });
    token = await stack.token({ ...DEMO_TENANT, sub: 'alice', roles: ['admin'] });
    otherToken = await stack.token({ ...OTHER, sub: 'mallory', roles: ['admin'] });
    agentUuid = newId();
    approvalAgentUuid = newId();
  }, 60_000);
  afterAll(async () => {
    await stack?.close();
  });

  async function coordination(name = 'Desk') {
    const d = await ok(
      `mutation ($a: JSON) { insertUpdateCoordination(coordinationName: "${name}", coordinationDescription: "first", agents: $a, updatedBy: "alice") { coordination { coordinationUuid } } }`,
      {
        a: [
          {
            agentUuid,
            agentName: 'Writer',
            agentType: 'task',
            runtime: 'scripted',
            script: { answer: 'ok {input}' },
          },
          {
            agentUuid: approvalAgentUuid,
            agentName: 'Clock',
            agentType: 'task',
            runtime: 'scripted',
            tools: [{ type: 'builtin', name: 'current_time', needsApproval: true }],
            script: {
              toolCalls: [{ name: 'current_time', arguments: {} }],
              answer: 'at {tool:current_time}',
            },
          },
        ],
      },
    );
    return d.insertUpdateCoordination.coordination.coordinationUuid as string;
  }
  async function task(c: string, userInTheLoop = false) {
    const d = await ok(
      `mutation ($c: String!, $aa: JSON, $sq: JSON) { insertUpdateTask(coordinationUuid: $c, taskName: "T", agentActions: $aa, subtaskQueries: $sq, updatedBy: "alice") { task { taskUuid } } }`,
      {
        c,
        aa: { [agentUuid]: { predecessors: [], primaryPath: true, userInTheLoop: userInTheLoop || null } },
        sq: [{ agentUuid, subtaskQuery: 'write' }],
      },
    );
    return d.insertUpdateTask.task.taskUuid as string;
  }

  it('insert, update and delete each leave exactly one record; the update carries the field-level diff', async () => {
    const c = await coordination();
    await ok(
      `mutation ($c: String!) { insertUpdateCoordination(coordinationUuid: $c, coordinationName: "Help desk", coordinationDescription: "second", updatedBy: "alice") { coordination { coordinationName } } }`,
      { c },
    );
    await ok('mutation ($c: String!) { deleteCoordination(coordinationUuid: $c) { ok } }', { c });

    const records = of(await stored(), c);
    expect(records.map((r) => r.action).sort()).toEqual(['delete', 'insert', 'update']);
    const update = records.find((r) => r.action === 'update')!;
    expect(update).toMatchObject({
      user_id: 'alice',
      roles: ['admin'],
      operation: 'insertUpdateCoordination',
      entity_type: 'coordination',
      entity_key: { coordination_uuid: c },
      transport: 'http',
    });
    // Assess: the changed fields only, the configured one redacted on both sides.
    expect(update.changes).toEqual([
      { field: 'coordination_description', old: '[REDACTED]', new: '[REDACTED]' },
      { field: 'coordination_name', old: 'Desk', new: 'Help desk' },
    ]);
    const insert = records.find((r) => r.action === 'insert')!;
    expect(insert.changes.find((ch) => ch.field === 'coordination_name')).toEqual({
      field: 'coordination_name',
      old: null,
      new: 'Desk',
    });
    expect(records.find((r) => r.action === 'delete')!.changes.map((ch) => ch.new)).toSatisfy(
      (values: unknown[]) => values.every((v) => v === null),
    );
  });

  it('secrets inside a value are redacted by name whatever the operator configured', async () => {
    const d = await ok(
      `mutation ($a: JSON) { insertUpdateCoordination(coordinationName: "Keys", agents: $a, updatedBy: "alice") { coordination { coordinationUuid } } }`,
      {
        a: [
          {
            agentUuid: newId(),
            agentName: 'A',
            agentType: 'task',
            runtime: 'scripted',
            headers: { authorization: 'Bearer s3cr3t' },
            apiKey: 'sk-123',
          },
        ],
      },
    );
    const [record] = of(await stored(), d.insertUpdateCoordination.coordination.coordinationUuid);
    const agents = record!.changes.find((ch) => ch.field === 'agents')!.new as Record<string, unknown>[];
    expect(agents[0]).toMatchObject({ api_key: '[REDACTED]', headers: { authorization: '[REDACTED]' } });
    expect(JSON.stringify(record)).not.toContain('s3cr3t');
    expect(JSON.stringify(record)).not.toContain('sk-123');
  });

  it('execute, answer, ask and decide each leave exactly one record', async () => {
    const c = await coordination('Flow');
    const t = await task(c, true);
    const executed = await ok(
      'mutation ($c: String!, $t: String!) { executeProcedureTaskSession(coordinationUuid: $c, taskUuid: $t) { procedureTaskSession { sessionUuid } } }',
      { c, t },
    );
    const s = executed.executeProcedureTaskSession.procedureTaskSession.sessionUuid as string;
    const waiting = await waitUntil(
      () =>
        ok(
          'query ($s: String!) { sessionAgentList(sessionUuid: $s) { sessionAgentList { sessionAgentUuid state } } }',
          { s },
        ),
      (d) => d.sessionAgentList.sessionAgentList[0]?.state === 'wait_for_user_input',
      'waiting for input',
    );
    const a = waiting.sessionAgentList.sessionAgentList[0].sessionAgentUuid as string;
    await ok(
      'mutation ($s: String!, $a: String!) { executeForUserInput(sessionUuid: $s, sessionAgentUuid: $a, userInput: "blue") { ok } }',
      { s, a },
    );
    const asked = await ok(
      'query ($c: String!, $a: String!) { askOperationHub(coordinationUuid: $c, agentUuid: $a, userQuery: "time?") { sessionUuid runUuid status } }',
      { c, a: approvalAgentUuid },
    );
    const { sessionUuid: askSession, runUuid } = asked.askOperationHub;
    await ok(
      'mutation ($s: String!, $r: String!) { decideToolCalls(sessionUuid: $s, runUuid: $r, decisions: [{callId: "call_1", approve: false, reason: "no"}]) { ok } }',
      { s: askSession, r: runUuid },
    );

    const records = await stored();
    const execute = of(records, s).filter((r) => r.action === 'execute');
    expect(execute).toHaveLength(1);
    expect(execute[0]!.changes.find((ch) => ch.field === 'task_uuid')).toEqual({
      field: 'task_uuid',
      old: null,
      new: t,
    });
    const answer = of(records, a);
    expect(answer.map((r) => r.action)).toEqual(['answer']);
    expect(answer[0]!.changes.find((ch) => ch.field === 'user_input')).toEqual({
      field: 'user_input',
      old: null,
      new: 'blue',
    });
    expect(answer[0]!.changes.find((ch) => ch.field === 'state')).toMatchObject({
      old: 'wait_for_user_input',
    });
    const runRecords = of(records, runUuid);
    expect(runRecords.map((r) => r.action).sort()).toEqual(['ask', 'decide']);
    expect(runRecords.find((r) => r.action === 'decide')!.details).toEqual({
      run_uuid: runUuid,
      decisions: [{ call_id: 'call_1', approve: false, edited: false, reason: 'no' }],
    });
  });

  it('a retried request, a repeated idempotency key and duplicate queue deliveries leave one record each', async () => {
    const c = await coordination('Retry');
    const t = await task(c);
    // Prepare + Act 1: the same update sent twice with one Idempotency-Key.
    const update = `mutation ($c: String!) { insertUpdateCoordination(coordinationUuid: $c, coordinationName: "Retried", updatedBy: "alice") { coordination { coordinationName } } }`;
    await ok(update, { c }, { 'idempotency-key': 'retry-1' });
    await ok(update, { c }, { 'idempotency-key': 'retry-1' });
    // Act 2: executeProcedureTaskSession twice with one idempotencyKey, concurrently.
    const execute =
      'mutation ($c: String!, $t: String!, $k: String) { executeProcedureTaskSession(coordinationUuid: $c, taskUuid: $t, idempotencyKey: $k) { procedureTaskSession { sessionUuid } } }';
    const [first, second] = await Promise.all([
      ok(execute, { c, t, k: 'once' }),
      ok(execute, { c, t, k: 'once' }),
    ]);
    const s = first.executeProcedureTaskSession.procedureTaskSession.sessionUuid;
    expect(second.executeProcedureTaskSession.procedureTaskSession.sessionUuid).toBe(s);
    // Act 3: one execute_task message delivered three times, concurrently, in two batches.
    const message = {
      type: 'execute_task',
      v: 1,
      ...DEMO_TENANT,
      coordination_uuid: c,
      task_uuid: t,
      idempotency_key: 'queued-1',
      user_id: 'svc',
      roles: ['operator'],
    };
    const responses = await Promise.all([
      stack.engine.handleQueueEvent(sqsEventOf([message, message])),
      stack.engine.handleQueueEvent(sqsEventOf([message])),
    ]);
    expect(responses.flatMap((r) => (r as { batchItemFailures: unknown[] }).batchItemFailures)).toEqual([]);

    const records = await stored();
    expect(of(records, c).filter((r) => r.action === 'update')).toHaveLength(1);
    expect(of(records, s).filter((r) => r.action === 'execute')).toHaveLength(1);
    const queued = records.filter(
      (r) => r.operation === 'execute_task' && r.entity_key.coordination_uuid === c,
    );
    expect(queued).toHaveLength(1);
    expect(queued[0]).toMatchObject({ user_id: 'svc', roles: ['operator'], transport: 'sqs' });
    const sessions = await ok(
      'query ($c: String!) { sessionList(coordinationUuid: $c) { sessionList { sessionUuid } } }',
      { c },
    );
    expect(sessions.sessionList.sessionList).toHaveLength(2); // one per idempotency key
  });

  it('an execute_task message whose principal lacks session:execute fails that record alone: no session, no record', async () => {
    const c = await coordination('Queue');
    const t = await task(c);
    const before = new Set((await stored()).map((r) => r.audit_id));
    const message = (key: string, roles: string[]) => ({
      type: 'execute_task',
      v: 1,
      ...DEMO_TENANT,
      coordination_uuid: c,
      task_uuid: t,
      idempotency_key: key,
      user_id: 'svc',
      roles,
    });
    const event = sqsEventOf([message('denied-1', ['viewer']), message('allowed-1', ['operator'])]);
    const response = (await stack.engine.handleQueueEvent(event)) as {
      batchItemFailures: { itemIdentifier: string }[];
    };
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: event.Records[0]!.messageId }]);
    const sessions = await ok(
      'query ($c: String!) { sessionList(coordinationUuid: $c) { sessionList { sessionUuid } } }',
      { c },
    );
    expect(sessions.sessionList.sessionList).toHaveLength(1);
    const added = (await stored()).filter((r) => !before.has(r.audit_id));
    expect(added.map((r) => r.request_id)).toEqual(['sqs:allowed-1']);
  });

  it('a failed write records nothing', async () => {
    const c = await coordination('Busy');
    await task(c);
    const before = (await stored()).length;
    const missing = await gql(
      'mutation ($c: String!) { insertUpdateCoordination(coordinationUuid: $c, coordinationName: "x", updatedBy: "alice") { coordination { coordinationName } } }',
      { c: newId() },
    );
    const conflict = await gql('mutation ($c: String!) { deleteCoordination(coordinationUuid: $c) { ok } }', {
      c,
    });
    expect(missing.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(conflict.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect((await stored()).length).toBe(before);
  });

  it('auditLog pages an entity, a user and a time window, and never another tenant', async () => {
    const c = await coordination('Paged');
    for (const name of ['one', 'two', 'three'])
      await ok(
        `mutation ($c: String!) { insertUpdateCoordination(coordinationUuid: $c, coordinationName: "${name}", updatedBy: "alice") { coordination { coordinationUuid } } }`,
        { c },
      );
    const query = `query ($t: String, $u: String, $e: String, $from: DateTime, $to: DateTime, $n: String) {
      auditLog(entityType: $t, entityUuid: $u, userId: $e, from: $from, to: $to, limit: 2, nextToken: $n) {
        auditLogList { action entityUuid userId at changes { field new } } nextToken
      }
    }`;
    const page1 = await ok(query, { t: 'coordination', u: c });
    expect(
      page1.auditLog.auditLogList.map(
        (r: { changes: { field: string; new: unknown }[] }) =>
          r.changes.find((ch) => ch.field === 'coordination_name')?.new,
      ),
    ).toEqual(['three', 'two']);
    const page2 = await ok(query, { t: 'coordination', u: c, n: page1.auditLog.nextToken });
    expect(page2.auditLog.auditLogList.map((r: { action: string }) => r.action)).toEqual([
      'update',
      'insert',
    ]);
    expect(page2.auditLog.nextToken).toBeNull();
    const window = await ok(query, {
      e: 'alice',
      from: page2.auditLog.auditLogList[0].at,
      to: page1.auditLog.auditLogList[0].at,
    });
    expect(window.auditLog.auditLogList.every((r: { userId: string }) => r.userId === 'alice')).toBe(true);

    // Another tenant: its own (empty) log, the entity filter finds nothing, the token is refused.
    const other = await gql(query, { t: 'coordination', u: c }, {}, otherToken);
    expect(other.data?.auditLog.auditLogList).toEqual([]);
    const all = await gql(query, {}, {}, otherToken);
    expect(all.data?.auditLog.auditLogList).toEqual([]);
    const stolen = await gql(query, { t: 'coordination', u: c, n: page1.auditLog.nextToken }, {}, otherToken);
    expect(stolen.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
