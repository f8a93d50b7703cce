import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/ids.js';
import type { LocalStack } from '../../src/local/stack.js';
import { tenantOf } from '../../src/tenant.js';
import { rawSocket, request, startTestStack, wsClient } from './support.js';

/**
 * Hostile and malformed client messages, each answered as graphql-transport-ws
 * says: a close code (4400 bad message, 4401 subscribe before ack, 4409
 * duplicate id, 4429 second init; 1009 for a frame over API Gateway's 128 KB)
 * or an `error` / `next`-with-errors result. The server keeps serving and
 * writes nothing.
 */
let stack: LocalStack;
let tokenA: string;
let sessionOfA: string;
let sessionOfB: string;
const tenantA = tenantOf('endpoint-a', 'part-1');
const tenantB = tenantOf('endpoint-b', 'part-1');

beforeAll(async () => {
  stack = await startTestStack();
  tokenA = await stack.token({ endpoint_id: 'endpoint-a', part_id: 'part-1', sub: 'alice' });
  sessionOfA = newId();
  sessionOfB = newId();
  for (const [tenant, session] of [
    [tenantA, sessionOfA],
    [tenantB, sessionOfB],
  ] as const) {
    await stack.engine.repos.sessions.insert(tenant, {
      coordination_uuid: newId(),
      session_uuid: session,
      status: 'in_progress',
      iteration_count: 0,
      subtask_queries: [],
      updated_by: 'test',
    });
  }
});
afterAll(async () => {
  await stack?.close();
});

async function rowCount(table: 'connections' | 'subscriptions' | 'sessions'): Promise<number> {
  const { Items } = await stack.engine.clients.doc.send(
    new ScanCommand({ TableName: stack.engine.clients.tables[table] }),
  );
  return Items?.length ?? 0;
}

async function ackedSocket() {
  const socket = await rawSocket(`${stack.wsUrl}?token=${tokenA}`);
  socket.send({ type: 'connection_init' });
  await socket.waitForMessage((m) => m.type === 'connection_ack');
  return socket;
}

const sessionEvents = (session: string) =>
  `subscription { sessionEvents(sessionUuid: "${session}") { seq type } }`;

type ClosingCase = { name: string; code: number; ack: boolean; frames: (string | object)[] };

function closingCases(): ClosingCase[] {
  const cases: ClosingCase[] = [];
  const notJson = [
    '',
    ' ',
    'hello',
    '{',
    '}',
    '{"type":',
    "{'type':'ping'}",
    'undefined',
    'NaN',
    '{"type":"ping"',
    'ping',
    '<xml/>',
    '\u0000',
    '\\',
    '{"a":1}}',
    '[',
    '"',
    'tru',
    '{type:"ping"}',
    '0x10',
    '1e',
    '--',
    '{"type":"subscribe",}',
    '\uFEFF{}x',
    '#',
    '{{}}',
    '[[',
    'null null',
    '{"id":"1" "type":"x"}',
    '💥',
  ];
  for (const frame of notJson) {
    cases.push({ name: `not JSON ${JSON.stringify(frame)}`, code: 4400, ack: true, frames: [frame] });
  }
  const notMessages = [
    '[]',
    'null',
    '1',
    '"x"',
    'true',
    '{}',
    '{"type":1}',
    '{"type":null}',
    '{"type":[]}',
    '{"type":{}}',
    '[{"type":"ping"}]',
    '{"Type":"ping"}',
    '{"type":true}',
    '{"payload":{}}',
    '{"id":"1"}',
    '{"type":""}',
    '{"type":"ping","payload":"x"}',
    '{"type":"pong","payload":1}',
    '{"type":"connection_init","payload":"x"}',
    '{"type":"complete"}',
  ];
  for (const frame of notMessages) {
    cases.push({ name: `not a message ${frame}`, code: 4400, ack: true, frames: [frame] });
  }
  const unknownTypes = [
    'foo',
    'SUBSCRIBE',
    'Subscribe',
    'start',
    'stop',
    'data',
    'ka',
    'connection_terminate',
    'connection_keep_alive',
    'connection_error',
    'query',
    'mutation',
    'subscription',
    'init',
    'ack',
    ' subscribe',
    'subscribe ',
    'PING',
    'connection_ack',
    'next',
  ];
  for (const type of unknownTypes) {
    const frame = type === 'next' ? { id: '1', type, payload: { data: {} } } : { type };
    cases.push({ name: `unknown or server-only type ${type}`, code: 4400, ack: true, frames: [frame] });
  }
  const badSubscribes: object[] = [
    { type: 'subscribe', payload: { query: '{ ping }' } },
    { type: 'subscribe', id: 1, payload: { query: '{ ping }' } },
    { type: 'subscribe', id: '', payload: { query: '{ ping }' } },
    { type: 'subscribe', id: null, payload: { query: '{ ping }' } },
    { type: 'subscribe', id: {}, payload: { query: '{ ping }' } },
    { type: 'subscribe', id: 'a' },
    { type: 'subscribe', id: 'a', payload: null },
    { type: 'subscribe', id: 'a', payload: 'query { ping }' },
    { type: 'subscribe', id: 'a', payload: {} },
    { type: 'subscribe', id: 'a', payload: { query: 1 } },
    { type: 'subscribe', id: 'a', payload: { query: null } },
    { type: 'subscribe', id: 'a', payload: { query: ['{ ping }'] } },
    { type: 'subscribe', id: 'a', payload: { query: '{ ping }', variables: [] } },
    { type: 'subscribe', id: 'a', payload: { query: '{ ping }', variables: 'x' } },
    { type: 'subscribe', id: 'a', payload: { query: '{ ping }', operationName: 1 } },
    { type: 'subscribe', id: 'a', payload: { query: '{ ping }', extensions: 'x' } },
    { type: 'subscribe', id: 'a', payload: { query: '{ ping }', extensions: [] } },
    { type: 'error', id: 'a', payload: [] },
    { type: 'complete', id: 5 },
    { type: 'complete', id: '' },
  ];
  for (const frame of badSubscribes) {
    cases.push({ name: `malformed ${JSON.stringify(frame)}`, code: 4400, ack: true, frames: [frame] });
  }
  const early = ['{ ping }', '{ __typename }', sessionEvents('1'), 'query Q { ping }', 'mutation { x }'];
  for (let i = 0; i < 15; i++) {
    cases.push({
      name: `subscribe before init #${i}`,
      code: 4401,
      ack: false,
      frames: [{ type: 'subscribe', id: `early-${i}`, payload: { query: early[i % early.length] } }],
    });
  }
  for (let i = 0; i < 10; i++) {
    cases.push({
      name: `second connection_init #${i}`,
      code: 4429,
      ack: true,
      frames: [{ type: 'connection_init', ...(i % 2 === 0 && { payload: { i } }) }],
    });
  }
  return cases;
}

