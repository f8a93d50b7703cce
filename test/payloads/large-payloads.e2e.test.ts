import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TableKey } from '../../src/db/tables.js';
import { newId } from '../../src/ids.js';
import type { LocalStack } from '../../src/local/stack.js';
import type { AgentRuntime } from '../../src/runtimes/port.js';
import { createChunkJoiner } from '../../src/transport/fit-message.js';
import { startTestStack, wsClient } from '../transport/support.js';

/** The done-when of issue 11: 120 KB and 5 MB outputs and a 2 MB user input, end to end, read back whole. */
const KB = 1024;
const outputs: Record<string, string> = {
  summarize: 'S'.repeat(120 * KB),
  expand: `${'Eé漢'.repeat((5 * KB * KB) / 6)}end`, // 5 MB of UTF-8, multi-byte
  review: 'reviewed',
};
const userInput = `${'U"\\'.repeat((2 * KB * KB) / 3)}!`; // 2 MB, quotes and backslashes (escaped in JSON)

/** The model: a local stand-in for a remote LLM, answering each agent with its output. */
const inputsSeen: Record<string, number> = {};
const modelRuntime: AgentRuntime = {
  kind: 'local-model',
  async run(request) {
    inputsSeen[request.agent.agent_name] = request.input.length;
    return { output: outputs[request.agent.agent_name] ?? '', threadUuid: request.threadUuid };
  },
};

let stack: LocalStack;
let token: string;
let ws: Client;
const sqsBodyBytes: number[] = [];

async function gql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const response = await fetch(stack.httpUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown[] };
  if (body.errors) throw new Error(JSON.stringify(body.errors).slice(0, 2000));
  return body.data as T;
}

async function until<T>(probe: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeAll(async () => {
  stack = await startTestStack({}, { runtimes: { forAgent: () => modelRuntime } });
  token = await stack.token();
  ws = wsClient(stack, token);
  // Every SQS body the engine sends, as the SDK sends it.
  stack.engine.clients.sqs.middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as { MessageBody?: string; Entries?: { MessageBody?: string }[] };
      for (const body of [input.MessageBody, ...(input.Entries ?? []).map((e) => e.MessageBody)]) {
        if (body !== undefined) sqsBodyBytes.push(Buffer.byteLength(body));
      }
      return next(args);
    },
    { step: 'initialize', name: 'recordBodySizes' },
  );
});

afterAll(async () => {
  await ws?.dispose();
  await stack?.close();
});

