import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventLog, type EventLog, type NewSessionEvent } from '../../src/events/event-log.js';
import { newId } from '../../src/ids.js';
import type { LocalStack } from '../../src/local/stack.js';
import { type Tenant, tenantOf } from '../../src/tenant.js';
import { sessionTopic } from '../../src/transport/connection-store.js';
import { createChunkJoiner } from '../../src/transport/fit-message.js';
import { startTestStack, wsClient } from './support.js';

/**
 * sessionEvents over the WebSocket: replay after a cursor, then live events
 * pushed by the EventPublisher fan-out, in order, exactly once, per tenant.
 */
let stack: LocalStack;
let log: EventLog;
const tenantA = tenantOf('endpoint-a', 'part-1');
const tenantB = tenantOf('endpoint-b', 'part-1');
let tokenA: string;
let tokenB: string;

beforeAll(async () => {
  stack = await startTestStack();
  log = createEventLog({ ...stack.engine.clients, publisher: stack.engine.publisher });
  tokenA = await stack.token({ endpoint_id: tenantA.endpointId, part_id: tenantA.partId, sub: 'alice' });
  tokenB = await stack.token({ endpoint_id: tenantB.endpointId, part_id: tenantB.partId, sub: 'bob' });
});
afterAll(async () => {
  await stack?.close();
});

async function newSession(tenant: Tenant): Promise<string> {
  const sessionUuid = newId();
  await stack.engine.repos.sessions.insert(tenant, {
    coordination_uuid: newId(),
    session_uuid: sessionUuid,
    status: 'in_progress',
    iteration_count: 0,
    subtask_queries: [],
    updated_by: 'test',
  });
  return sessionUuid;
}

interface Received {
  seqs: number[];
  events: { seq: number; type: string; data: Record<string, unknown> }[];
  errors: unknown[];
  completed: boolean;
  extensions: unknown[];
}

const SUBSCRIPTION = `subscription ($s: String!, $after: Int) {
  sessionEvents(sessionUuid: $s, after: $after) { sessionUuid seq type data createdAt }
}`;

function follow(client: Client, sessionUuid: string, after?: number) {
  const received: Received = { seqs: [], events: [], errors: [], completed: false, extensions: [] };
  const join = createChunkJoiner();
  const done = new Promise<void>((resolve) => {
    const dispose = client.subscribe<{ sessionEvents: Received['events'][number] }>(
      { query: SUBSCRIPTION, variables: { s: sessionUuid, ...(after !== undefined && { after }) } },
      {
        next: (part) => {
          const result = join(part as Record<string, unknown>) as typeof part | undefined;
          if (!result) return; // a chunk of a result over 128 KB: the rest follows
          if (result.errors) received.errors.push(...result.errors);
          if (result.extensions) received.extensions.push(result.extensions);
          const event = result.data?.sessionEvents;
          if (event) {
            received.seqs.push(event.seq);
            received.events.push(event);
          }
        },
        error: (error) => {
          received.errors.push(error);
          resolve();
        },
        complete: () => {
          received.completed = true;
          resolve();
        },
      },
    );
    void dispose;
  });
  return { received, done };
}

