import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoTransition, runDemo, runQuery } from '../../src/local/demo-client.js';
import { DEMO } from '../../src/local/seed.js';
import type { LocalStack } from '../../src/local/stack.js';
import { startTestStack, wsClient } from '../transport/support.js';

/**
 * The local stack end to end with the real graphql-ws client: queries and
 * mutations, the seeded demo task followed through sessionEvents until it
 * completes (answering its user-in-the-loop step), a disconnect mid-run
 * resumed from the cursor, and tenant isolation.
 */
let stack: LocalStack;
let client: Client;

beforeAll(async () => {
  stack = await startTestStack({}, { seed: true });
  client = wsClient(stack, await stack.token());
});
afterAll(async () => {
  await client?.dispose();
  await stack?.close();
});

const baseUrl = () => stack.httpUrl.replace(/\/graphql$/, '');
const agentStates = (transitions: readonly DemoTransition[]) =>
  transitions.filter((t) => t.type === 'agent_state').map((t) => `${t.data.agent_name}:${t.data.state}`);

describe('local stack over graphql-ws', () => {
  it('runs queries and mutations', async () => {
    const seeded = await runQuery<{ coordination: { coordinationName: string; agents: unknown[] } }>(
      client,
      'query ($c: String!) { coordination(coordinationUuid: $c) { coordinationName agents } }',
      { c: DEMO.coordinationUuid },
    );
    expect(seeded.coordination.coordinationName).toBe('Product launch');
    expect(seeded.coordination.agents).toHaveLength(5);

    const inserted = await runQuery<{
      insertUpdateCoordination: { coordination: { coordinationUuid: string } };
    }>(
      client,
      `mutation { insertUpdateCoordination(coordinationName: "From the socket", agents: [], updatedBy: "ws-test") {
        coordination { coordinationUuid } } }`,
    );
    const uuid = inserted.insertUpdateCoordination.coordination.coordinationUuid;
    const read = await runQuery<{ coordination: { coordinationName: string } }>(
      client,
      'query ($c: String!) { coordination(coordinationUuid: $c) { coordinationName } }',
      { c: uuid },
    );
    expect(read.coordination.coordinationName).toBe('From the socket');
    await expect(
      runQuery(
        client,
        'query { coordination(coordinationUuid: "99999999999999999999") { coordinationName } }',
      ),
    ).rejects.toThrow(/not found/i);
  });

  it('runs the demo task: every transition in order until completed, answering the user-in-the-loop step', async () => {
    const run = await runDemo({ baseUrl: baseUrl(), log: () => undefined, approval: 'Ship it.' });
    expect(run.status).toBe('completed');
    expect(run.transitions.map((t) => t.seq)).toEqual(run.transitions.map((_, i) => i + 1));
    const states = agentStates(run.transitions);
    const at = (entry: string) => states.indexOf(entry);
    for (const name of ['Market research', 'Competitor analysis', 'Announcement draft', 'Launch report']) {
      expect(at(`${name}:executing`)).toBeGreaterThanOrEqual(0);
      expect(at(`${name}:completed`)).toBeGreaterThan(at(`${name}:executing`));
    }
    // The draft starts after both predecessors, waits for the user, and the report comes after it.
    expect(at('Announcement draft:executing')).toBeGreaterThan(at('Market research:completed'));
    expect(at('Announcement draft:executing')).toBeGreaterThan(at('Competitor analysis:completed'));
    expect(at('Announcement draft:wait_for_user_input')).toBeLessThan(at('Announcement draft:completed'));
    expect(at('Launch report:executing')).toBeGreaterThan(at('Announcement draft:completed'));
    expect(at('Launch report:pending')).toBeGreaterThan(at('Launch report:executing'));
    const userInput = run.transitions.find((t) => t.type === 'user_input');
    expect(JSON.stringify(userInput?.data)).toContain('Ship it.');
    expect(run.report).toContain('## Market');
    expect(run.report).toContain('## Competitors');
    // merge_report: canonical sections, citations, the agent traces; prefetch ran first.
    expect(run.report).toMatch(
      /# Launch report[\s\S]*## Executive Summary[\s\S]*## Citations[\s\S]*## Reproducibility/,
    );
    expect(run.report).toContain('`q-market-size` · `survey-2024`');
    expect(run.report).toContain('| Market research |');
    expect(run.transitions.find((t) => t.type === 'prefetch')?.data).toMatchObject({
      cache_key: 'launch:today',
      fn: 'current_time',
    });
    expect(run.transitions.at(-1)).toMatchObject({ type: 'session_status', data: { status: 'completed' } });
  });

  it('resumes from the cursor after a disconnect mid-run, with no gap and no duplicate', async () => {
    const first = wsClient(stack, await stack.token());
    const started = await runQuery<{
      executeProcedureTaskSession: { procedureTaskSession: { sessionUuid: string } };
    }>(
      first,
      `mutation ($c: String!, $t: String!) { executeProcedureTaskSession(coordinationUuid: $c, taskUuid: $t) {
        procedureTaskSession { sessionUuid } } }`,
      { c: DEMO.coordinationUuid, t: DEMO.taskUuid },
    );
    const sessionUuid = started.executeProcedureTaskSession.procedureTaskSession.sessionUuid;
    const follow = (c: Client, after: number, until: (e: DemoTransition) => boolean) => {
      const seen: DemoTransition[] = [];
      const done = new Promise<DemoTransition[]>((resolve, reject) => {
        const stop = c.subscribe<{ sessionEvents: DemoTransition }>(
          {
            query:
              'subscription ($s: String!, $a: Int) { sessionEvents(sessionUuid: $s, after: $a) { seq type data } }',
            variables: { s: sessionUuid, a: after },
          },
          {
            next: ({ data }) => {
              const event = data?.sessionEvents;
              if (!event) return;
              seen.push(event);
              if (until(event)) {
                stop();
                resolve(seen);
              }
            },
            error: reject,
            complete: () => resolve(seen),
          },
        );
      });
      return done;
    };
    const waiting = (e: DemoTransition) => e.type === 'agent_state' && e.data.state === 'wait_for_user_input';
    const before = await follow(first, 0, waiting);
    await first.dispose();
    const waiter = before.at(-1)!;

    // While disconnected: the user answers over HTTP, and the session runs on.
    const token = await stack.token();
    const answered = await fetch(stack.httpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({
        query: `mutation ($s: String!, $a: String!) { executeForUserInput(sessionUuid: $s, sessionAgentUuid: $a, userInput: "ok") { ok } }`,
        variables: { s: sessionUuid, a: waiter.data.session_agent_uuid },
      }),
    });
    expect(((await answered.json()) as { data: { executeForUserInput: { ok: boolean } } }).data).toEqual({
      executeForUserInput: { ok: true },
    });

    const second = wsClient(stack, token);
    const after = await follow(second, waiter.seq, () => false);
    await second.dispose();
    const seqs = [...before, ...after].map((e) => e.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    expect(after.at(-1)).toMatchObject({ type: 'session_status', data: { status: 'completed' } });
  });

  it("keeps tenants apart: tenant B sees none of the demo tenant's data or events", async () => {
    const run = await runDemo({ baseUrl: baseUrl(), log: () => undefined });
    const other = wsClient(stack, await stack.token({ endpoint_id: 'other', part_id: 'p', sub: 'eve' }));
    await expect(
      runQuery(other, 'query ($c: String!) { coordination(coordinationUuid: $c) { coordinationName } }', {
        c: DEMO.coordinationUuid,
      }),
    ).rejects.toThrow(/not found/i);
    const list = await runQuery<{ coordinationList: { total: number } }>(
      other,
      '{ coordinationList { total } }',
    );
    expect(list.coordinationList.total).toBe(0);
    await expect(
      runQuery(
        other,
        `mutation ($c: String!, $t: String!) { executeProcedureTaskSession(coordinationUuid: $c, taskUuid: $t) {
          procedureTaskSession { sessionUuid } } }`,
        { c: DEMO.coordinationUuid, t: DEMO.taskUuid },
      ),
    ).rejects.toThrow(/not found/i);
    await expect(
      runQuery(other, 'query ($s: String!) { sessionEvents(sessionUuid: $s) { seq } }', {
        s: run.sessionUuid,
      }),
    ).rejects.toThrow(/not found/i);
    await expect(
      runQuery(other, 'subscription ($s: String!) { sessionEvents(sessionUuid: $s) { seq } }', {
        s: run.sessionUuid,
      }),
    ).rejects.toThrow(/not found/i);
    await other.dispose();
  });
});