describe('large payloads end to end (S3 behind references)', () => {
  it('a 3-agent chain with 120 KB and 5 MB outputs and a 2 MB user input completes; every value reads back whole', {
    timeout: 240_000,
  }, async () => {
    // Prepare: summarize -> expand -> review (review waits for the user's input)
    const tenant = stack.demoTenant;
    const ids = { summarize: newId(), expand: newId(), review: newId() };
    const coordination = await stack.engine.repos.coordinations.insert(tenant, {
      coordination_uuid: newId(),
      coordination_name: 'large payloads',
      agents: Object.entries(ids).map(([name, uuid]) => ({
        agent_uuid: uuid,
        agent_name: name,
        agent_type: 'task' as const,
      })),
      updated_by: 'test',
    });
    const action = (predecessors: string[], userInTheLoop = false) => ({
      predecessors,
      primary_path: true,
      user_in_the_loop: userInTheLoop,
      action_function: {},
    });
    const task = await stack.engine.repos.tasks.insert(tenant, {
      coordination_uuid: coordination.coordination_uuid,
      task_uuid: newId(),
      task_name: 'chain',
      subtask_queries: Object.entries(ids).map(([name, uuid]) => ({ agent_uuid: uuid, subtask_query: name })),
      agent_actions: {
        [ids.summarize]: action([]),
        [ids.expand]: action([ids.summarize]),
        [ids.review]: action([ids.expand], true),
      },
      updated_by: 'test',
    });

    // Act: execute over HTTP, follow the session over the WebSocket subscription
    const {
      executeProcedureTaskSession: { procedureTaskSession: session },
    } = await gql<{
      executeProcedureTaskSession: { procedureTaskSession: { sessionUuid: string } };
    }>(
      `mutation ($c: String!, $t: String!) { executeProcedureTaskSession(coordinationUuid: $c, taskUuid: $t) { procedureTaskSession { sessionUuid } } }`,
      {
        c: coordination.coordination_uuid,
        t: task.task_uuid,
      },
    );
    const events: { type: string; data: Record<string, unknown> }[] = [];
    const join = createChunkJoiner();
    const subscription = new Promise<void>((resolve, reject) => {
      ws.subscribe(
        {
          query: 'subscription ($s: String!) { sessionEvents(sessionUuid: $s, after: 0) { seq type data } }',
          variables: { s: session.sessionUuid },
        },
        {
          next: (part) => {
            const result = join(part as Record<string, unknown>) as {
              data?: { sessionEvents: (typeof events)[0] };
            };
            if (result?.data) events.push(result.data.sessionEvents);
          },
          error: reject,
          complete: resolve,
        },
      );
    });
    const agentsQuery = `query ($s: String!) { sessionAgentList(sessionUuid: $s) { sessionAgentList {
      sessionAgentUuid agentUuid state agentInput agentOutput userInput notes } } }`;
    type Row = {
      sessionAgentUuid: string;
      agentUuid: string;
      state: string;
      agentInput: string;
      agentOutput: string;
      userInput: string;
    };
    const rows = async () =>
      (await gql<{ sessionAgentList: { sessionAgentList: Row[] } }>(agentsQuery, { s: session.sessionUuid }))
        .sessionAgentList.sessionAgentList;
    await until(
      rows,
      (r) => r.some((a) => a.agentUuid === ids.review && a.state === 'wait_for_user_input'),
      'review waiting',
    );
    await gql(
      `mutation ($s: String!, $a: String!, $u: String!) { executeForUserInput(sessionUuid: $s, sessionAgentUuid: $a, userInput: $u) { ok } }`,
      {
        s: session.sessionUuid,
        a: (await rows()).find((a) => a.agentUuid === ids.review)?.sessionAgentUuid,
        u: userInput,
      },
    );
    await subscription;

    // Assess: the session completed
    const status = await gql<{ session: { status: string } }>(
      'query ($c: String!, $s: String!) { session(coordinationUuid: $c, sessionUuid: $s) { status } }',
      { c: coordination.coordination_uuid, s: session.sessionUuid },
    );
    expect(status.session.status).toBe('completed');
    // Over GraphQL (HTTP): every value whole
    const byAgent = Object.fromEntries((await rows()).map((r) => [r.agentUuid, r]));
    expect(byAgent[ids.summarize]?.agentOutput).toBe(outputs.summarize);
    expect(byAgent[ids.expand]?.agentOutput).toBe(outputs.expand);
    expect(byAgent[ids.expand]?.agentInput).toContain(outputs.summarize);
    expect(byAgent[ids.review]?.agentInput).toContain(outputs.expand);
    expect(byAgent[ids.review]?.userInput).toBe(userInput);
    expect(byAgent[ids.review]?.state).toBe('completed');
    expect(inputsSeen.review).toBeGreaterThan(outputs.expand?.length ?? 0);
    // Over the WebSocket subscription: every value whole, and the run ended with the completed status
    const outputEvents = events.filter((e) => e.type === 'agent_output').map((e) => e.data.output);
    expect(outputEvents).toEqual([outputs.summarize, outputs.expand, outputs.review]);
    expect(events.find((e) => e.type === 'user_input')?.data.user_input).toBe(userInput);
    expect(events.at(-1)).toMatchObject({ type: 'session_status', data: { status: 'completed' } });
    // No DynamoDB item over 400 KB, no SQS message over 256 KB
    let largestItem = 0;
    for (const table of Object.keys(stack.engine.clients.tables) as TableKey[]) {
      let start: Record<string, unknown> | undefined;
      do {
        const page = await stack.engine.clients.doc.send(
          new ScanCommand({ TableName: stack.engine.clients.tables[table], ExclusiveStartKey: start }),
        );
        for (const item of page.Items ?? []) {
          const bytes = Buffer.byteLength(JSON.stringify(item, (_k, v) => (v instanceof Set ? [...v] : v)));
          largestItem = Math.max(largestItem, bytes);
        }
        start = page.LastEvaluatedKey;
      } while (start);
    }
    expect(largestItem).toBeGreaterThan(0);
    expect(largestItem).toBeLessThan(400 * KB);
    // At least the session's start and its root's dispatch (the chain's successors run inline, unsent).
    expect(sqsBodyBytes.length).toBeGreaterThanOrEqual(2);
    expect(Math.max(...sqsBodyBytes)).toBeLessThanOrEqual(256 * KB);
  });
});
