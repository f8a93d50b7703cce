import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, type TestEnv, tenantA } from '../support/env.js';
import { createGraphQLClient } from '../support/graphql.js';
import { hubFor, insertCoordination, llmAgent, triageAgent } from './support/hub-env.js';
import { type LlmServer, startLlmServer } from './support/llm-server.js';

const ASK = `query Ask($coordinationUuid: String!, $userQuery: String!, $sessionUuid: String, $doubleTexting: DoubleTextingPolicy) {
  askOperationHub(coordinationUuid: $coordinationUuid, userQuery: $userQuery, sessionUuid: $sessionUuid, doubleTexting: $doubleTexting) {
    coordinationUuid sessionUuid runUuid threadUuid agentUuid asyncTaskUuid status answer error
    triage { method agentUuid confidence reason triageAgentUuid }
    session { sessionUuid status userId taskQuery }
  }
}`;

describe('askOperationHub over in-process GraphQL (HTTP transport)', () => {
  let env: TestEnv;
  let llm: LlmServer;
  beforeAll(async () => {
    env = await createTestEnv();
    llm = await startLlmServer();
  });
  afterAll(() => llm.close());

  it('returns the answer, the triage decision and the session, and records the run', async () => {
    const triage = triageAgent();
    const refunds = llmAgent('Refunds', 'Money back for returned items');
    const coordination = await insertCoordination(env, tenantA, [
      triage,
      refunds,
      llmAgent('Other', 'Anything else'),
    ]);
    llm.triageAnswer = () =>
      JSON.stringify({ status: 'assigned', agent_uuid: refunds.agent_uuid, confidence: 0.9 });
    const execute = createGraphQLClient(env, { services: { operation: hubFor(env, llm) } });

    const result = await execute<{ askOperationHub: Record<string, unknown> }>(ASK, {
      coordinationUuid: coordination.coordination_uuid,
      userQuery: 'Refund my order',
    });

    expect(result.errors).toBeUndefined();
    const ask = result.data?.askOperationHub;
    expect(ask).toMatchObject({
      coordinationUuid: coordination.coordination_uuid,
      agentUuid: refunds.agent_uuid,
      status: 'completed',
      answer: 'Refunds says: Refund my order (turn 1)',
      error: null,
      asyncTaskUuid: null,
      triage: {
        method: 'llm',
        agentUuid: refunds.agent_uuid,
        confidence: 0.9,
        triageAgentUuid: triage.agent_uuid,
      },
      session: { status: 'active', userId: 'user-1', taskQuery: 'Refund my order' },
    });
    const runs = await execute<{ sessionRunList: { sessionRunList: Record<string, unknown>[] } }>(
      `query($s: String) { sessionRunList(sessionUuid: $s) { sessionRunList { runUuid status answer triage } } }`,
      { s: ask?.sessionUuid },
    );
    expect(runs.data?.sessionRunList.sessionRunList).toEqual([
      {
        runUuid: ask?.runUuid,
        status: 'completed',
        answer: ask?.answer,
        triage: expect.objectContaining({ method: 'llm', agentUuid: refunds.agent_uuid }),
      },
    ]);
  });

  it('reports bad input and a session of another coordination with stable codes', async () => {
    const coordination = await insertCoordination(env, tenantA, [llmAgent('Helper', 'helps')]);
    const execute = createGraphQLClient(env, { services: { operation: hubFor(env, llm) } });
    const empty = await execute(ASK, { coordinationUuid: coordination.coordination_uuid, userQuery: '' });
    expect(empty.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const missing = await execute(ASK, {
      coordinationUuid: coordination.coordination_uuid,
      userQuery: 'hello',
      sessionUuid: '12345678901234567890',
    });
    expect(missing.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });
});
