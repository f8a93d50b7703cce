import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO } from '../../src/local/seed.js';
import type { LocalStack } from '../../src/local/stack.js';
import { createConnectionStore } from '../../src/transport/connection-store.js';
import { waitUntil } from '../support/wait.js';
import { rawSocket, startTestStack } from './support.js';

/**
 * What one graphql-ws query costs in DynamoDB requests (issue 16, part 5), counted with SDK
 * middleware on the engine's own client: every request that reaches the local DynamoDB.
 * Only the tables the protocol and the query touch are counted (the local scheduler polls others).
 */
let stack: LocalStack;
let tables: { connections: string; subscriptions: string; coordinations: string };
beforeAll(async () => {
  stack = await startTestStack({}, { seed: true });
  const t = stack.engine.clients.tables;
  tables = { connections: t.connections, subscriptions: t.subscriptions, coordinations: t.coordinations };
});
afterAll(async () => {
  await stack?.close();
});

/**
 * Requests as "Command table", with the connection they are for (connections and subscriptions rows),
 * so a late $disconnect of an earlier test's socket is not counted against this one.
 */
function countByTable(client: DynamoDBClient) {
  const seen: { label: string; connection?: string }[] = [];
  const name = `ws-count-${Math.random()}`;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as {
        TableName?: string;
        Key?: { connection_id?: string };
        Item?: { connection_id?: string };
        ExpressionAttributeValues?: Record<string, unknown>;
      };
      const short = Object.entries(tables).find(([, full]) => full === input.TableName)?.[0];
      const connection =
        input.Key?.connection_id ??
        input.Item?.connection_id ??
        (input.ExpressionAttributeValues?.[':c'] as string);
      if (short) seen.push({ label: `${context.commandName} ${short}`, ...(connection && { connection }) });
      return next(args);
    },
    { step: 'initialize', name },
  );
  return {
    /** What was sent since the last take: for `connection` (and requests of no connection) when given. */
    take: (connection?: string) =>
      seen
        .splice(0)
        .filter((r) => !connection || !r.connection || r.connection === connection)
        .map((r) => r.label)
        .sort(),
    /** The connection id of the first connections Put not yet taken. */
    connectionPut: () => seen.find((r) => r.label === 'PutItemCommand connections')?.connection,
    stop: () => client.middlewareStack.remove(name),
  };
}

const QUERY = `{ coordination(coordinationUuid: "${DEMO.coordinationUuid}") { coordinationName } }`;

async function ackedSocket() {
  const socket = await rawSocket(`${stack.wsUrl}?token=${await stack.token()}`);
  socket.send({ type: 'connection_init' });
  await socket.waitForMessage((m) => m.type === 'connection_ack');
  return socket;
}

describe('DynamoDB requests per graphql-ws query', () => {
  it('a query on an acknowledged connection: the duplicate-id read and the query read, nothing written', async () => {
    const counter = countByTable(stack.engine.clients.dynamo);
    const socket = await ackedSocket();
    const connectionId = counter.connectionPut();
    expect(connectionId).toBeDefined();
    counter.take();
    try {
      for (let i = 0; i < 3; i++) {
        socket.send({ type: 'subscribe', id: `q${i}`, payload: { query: QUERY } });
        await socket.waitForMessage((m) => m.id === `q${i}` && m.type === 'complete');
        expect(counter.take(connectionId)).toEqual([
          'GetItemCommand coordinations',
          'GetItemCommand subscriptions',
        ]);
      }
      const next = socket.messages.find((m) => m.id === 'q2' && m.type === 'next');
      expect(next?.payload).toEqual({ data: { coordination: { coordinationName: 'Product launch' } } });
    } finally {
      counter.stop();
      socket.close();
    }
  });

  it('a whole connection that runs one query: connect, init, query, disconnect in 5 requests (was 7)', async () => {
    const counter = countByTable(stack.engine.clients.dynamo);
    try {
      const socket = await ackedSocket();
      socket.send({ type: 'subscribe', id: 'only', payload: { query: QUERY } });
      await socket.waitForMessage((m) => m.id === 'only' && m.type === 'complete');
      const connectionId = counter.connectionPut();
      expect(connectionId).toBeDefined();
      socket.close();
      const seen: string[] = [];
      await waitUntil(
        () => {
          seen.push(...counter.take(connectionId));
          return seen;
        },
        (s) => s.includes('DeleteItemCommand connections'),
        'the disconnect',
      );
      expect(seen.sort()).toEqual([
        'DeleteItemCommand connections',
        'GetItemCommand coordinations',
        'GetItemCommand subscriptions',
        'PutItemCommand connections',
        'UpdateItemCommand connections',
      ]);
    } finally {
      counter.stop();
    }
  });

  it('another container (no remembered row) reads the connection once, then remembers it', async () => {
    // A store with its own memory, as a second Lambda container has.
    const { doc } = stack.engine.clients;
    const other = createConnectionStore({ doc, tables: stack.engine.clients.tables });
    const counter = countByTable(stack.engine.clients.dynamo);
    try {
      const id = `cold-${Date.now()}`;
      await other.putConnection(id, { endpointId: 'demo', partId: 'local', partitionKey: 'demo#local' }, 'u');
      const fresh = createConnectionStore({ doc, tables: stack.engine.clients.tables });
      expect(await fresh.acknowledge(id)).toMatchObject({ connection_id: id });
      counter.take();
      const third = createConnectionStore({ doc, tables: stack.engine.clients.tables });
      expect((await third.getConnection(id))?.acknowledged_at).toBeDefined();
      expect((await third.getConnection(id))?.user_id).toBe('u');
      expect(counter.take(id)).toEqual(['GetItemCommand connections']);
      // A second init on the acknowledging store: refused without a write succeeding.
      expect(await fresh.acknowledge(id)).toBeUndefined();
      // Removal forgets the row; the row never stored an operation, so removal is one delete.
      counter.take();
      await third.removeConnection(id);
      expect(counter.take(id)).toEqual(['DeleteItemCommand connections']);
      expect(await third.getConnection(id)).toBeUndefined();
    } finally {
      counter.stop();
    }
  });
});