describe('hostile and malformed messages', () => {
  it('closes with the protocol code for each bad frame, one connection per case', async () => {
    const cases = closingCases();
    const outcomes: [string, number][] = [];
    for (let i = 0; i < cases.length; i += 10) {
      const batch = cases.slice(i, i + 10);
      outcomes.push(
        ...(await Promise.all(
          batch.map(async (c) => {
            const socket = c.ack ? await ackedSocket() : await rawSocket(`${stack.wsUrl}?token=${tokenA}`);
            for (const frame of c.frames) socket.send(frame);
            const closed = await socket.waitForClose();
            return [c.name, closed.code] as [string, number];
          }),
        )),
      );
    }
    const wrong = outcomes.filter(([, code], i) => code !== cases[i]?.code);
    expect(wrong).toEqual([]);
    expect(cases.length).toBeGreaterThanOrEqual(115);
    expect(await rowCount('subscriptions')).toBe(0);
  });

  it('closes 4409 on a duplicate operation id, removing the connection and its subscriptions', async () => {
    for (let i = 0; i < 10; i++) {
      const socket = await ackedSocket();
      const id = `dup-${i}`;
      socket.send({ type: 'subscribe', id, payload: { query: sessionEvents(sessionOfA) } });
      // A ping after it: frames are handled in order, so at the pong the subscription is stored.
      socket.send({ type: 'ping' });
      await socket.waitForMessage((m) => m.type === 'pong');
      const query = i % 2 === 0 ? sessionEvents(sessionOfA) : '{ ping }';
      socket.send({ type: 'subscribe', id, payload: { query } });
      expect((await socket.waitForClose()).code).toBe(4409);
    }
    expect(await rowCount('subscriptions')).toBe(0);
  });

  it('closes 1009 on frames over 128 KB, as API Gateway does', async () => {
    for (let i = 0; i < 5; i++) {
      const socket = await ackedSocket();
      const big = `{ ping ${'#'.repeat(140_000 + i)}\n }`;
      socket.send({ type: 'subscribe', id: 'big', payload: { query: big } });
      expect((await socket.waitForClose()).code).toBe(1009);
    }
  });

  it("answers invalid GraphQL with `error` and other tenants' sessions with NOT_FOUND, on one live connection", async () => {
    const socket = await ackedSocket();
    const syntax = [
      '{',
      '}',
      '{ ping',
      'query {',
      'quer { ping }',
      '{ ping } }',
      'subscription',
      '{ ping(: 1) }',
      '{ "ping" }',
      'query ($x) { ping }',
      '{ ...on }',
      'fragment on Query { ping }',
      '{ ping @ }',
      '{ ping(a: ) }',
      'mutation',
      '{ ping { } }',
      '{ ping(x: "unterminated) }',
      '{ ping } query',
      '# only a comment',
      '{ 1ping }',
      ':',
      'query Q($v: ) { ping }',
      '{ ping(a: [1, ) }',
      '{ ping(a: {b: }) }',
      '{ ping @include(if: ) }',
      '{ ...F } fragment F',
      '{ a: : ping }',
      '{ ping(a: $) }',
      'query Q($) { ping }',
      '{ ping(a: "\\u") }',
    ];
    const invalid = [
      '{ nope }',
      '{ ping { x } }',
      '{ ping(arg: 1) }',
      'mutation { nope }',
      'type Query { x: Int }',
      'schema { query: Query }',
      'subscription { nope }',
      'subscription { sessionEvents { seq } }',
      'subscription { sessionEvents(sessionUuid: "x") }',
      'subscription { sessionEvents(sessionUuid: "x") { nope } }',
      'subscription { sessionEvents(sessionUuid: 1) { seq } }',
      'subscription { sessionEvents(sessionUuid: "x", after: "a") { seq } }',
      '{ __schema { nope } }',
      '{ ...F }',
      '{ ...F } fragment F on Nope { x }',
      'query A { ping } query A { ping }',
      '{ ping @nope }',
      'query ($x: Nope) { ping }',
      'query ($x: Int) { ping(y: $x) }',
      'subscription S { a: sessionEvents(sessionUuid: "x") { seq } b: sessionEvents(sessionUuid: "y") { seq } }',
      `{ ${Array.from({ length: 40 }, (_, i) => `a${i}: ping`).join(' ')} }`,
      '{ __schema { types { fields { type { ofType { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } }',
      `{ ${'ping '.repeat(6000)} }`,
      `{ ${'a: ping '.repeat(3000)} }`,
      '{ __type(name: 1) { name } }',
      'subscription { ping }',
      '{ sessionEvents { seq } }',
      'fragment F on Query { ping } { ...F ...G }',
      '{ ping(if: true) }',
      'query ($v: String!) { __typename }',
    ];
    let n = 0;
    const errorCodes: string[] = [];
    for (const query of [...syntax, ...invalid]) {
      const id = `bad-${n++}`;
      socket.send({ type: 'subscribe', id, payload: { query } });
      const reply = await socket.waitForMessage((m) => m.id === id);
      expect([query, reply.type]).toEqual([query, 'error']);
      const errors = reply.payload as { message: string; extensions?: { code?: string } }[];
      expect(errors.length).toBeGreaterThan(0);
      errorCodes.push(errors[0]?.extensions?.code ?? 'none');
    }
    const allowed = ['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT'];
    expect(errorCodes.filter((code) => !allowed.includes(code))).toEqual([]);

    const withVariables = 'subscription ($s: String!) { sessionEvents(sessionUuid: $s) { seq } }';
    const foreign = [
      { query: sessionEvents(sessionOfB) },
      { query: sessionEvents(newId()) },
      { query: withVariables, variables: { s: sessionOfB } },
      {
        query: 'subscription ($s: String!) { sessionEvents(sessionUuid: $s, after: 0) { seq data } }',
        variables: { s: sessionOfB },
      },
      { query: withVariables, variables: {} },
      { query: withVariables, variables: { s: 5 } },
      {
        query: 'subscription ($a: Int) { sessionEvents(sessionUuid: "x", after: $a) { seq } }',
        variables: { a: 'z' },
      },
      { query: `subscription { sessionEvents(sessionUuid: "${sessionOfA}", after: -1) { seq } }` },
      { query: `subscription { sessionEvents(sessionUuid: "${sessionOfB}", after: 3) { type } }` },
      { query: `subscription { sessionEvents(sessionUuid: "../${sessionOfB}") { type } }` },
    ];
    for (const payload of foreign) {
      const id = `foreign-${n++}`;
      socket.send({ type: 'subscribe', id, payload });
      const reply = await socket.waitForMessage((m) => m.id === id && m.type === 'next');
      const result = reply.payload as { data: unknown; errors: { extensions: { code: string } }[] };
      expect(result.data ?? null).toBeNull();
      expect(['NOT_FOUND', 'BAD_USER_INPUT']).toContain(result.errors[0]?.extensions.code);
      await socket.waitForMessage((m) => m.id === id && m.type === 'complete');
    }
    expect(n).toBeGreaterThanOrEqual(70);
    expect(socket.closed()).toBeUndefined();
    expect(await rowCount('subscriptions')).toBe(0);
    expect(await rowCount('sessions')).toBe(2);

    // Still serving, on this connection and on a new one.
    socket.send({ type: 'subscribe', id: 'ok', payload: { query: '{ ping }' } });
    const ok = await socket.waitForMessage((m) => m.id === 'ok' && m.type === 'next');
    expect((ok.payload as { data: { ping: string } }).data.ping).toMatch(/^pong/);
    const client = wsClient(stack, tokenA);
    expect((await request<{ ping: string }>(client, '{ ping }')).data?.ping).toMatch(/^pong/);
    await client.dispose();
    socket.close();
  });

  it('answers ping with pong (echoing the payload) and ignores pong', async () => {
    const socket = await ackedSocket();
    socket.send({ type: 'pong' });
    socket.send({ type: 'ping', payload: { at: 1 } });
    const pong = await socket.waitForMessage((m) => m.type === 'pong');
    expect(pong.payload).toEqual({ at: 1 });
    socket.close();
  });
});
