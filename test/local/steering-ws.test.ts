import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runQuery } from '../../src/local/demo-client.js';
import { DEMO } from '../../src/local/seed.js';
import type { LocalStack } from '../../src/local/stack.js';
import { startTestStack, wsClient } from '../transport/support.js';

/**
 * Steering the seeded demo task over the real graphql-ws client: an approved
 * plan modification, pause and resume, and cancel. The demo's draft agent
 * waits for user input, which holds each run at a known point.
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

interface Agent {
  sessionAgentUuid: string;
  agentUuid: string;
  state: string;
  agentInput: string | null;
  blockedBy: { agentUuid: string }[];
}

const agentsOf = async (sessionUuid: string) =>
  (
    await runQuery<{ sessionAgentList: { sessionAgentList: Agent[] } }>(
      client,
      `query ($s: String!) { sessionAgentList(sessionUuid: $s, limit: 100) { sessionAgentList {
         sessionAgentUuid agentUuid state agentInput blockedBy { agentUuid } } } }`,
      { s: sessionUuid },
    )
  ).sessionAgentList.sessionAgentList;

const statusOf = async (sessionUuid: string) =>
  (
    await runQuery<{ session: { status: string } }>(
      client,
      'query ($c: String!, $s: String!) { session(coordinationUuid: $c, sessionUuid: $s) { status } }',
      { c: DEMO.coordinationUuid, s: sessionUuid },
    )
  ).session.status;

async function until<T>(probe: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`not met: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function startDemoUntilWaiting() {
  const started = await runQuery<{
    executeProcedureTaskSession: { procedureTaskSession: { sessionUuid: string } };
  }>(
    client,
    'mutation ($c: String!, $t: String!) { executeProcedureTaskSession(coordinationUuid: $c, taskUuid: $t) { procedureTaskSession { sessionUuid } } }',
    { c: DEMO.coordinationUuid, t: DEMO.taskUuid },
  );
  const sessionUuid = started.executeProcedureTaskSession.procedureTaskSession.sessionUuid;
  const agents = await until(
    () => agentsOf(sessionUuid),
    (rows) => rows.some((a) => a.agentUuid === DEMO.agents.draft && a.state === 'wait_for_user_input'),
  );
  const uuidOf = (agentUuid: string) =>
    agents.find((a) => a.agentUuid === agentUuid)?.sessionAgentUuid as string;
  return { sessionUuid, agents, uuidOf };
}

describe('steering the demo task over graphql-ws', () => {
  it('an approved modification, then pause and resume', { timeout: 60_000 }, async () => {
    // Prepare
    const { sessionUuid, agents, uuidOf } = await startDemoUntilWaiting();
    const report = uuidOf(DEMO.agents.report);
    // Act
    const requested = await runQuery<{
      modifyProcedureTaskSession: { modificationUuid: string; status: string }[];
    }>(
      client,
      `mutation ($s: String!, $m: JSON!) { modifyProcedureTaskSession(sessionUuid: $s, modifications: $m,
         reason: "board wants numbers", requireApproval: true) { modificationUuid status } }`,
      {
        s: sessionUuid,
        m: [{ operation: 'modify_agent', sessionAgentUuid: report, subtaskQuery: 'Report with numbers' }],
      },
    );
    const modificationUuid = requested.modifyProcedureTaskSession[0]?.modificationUuid;
    const decided = await runQuery<{
      decidePlanModification: { status: string; decidedBy: string; oldValue: unknown };
    }>(
      client,
      `mutation ($s: String!, $m: String!) { decidePlanModification(sessionUuid: $s, modificationUuid: $m,
         approve: true, reason: "ok") { status decidedBy oldValue } }`,
      { s: sessionUuid, m: modificationUuid },
    );
    const paused = await runQuery<{ pauseProcedureTaskSession: { status: string; statusChangedBy: string } }>(
      client,
      'mutation ($s: String!) { pauseProcedureTaskSession(sessionUuid: $s, reason: "lunch") { status statusChangedBy } }',
      { s: sessionUuid },
    );
    await runQuery(
      client,
      'mutation ($s: String!, $a: String!) { executeForUserInput(sessionUuid: $s, sessionAgentUuid: $a, userInput: "Ship it.") { ok } }',
      { s: sessionUuid, a: uuidOf(DEMO.agents.draft) },
    );
    const whilePaused = await until(
      () => agentsOf(sessionUuid),
      (rows) => rows.find((a) => a.sessionAgentUuid === report)?.blockedBy.length === 0,
    );
    const statusWhilePaused = await statusOf(sessionUuid);
    const resumed = await runQuery<{ resumeProcedureTaskSession: { status: string; dispatched: number } }>(
      client,
      'mutation ($s: String!) { resumeProcedureTaskSession(sessionUuid: $s) { status dispatched } }',
      { s: sessionUuid },
    );
    await until(
      () => statusOf(sessionUuid),
      (s) => s === 'completed',
    );
    const done = await agentsOf(sessionUuid);
    // Assess
    expect(agents.find((a) => a.sessionAgentUuid === report)?.blockedBy.map((b) => b.agentUuid)).toEqual([
      DEMO.agents.draft,
    ]);
    expect(requested.modifyProcedureTaskSession[0]?.status).toBe('requested');
    expect(decided.decidePlanModification).toMatchObject({ status: 'applied', decidedBy: 'demo-user' });
    expect(paused.pauseProcedureTaskSession).toEqual({ status: 'paused', statusChangedBy: 'demo-user' });
    expect(statusWhilePaused).toBe('paused');
    expect(whilePaused.find((a) => a.sessionAgentUuid === report)?.state).toBe('initial');
    expect(resumed.resumeProcedureTaskSession).toEqual({ status: 'in_progress', dispatched: 1 });
    expect(done.find((a) => a.sessionAgentUuid === report)?.agentInput).toContain('Report with numbers');
    const listed = await runQuery<{ planModifications: { status: string; requestedBy: string }[] }>(
      client,
      'query ($s: String!) { planModifications(sessionUuid: $s) { status requestedBy } }',
      { s: sessionUuid },
    );
    expect(listed.planModifications).toEqual([{ status: 'applied', requestedBy: 'demo-user' }]);
  });

  it('cancel releases the agent waiting for input; the session is cancelled with who and why', {
    timeout: 60_000,
  }, async () => {
    // Prepare
    const { sessionUuid, uuidOf } = await startDemoUntilWaiting();
    const workload = await runQuery<{ agentWorkload: { agentUuid: string; waiting: number }[] }>(
      client,
      'query ($c: String!) { agentWorkload(coordinationUuid: $c) { agentUuid waiting } }',
      { c: DEMO.coordinationUuid },
    );
    // Act
    const cancelled = await runQuery<{
      cancelProcedureTaskSession: { status: string; statusReason: string; statusChangedBy: string };
    }>(
      client,
      'mutation ($s: String!) { cancelProcedureTaskSession(sessionUuid: $s, reason: "launch moved") { status statusReason statusChangedBy } }',
      { s: sessionUuid },
    );
    const agents = await agentsOf(sessionUuid);
    // Assess
    expect(
      workload.agentWorkload.find((w) => w.agentUuid === DEMO.agents.draft)?.waiting,
    ).toBeGreaterThanOrEqual(1);
    expect(cancelled.cancelProcedureTaskSession).toEqual({
      status: 'cancelled',
      statusReason: 'launch moved',
      statusChangedBy: 'demo-user',
    });
    expect(agents.find((a) => a.sessionAgentUuid === uuidOf(DEMO.agents.draft))?.state).toBe('cancelled');
    expect(agents.find((a) => a.sessionAgentUuid === uuidOf(DEMO.agents.report))?.state).toBe('cancelled');
    await expect(
      runQuery(
        client,
        'mutation ($s: String!, $a: String!) { executeForUserInput(sessionUuid: $s, sessionAgentUuid: $a, userInput: "late") { ok } }',
        { s: sessionUuid, a: uuidOf(DEMO.agents.draft) },
      ),
    ).rejects.toThrow(/cancelled/);
  });
});