async function waitFor(check: () => boolean, what: string) {
  const deadline = Date.now() + 15_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The log stores any shape; these tests use small ones that no writer of the engine builds. */
const raw = (type: string, data: Record<string, unknown>) => ({ type, data }) as unknown as NewSessionEvent;
const step = (i: number) => raw('agent_state', { agent: `a${i}`, state: 'completed' });
const completed = raw('session_status', { status: 'completed' });
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('sessionEvents subscription', () => {
  it('replays the log after the cursor, then streams live events in order, then completes', async () => {
    const session = await newSession(tenantA);
    await log.append(tenantA, session, [step(1), step(2), step(3)]);
    const client = wsClient(stack, tokenA);
    const { received, done } = follow(client, session, 0);
    await waitFor(() => received.seqs.length === 3, 'replay');
    for (const i of [4, 5, 6]) await log.append(tenantA, session, [step(i)]);
    await log.append(tenantA, session, [step(7), step(8), completed]);
    await done;
    expect(received.errors).toEqual([]);
    expect(received.seqs).toEqual(range(1, 9));
    expect(received.completed).toBe(true);
    expect(received.events[3]).toMatchObject({
      type: 'agent_state',
      data: { agent: 'a4', state: 'completed' },
    });
    expect(await subscriptionRows()).toBe(0);
    await client.dispose();
  });

  it('resumes from the cursor after a disconnect with no gap and no duplicate', async () => {
    const session = await newSession(tenantA);
    const first = wsClient(stack, tokenA);
    const one = follow(first, session);
    await log.append(tenantA, session, [step(1), step(2)]);
    await log.append(tenantA, session, [step(3)]);
    await waitFor(() => one.received.seqs.length === 3, 'first three');
    await first.dispose();
    // Written while nobody listens.
    await log.append(tenantA, session, [step(4), step(5)]);
    const cursor = one.received.seqs.at(-1)!;
    const second = wsClient(stack, tokenA);
    const two = follow(second, session, cursor);
    await log.append(tenantA, session, [step(6)]);
    await log.append(tenantA, session, [step(7), completed]);
    await two.done;
    expect([...one.received.seqs, ...two.received.seqs]).toEqual(range(1, 8));
    await second.dispose();
  });

  it('delivers concurrent appends to several subscribers exactly once each, in order', async () => {
    const session = await newSession(tenantA);
    const clients = [wsClient(stack, tokenA), wsClient(stack, tokenA), wsClient(stack, tokenA)];
    const followers = clients.map((c, i) => follow(c, session, i === 2 ? 0 : undefined));
    await log.append(tenantA, session, [step(0)]);
    await Promise.all(followers.map((f) => waitFor(() => f.received.seqs.length === 1, 'first event')));
    await Promise.all(
      range(1, 5).map(async (writer) => {
        for (let i = 0; i < 8; i++) await log.append(tenantA, session, [step(writer * 100 + i)]);
      }),
    );
    await log.append(tenantA, session, [completed]);
    await Promise.all(followers.map((f) => f.done));
    for (const f of followers) {
      expect(f.received.errors).toEqual([]);
      expect(f.received.seqs).toEqual(range(1, 42));
    }
    await Promise.all(clients.map((c) => c.dispose()));
  });

  it("never shows a tenant another tenant's events", async () => {
    const sessionA = await newSession(tenantA);
    const sessionB = await newSession(tenantB);
    const clientB = wsClient(stack, tokenB);
    const own = follow(clientB, sessionB);
    const foreign = follow(clientB, sessionA);
    await foreign.done;
    expect(foreign.received.seqs).toEqual([]);
    expect(JSON.stringify(foreign.received.errors)).toContain('NOT_FOUND');
    await log.append(tenantA, sessionA, [step(1), step(2), completed]);
    await log.append(tenantB, sessionB, [step(10)]);
    await waitFor(() => own.received.seqs.length === 1, 'B event');
    // The same session id under tenant A's topic reaches nobody of tenant B.
    await log.append(tenantA, sessionB, [step(99)]).catch(() => undefined);
    await log.append(tenantB, sessionB, [completed]);
    await own.done;
    expect(own.received.events.map((e) => e.data.agent ?? e.data.status)).toEqual(['a10', 'completed']);
    await clientB.dispose();
  });

  it('loses nothing when posts fail: retried, else left for the next delivery (the cursor waits)', async () => {
    const session = await newSession(tenantA);
    const client = wsClient(stack, tokenA);
    const { received, done } = follow(client, session, 0);
    await log.append(tenantA, session, [step(1)]);
    await waitFor(() => received.seqs.length === 1, 'first event');
    const poster = stack.engine.poster;
    const realPost = poster.post;
    try {
      // API Gateway answers 500 twice: the retries deliver the event
      let failures = 2;
      poster.post = async (...args) => {
        if (failures-- > 0)
          throw Object.assign(new Error('internal failure'), { name: 'InternalServerErrorException' });
        return realPost(...args);
      };
      await log.append(tenantA, session, [step(2)]);
      await waitFor(() => received.seqs.length === 2, 'retried event');
      // Every post fails for a while: the events stay after the cursor, not dropped
      poster.post = async () => {
        throw Object.assign(new Error('internal failure'), { name: 'InternalServerErrorException' });
      };
      await log.append(tenantA, session, [step(3), step(4)]);
      const row = await stack.engine.store.listSubscriptions((await connectionsOf(session))[0] ?? '');
      expect(row[0]?.cursor).toBe(2);
    } finally {
      poster.post = realPost;
    }
    // The next delivery sends what was left, then the new events
    await log.append(tenantA, session, [step(5), completed]);
    await done;
    expect(received.seqs).toEqual([1, 2, 3, 4, 5, 6]);
    await client.dispose();
  });

  it('removes a gone connection and its subscriptions when posting fails with GoneException', async () => {
    const session = await newSession(tenantA);
    const ghost = 'ghost-connection=';
    await stack.engine.store.putConnection(ghost, tenantA, 'alice');
    await stack.engine.store.putSubscription({
      connection_id: ghost,
      subscription_id: 's1',
      kind: 'session_events',
      partition_key: tenantA.partitionKey,
      user_id: 'alice',
      topic: sessionTopic(tenantA, session),
      session_uuid: session,
      query: SUBSCRIPTION,
      variables: { s: session },
    });
    await log.append(tenantA, session, [step(1)]);
    expect(await stack.engine.store.getConnection(ghost)).toBeUndefined();
    expect(await stack.engine.store.listSubscriptions(ghost)).toEqual([]);
  });

  it('never sends a message over 128 KB: a larger event arrives split in chunks and joins whole', async () => {
    const session = await newSession(tenantA);
    const client = wsClient(stack, tokenA);
    const { received, done } = follow(client, session);
    const big = (c: string) => c.repeat(59_000);
    await log.append(tenantA, session, [
      raw('agent_output', { a: big('a'), b: big('"é'), c: big('c') }),
      completed,
    ]);
    await done;
    expect(received.seqs).toEqual([1, 2]);
    expect(received.events[0]!.data).toEqual({ a: big('a'), b: big('"é'), c: big('c') });
    await client.dispose();
  });
});

/** Connection ids subscribed to a session (from the subscriptions table). */
async function connectionsOf(sessionUuid: string): Promise<string[]> {
  const { Items = [] } = await stack.engine.clients.doc.send(
    new ScanCommand({ TableName: stack.engine.clients.tables.subscriptions }),
  );
  return Items.filter((i) => i.session_uuid === sessionUuid).map((i) => String(i.connection_id));
}

async function subscriptionRows(): Promise<number> {
  const { Items } = await stack.engine.clients.doc.send(
    new ScanCommand({ TableName: stack.engine.clients.tables.subscriptions }),
  );
  return Items?.length ?? 0;
}
