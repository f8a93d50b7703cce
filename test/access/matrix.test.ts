import { createHash } from 'node:crypto';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT_FIELD_PERMISSIONS } from '../../src/access/permissions.js';
import { rootFieldsOfSchema } from '../../src/access/schema-guard.js';
import { AUDITED_OPERATIONS } from '../../src/audit/operations.js';
import { getSchema } from '../../src/graphql/schema/index.js';
import { DEMO_TENANT, type LocalStack } from '../../src/local/stack.js';
import { tenantOf } from '../../src/tenant.js';
import { waitUntil } from '../support/wait.js';
import { request, startTestStack, wsClient } from '../transport/support.js';
import { CASES, freshRows, type OperationCase, ROLES, type Role, roleAllows } from './cases.js';
import { type AdminData, createFixtures, type Fixtures } from './fixtures.js';

const tenant = tenantOf(DEMO_TENANT.endpoint_id, DEMO_TENANT.part_id);

interface Outcome {
  readonly errors?: readonly { message: string; extensions?: Record<string, unknown> }[];
  /** The field's value (last event of a subscription); undefined when absent. */
  readonly value: unknown;
  readonly events: number;
}

describe('every root field has a declared permission and a matrix case', () => {
  it('the schema, the permission table and the cases name the same fields', () => {
    const fields = [...new Set(rootFieldsOfSchema(getSchema()).map((f) => f.name))].sort();
    expect(fields.filter((f) => !ROOT_FIELD_PERMISSIONS[f])).toEqual([]);
    expect(Object.keys(ROOT_FIELD_PERMISSIONS).filter((f) => !fields.includes(f))).toEqual([]);
    expect(fields.filter((f) => !CASES.some((c) => c.field === f))).toEqual([]);
    // Every write is audited: each Mutation field declares what it writes.
    const mutations = Object.keys(getSchema().getMutationType()?.getFields() ?? {});
    expect(mutations.filter((f) => !AUDITED_OPERATIONS[f])).toEqual([]);
  });
});

describe('access matrix: every operation x every built-in role, over HTTP and graphql-ws', () => {
  let stack: LocalStack;
  let f: Fixtures;
  const tokens = new Map<Role, string>();
  const clients = new Map<Role, Client>();
  let adminToken: string;

  async function http(token: string, c: OperationCase, variables: Record<string, unknown>): Promise<Outcome> {
    const response = await fetch(stack.httpUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${token}`,
        accept: c.subscription ? 'text/event-stream' : 'application/json',
      },
      body: JSON.stringify({ query: c.query, variables }),
    });
    const text = await response.text();
    const results = c.subscription
      ? text
          .split('\n')
          .filter((line) => line.startsWith('data: ') && line.length > 'data: '.length)
          .map((line) => JSON.parse(line.slice('data: '.length)))
      : [JSON.parse(text)];
    return outcome(c, results);
  }

  function ws(client: Client, c: OperationCase, variables: Record<string, unknown>): Promise<Outcome> {
    if (!c.subscription) return request(client, c.query, variables).then((r) => outcome(c, [r]));
    return new Promise((resolve, reject) => {
      const results: unknown[] = [];
      client.subscribe(
        { query: c.query, variables },
        { next: (v) => results.push(v), error: reject, complete: () => resolve(outcome(c, results)) },
      );
    });
  }

  function outcome(c: OperationCase, results: unknown[]): Outcome {
    const typed = results as { data?: Record<string, unknown> | null; errors?: Outcome['errors'] }[];
    const errors = typed.flatMap((r) => r.errors ?? []);
    return {
      ...(errors.length && { errors }),
      value: typed.at(-1)?.data?.[c.field],
      events: typed.length,
    };
  }

  async function admin(query: string, variables?: Record<string, unknown>) {
    const raw = (await (
      await fetch(stack.httpUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
        body: JSON.stringify({ query, variables }),
      })
    ).json()) as { data?: AdminData; errors?: unknown };
    if (raw.errors) throw new Error(`fixture call failed: ${JSON.stringify(raw.errors)}`);
    return raw.data ?? {};
  }

  /** Every item of every table, hashed per table: equal before and after means nothing was written. */
  async function tablesDigest(): Promise<Record<string, string>> {
    const digest: Record<string, string> = {};
    for (const [key, name] of Object.entries(stack.engine.clients.tables).sort()) {
      const hash = createHash('sha256');
      const items: string[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const page = await stack.engine.clients.doc.send(
          new ScanCommand({ TableName: name, ExclusiveStartKey: start, ConsistentRead: true }),
        );
        for (const item of page.Items ?? []) items.push(JSON.stringify(item, Object.keys(item).sort()));
        start = page.LastEvaluatedKey;
      } while (start);
      digest[key] = hash.update(items.sort().join('\n')).digest('hex');
    }
    return digest;
  }

  async function waitForInput() {
    const session = await stack.engine.procedure.executeProcedureTaskSession(tenant, {
      coordinationUuid: f.coordinationUuid,
      taskUuid: f.askTaskUuid,
    });
    const list = await waitUntil(
      () =>
        admin(
          'query ($s: String!) { sessionAgentList(sessionUuid: $s) { sessionAgentList { sessionAgentUuid state } } }',
          { s: session.session_uuid },
        ),
      (d) => d.sessionAgentList.sessionAgentList[0]?.state === 'wait_for_user_input',
      'agent waits for user input',
    );
    return {
      sessionUuid: session.session_uuid,
      sessionAgentUuid: list.sessionAgentList.sessionAgentList[0].sessionAgentUuid as string,
    };
  }

  beforeAll(async () => {
    stack = await startTestStack({ ACE_DEFAULT_ROLES: 'viewer' });
    adminToken = await stack.token({ ...DEMO_TENANT, sub: 'fixture-admin', roles: ['admin'] });
    for (const role of ROLES) {
      const token = await stack.token({ ...DEMO_TENANT, sub: `user-${role}`, roles: [role] });
      tokens.set(role, token);
      // Kept open: a lazy client would reconnect per call and write its connection row each time.
      const client = wsClient(stack, token, { lazy: false });
      clients.set(role, client);
      await request(client, '{ ping }'); // connected and acknowledged before any table is compared
    }
    f = await createFixtures(stack, tenant, admin);
  }, 120_000);
  afterAll(async () => {
    for (const client of clients.values()) await client.dispose();
    await stack?.close();
  });

  const transports = ['http', 'ws'] as const;
  const call = (
    transport: (typeof transports)[number],
    role: Role,
    c: OperationCase,
    v: Record<string, unknown>,
  ) => (transport === 'http' ? http(tokens.get(role)!, c, v) : ws(clients.get(role)!, c, v));
  const label = (c: OperationCase) => `${c.subscription ? 'subscription ' : ''}${c.field}`;

  it('denied: FORBIDDEN naming the permission, and every table unchanged', async () => {
    // Prepare: every row the denied calls name exists; nothing runs in the background.
    const baseline = await tablesDigest();
    let denied = 0;
    for (const transport of transports) {
      for (const role of ROLES) {
        for (const c of CASES.filter((c) => !roleAllows(role, c.minimum))) {
          const variables = await c.variables(f, deniedFresh);
          const result = await call(transport, role, c, variables);
          const where = `${transport} ${role} ${label(c)}`;
          expect(
            result.errors?.map((e) => e.extensions?.code),
            where,
          ).toEqual(['FORBIDDEN']);
          expect(result.errors?.[0]?.message, where).toContain(ROOT_FIELD_PERMISSIONS[c.field]);
          expect(await tablesDigest(), `${where} wrote nothing`).toEqual(baseline);
          denied++;
        }
      }
    }
    expect(denied).toBe(
      2 * CASES.reduce((n, c) => n + ROLES.filter((r) => !roleAllows(r, c.minimum)).length, 0),
    );
    expect(denied).toBeGreaterThan(60);
  }, 300_000);

  it('allowed: every call succeeds', async () => {
    const fresh = freshRows(f, admin, waitForInput);
    let allowed = 0;
    for (const transport of transports) {
      for (const role of ROLES) {
        for (const c of CASES.filter((c) => roleAllows(role, c.minimum))) {
          const variables = await c.variables(f, fresh);
          const result = await call(transport, role, c, variables);
          const where = `${transport} ${role} ${label(c)}`;
          expect(result.errors, where).toBeUndefined();
          expect(result.value, where).toBeTruthy();
          if (c.subscription) expect(result.events, where).toBeGreaterThan(1);
          allowed++;
        }
      }
    }
    expect(allowed).toBe(
      2 * CASES.reduce((n, c) => n + ROLES.filter((r) => roleAllows(r, c.minimum)).length, 0),
    );
  }, 300_000);

  /** Denied calls name existing rows but must never need fresh ones: the check comes first. */
  const deniedFresh = new Proxy({} as ReturnType<typeof freshRows>, {
    get: (_t, name) => async () => {
      const row = `denied-${String(name)}`;
      return String(name).startsWith('waiting') || String(name) === 'escalated'
        ? { sessionUuid: row, sessionAgentUuid: row, runUuid: row, modificationUuid: row }
        : row;
    },
  });
});
