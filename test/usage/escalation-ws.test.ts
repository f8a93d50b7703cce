import { randomBytes } from 'node:crypto';
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createClients } from '../../src/clients.js';
import { loadConfig } from '../../src/config.js';
import { newId } from '../../src/ids.js';
import { runQuery } from '../../src/local/demo-client.js';
import { type LocalStack, startLocalStack } from '../../src/local/stack.js';
import { envCredentials } from '../../src/runtimes/credentials.js';
import { createRuntimeResolver } from '../../src/runtimes/resolver.js';
import { createThreadStore, type ThreadStore } from '../../src/threads/store.js';
import { llmAgent } from '../operation/support/hub-env.js';
import { type LlmServer, startLlmServer } from '../operation/support/llm-server.js';
import { seedTask } from '../procedure/support.js';
import type { TestEnv } from '../support/env.js';
import { request, wsClient } from '../transport/support.js';

/**
 * Escalation end to end over a real graphql-ws client on the local stack: an
 * output guardrail holds an answer for a person, who approves, edits or
 * rejects it over the same socket, in the procedure hub (the agent waits in
 * wait_for_user_input) and in the operation hub (the ask returns escalated).
 */
let stack: LocalStack;
let llm: LlmServer;
let client: Client;
let threads: ThreadStore;

beforeAll(async () => {
  llm = await startLlmServer();
  const tablePrefix = `t${randomBytes(4).toString('hex')}-`;
  const dynamoEndpoint = inject('dynamoEndpoint');
  const clients = createClients(
    loadConfig({ DYNAMODB_ENDPOINT: dynamoEndpoint, ACE_TABLE_PREFIX: tablePrefix, LOG_LEVEL: 'silent' }),
  );
  threads = createThreadStore(clients);
  stack = await startLocalStack({
    dynamoEndpoint,
    sqsEndpoint: inject('sqsEndpoint'),
    tablePrefix,
    logLevel: process.env.LOG_LEVEL ?? 'silent',
    runtimes: createRuntimeResolver({
      credentials: envCredentials({ ACE_OPENAI_BASE_URL: `${llm.url}/v1`, ACE_OPENAI_API_KEY: 'sk-local' }),
      threads,
    }),
  });
  client = wsClient(stack, await stack.token());
});
afterAll(async () => {
  await client?.dispose();
  await stack?.close();
  await llm?.close();
});

interface Event {
  seq: number;
  type: string;
  data: Record<string, unknown>;
}

/** Follows sessionEvents on the socket until `until` holds; resolves with every event seen. */
function follow(sessionUuid: string, until: (e: Event) => boolean): Promise<Event[]> {
  const seen: Event[] = [];
  return new Promise((resolve, reject) => {
    const stop = client.subscribe<{ sessionEvents: Event }>(
      {
        query: 'subscription ($s: String!) { sessionEvents(sessionUuid: $s) { seq type data } }',
        variables: { s: sessionUuid },
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
}

const sessionEnded = (e: Event) =>
  e.type === 'session_status' && ['completed', 'failed'].includes(String(e.data.status));

describe('procedure hub: an escalated output decided over graphql-ws', () => {
  const lowConfidence = { guardrails: { output: [{ type: 'min_confidence', min: 0.8 }] } };
  async function startEscalated() {
    const seeded = await seedTask(
      { repos: stack.engine.repos } as TestEnv,
      [
        {
          name: 'writer',
          script: {
            answer: '{"answer": "maybe", "confidence": 0.4}',
            usage: { model: 'm-small', input_tokens: 100, output_tokens: 40 },
          },
          extra: lowConfidence,
        },
        { name: 'next', preds: ['writer'], script: { answer: 'got: {input}' } },
      ],
      { tenant: stack.demoTenant },
    );
    const started = await runQuery<{
      executeProcedureTaskSession: { procedureTaskSession: { sessionUuid: string } };
    }>(
      client,
      `mutation ($c: String!, $t: String!) { executeProcedureTaskSession(coordinationUuid: $c, taskUuid: $t) {
        procedureTaskSession { sessionUuid } } }`,
      { c: seeded.coordinationUuid, t: seeded.taskUuid },
    );
    const sessionUuid = started.executeProcedureTaskSession.procedureTaskSession.sessionUuid;
    const before = await follow(
      sessionUuid,
      (e) => e.type === 'agent_state' && e.data.state === 'wait_for_user_input',
    );
    const waiting = before.at(-1)!;
    return { seeded, sessionUuid, waiting, before };
  }
  const outputs = async (sessionUuid: string) => {
    const listed = await runQuery<{
      sessionAgentList: {
        sessionAgentList: { agentUuid: string; state: string; agentOutput: string | null }[];
      };
    }>(
      client,
      'query ($s: String!) { sessionAgentList(sessionUuid: $s) { sessionAgentList { agentUuid state agentOutput } } }',
      { s: sessionUuid },
    );
    return new Map(listed.sessionAgentList.sessionAgentList.map((a) => [a.agentUuid, a]));
  };
  const answer = (sessionUuid: string, sessionAgentUuid: unknown, userInput: string) =>
    request<{ executeForUserInput: { ok: boolean } }>(
      client,
      'mutation ($s: String!, $a: String!, $i: String!) { executeForUserInput(sessionUuid: $s, sessionAgentUuid: $a, userInput: $i) { ok } }',
      { s: sessionUuid, a: sessionAgentUuid, i: userInput },
    );

  it('the escalation event carries the findings; approve (executeForUserInput) completes the session with the held output', async () => {
    const { seeded, sessionUuid, waiting, before } = await startEscalated();
    const escalation = waiting.data.escalation as {
      findings: { check: string; action: string }[];
      run_uuid: string;
    };
    expect(escalation.findings).toEqual([
      expect.objectContaining({ check: 'min_confidence', action: 'escalate' }),
    ]);
    expect(before.some((e) => e.type === 'guardrail_findings' && e.data.verdict === 'escalate')).toBe(true);
    // An ordinary answer is not a decision: a clear error, nothing changes.
    const vague = await answer(sessionUuid, waiting.data.session_agent_uuid, 'sure');
    expect(vague.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');

    const ended = follow(sessionUuid, sessionEnded);
    expect((await answer(sessionUuid, waiting.data.session_agent_uuid, 'approve')).data).toEqual({
      executeForUserInput: { ok: true },
    });
    const after = await ended;
    expect(after.at(-1)?.data.status).toBe('completed');
    expect(after.find((e) => e.type === 'user_input')?.data.decision).toBe('approve');
    const agents = await outputs(sessionUuid);
    expect(agents.get(seeded.uuidOf('writer'))).toMatchObject({
      state: 'completed',
      agentOutput: '{"answer": "maybe", "confidence": 0.4}',
    });
    expect(agents.get(seeded.uuidOf('next'))?.agentOutput).toContain('"confidence": 0.4');
    // Decided twice: CONFLICT.
    const again = await answer(sessionUuid, waiting.data.session_agent_uuid, 'approve');
    expect(again.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    // The escalated run keeps what the model call used, across the pause.
    const run = await runQuery<{ sessionRun: { status: string; usage: { modelCalls: number } } }>(
      client,
      'query ($s: String!, $r: String!) { sessionRun(sessionUuid: $s, runUuid: $r) { status usage { modelCalls } } }',
      { s: sessionUuid, r: escalation.run_uuid },
    );
    expect(run.sessionRun).toEqual({ status: 'escalated', usage: { modelCalls: 1 } });
  });

  it('edit: the edited output is what the agent and its successor get', async () => {
    const { seeded, sessionUuid, waiting } = await startEscalated();
    const ended = follow(sessionUuid, sessionEnded);
    const edit = JSON.stringify({ decision: 'edit', output: 'definitely' });
    expect((await answer(sessionUuid, waiting.data.session_agent_uuid, edit)).errors).toBeUndefined();
    expect((await ended).at(-1)?.data.status).toBe('completed');
    const agents = await outputs(sessionUuid);
    expect(agents.get(seeded.uuidOf('writer'))?.agentOutput).toBe('definitely');
    const successor = agents.get(seeded.uuidOf('next'))?.agentOutput ?? '';
    expect(successor).toContain('agent_output(writer): definitely');
    // The decision itself is no input for the successor.
    expect(successor).not.toContain('decision');
  });

  it('reject (decideEscalation, typed): the agent fails with the reason and the session fails', async () => {
    const { seeded, sessionUuid, waiting } = await startEscalated();
    const ended = follow(sessionUuid, sessionEnded);
    const decided = await request<{
      decideEscalation: { ok: boolean; sessionAgent: { state: string; notes: string } };
    }>(
      client,
      `mutation ($s: String!, $a: String!) { decideEscalation(sessionUuid: $s, sessionAgentUuid: $a, decision: REJECT, reason: "too unsure") {
        ok sessionAgent { state notes } } }`,
      { s: sessionUuid, a: waiting.data.session_agent_uuid },
    );
    expect(decided.errors).toBeUndefined();
    expect(decided.data?.decideEscalation.sessionAgent).toEqual({
      state: 'failed',
      notes: 'escalated output rejected: too unsure',
    });
    expect((await ended).at(-1)?.data.status).toBe('failed');
    const agents = await outputs(sessionUuid);
    expect(agents.get(seeded.uuidOf('writer'))?.state).toBe('failed');
    expect(agents.get(seeded.uuidOf('next'))?.agentOutput ?? null).toBeNull();
  });

  it('decideEscalation on an agent that waits for ordinary user input: CONFLICT, and executeForUserInput still answers it', async () => {
    const seeded = await seedTask(
      { repos: stack.engine.repos } as TestEnv,
      [{ name: 'check', userInTheLoop: true }],
      {
        tenant: stack.demoTenant,
      },
    );
    const started = await runQuery<{
      executeProcedureTaskSession: { procedureTaskSession: { sessionUuid: string } };
    }>(
      client,
      `mutation ($c: String!, $t: String!) { executeProcedureTaskSession(coordinationUuid: $c, taskUuid: $t) {
        procedureTaskSession { sessionUuid } } }`,
      { c: seeded.coordinationUuid, t: seeded.taskUuid },
    );
    const sessionUuid = started.executeProcedureTaskSession.procedureTaskSession.sessionUuid;
    const waiting = (
      await follow(sessionUuid, (e) => e.type === 'agent_state' && e.data.state === 'wait_for_user_input')
    ).at(-1)!;
    const typed = await request(
      client,
      'mutation ($s: String!, $a: String!) { decideEscalation(sessionUuid: $s, sessionAgentUuid: $a, decision: APPROVE) { ok } }',
      { s: sessionUuid, a: waiting.data.session_agent_uuid },
    );
    expect(typed.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    const ended = follow(sessionUuid, sessionEnded);
    expect((await answer(sessionUuid, waiting.data.session_agent_uuid, 'approve')).errors).toBeUndefined();
    expect((await ended).at(-1)?.data.status).toBe('completed');
    // Here "approve" is the person's answer: kept as user input.
    const agents = await runQuery<{ sessionAgent: { userInput: string } }>(
      client,
      'query ($s: String!, $a: String!) { sessionAgent(sessionUuid: $s, sessionAgentUuid: $a) { userInput } }',
      { s: sessionUuid, a: waiting.data.session_agent_uuid },
    );
    expect(agents.sessionAgent.userInput).toBe('approve');
  });
});

const ASK = `query Ask($c: String!, $q: String!, $a: String, $s: String, $t: String) {
  askOperationHub(coordinationUuid: $c, userQuery: $q, agentUuid: $a, sessionUuid: $s, threadUuid: $t) {
    sessionUuid runUuid threadUuid status answer error escalation } }`;
const DECIDE = `mutation ($s: String!, $r: String!, $d: EscalationDecision!, $o: String, $why: String) {
  decideEscalation(sessionUuid: $s, runUuid: $r, decision: $d, output: $o, reason: $why) {
    ok operation { runUuid threadUuid status answer error } } }`;

interface Asked {
  chunks: string[];
  data?: {
    sessionUuid: string;
    runUuid: string;
    threadUuid: string;
    status: string;
    answer: string | null;
    error: string | null;
    escalation: { findings: { check: string; action: string; kind?: string }[] } | null;
  };
}
function ask(variables: Record<string, unknown>): Promise<Asked> {
  return new Promise((resolve, reject) => {
    const out: Asked = { chunks: [] };
    client.subscribe(
      { query: ASK, variables },
      {
        next: (value) => {
          const streamed = (value.extensions as { askOperationHub?: { chunk: string } } | undefined)
            ?.askOperationHub;
          if (streamed) out.chunks.push(streamed.chunk);
          else out.data = (value.data as { askOperationHub: Asked['data'] })?.askOperationHub;
        },
        error: reject,
        complete: () => resolve(out),
      },
    );
  });
}
type Decided = { decideEscalation: { ok: boolean; operation: NonNullable<Asked['data']> } };
const decide = (vars: Record<string, unknown>) => request<Decided>(client, DECIDE, vars);

describe('operation hub: an escalated ask decided over graphql-ws', () => {
  const clerk = {
    ...llmAgent('Clerk', 'answers', 'metered:Clerk'),
    guardrails: { output: [{ type: 'deny_regex', patterns: ['refund'], action: 'escalate' }] },
  };
  async function coordination() {
    const c = await stack.engine.repos.coordinations.insert(stack.demoTenant, {
      coordination_uuid: newId(),
      coordination_name: 'Desk',
      agents: [{ ...clerk, agent_uuid: newId() }],
      updated_by: 'e2e',
    });
    return { c: c.coordination_uuid, a: c.agents[0]!.agent_uuid };
  }
  const held = 'Clerk says: can I get a refund? (turn 1)';

  it('the ask returns escalated with the findings and streams nothing; approve completes it and the thread goes on', async () => {
    const ids = await coordination();
    const asked = await ask({ ...ids, q: 'can I get a refund?' });
    expect(asked.data).toMatchObject({ status: 'escalated', answer: null });
    expect(asked.data?.escalation?.findings).toEqual([
      expect.objectContaining({ check: 'deny_regex', action: 'escalate' }),
    ]);
    expect(asked.chunks).toEqual([]);
    const { sessionUuid, runUuid, threadUuid } = asked.data!;
    expect(await threads.history(stack.demoTenant, threadUuid)).toEqual([]);
    // The reviewer reads the held answer on the run.
    const run = await runQuery<{
      sessionRun: { answer: string; status: string; guardrailFindings: unknown[] };
    }>(
      client,
      'query ($s: String!, $r: String!) { sessionRun(sessionUuid: $s, runUuid: $r) { answer status guardrailFindings } }',
      { s: sessionUuid, r: runUuid },
    );
    expect(run.sessionRun).toMatchObject({ answer: held, status: 'escalated' });
    expect(run.sessionRun.guardrailFindings).toHaveLength(1);

    const events = follow(sessionUuid, (e) => e.type === 'run_completed' && e.data.run_uuid === runUuid);
    const decided = await decide({ s: sessionUuid, r: runUuid, d: 'APPROVE' });
    expect(decided.errors).toBeUndefined();
    expect(decided.data?.decideEscalation.operation).toMatchObject({
      status: 'completed',
      answer: held,
      error: null,
    });
    const seen = await events;
    // Usage across the pause: the one model call before it, nothing added by the decision.
    const session = await runQuery<{ session: { usage: Record<string, number> } }>(
      client,
      'query ($c: String!, $s: String!) { session(coordinationUuid: $c, sessionUuid: $s) { usage { modelCalls inputTokens outputTokens } } }',
      { c: ids.c, s: sessionUuid },
    );
    expect(session.session.usage).toEqual({ modelCalls: 1, inputTokens: 12, outputTokens: 7 });
    expect(seen.find((e) => e.type === 'escalation_decided')?.data).toMatchObject({
      run_uuid: runUuid,
      decision: 'approve',
    });
    // The approved exchange is in the thread: the next ask on it is the second turn.
    expect(await threads.history(stack.demoTenant, threadUuid)).toEqual([
      { role: 'user', content: 'can I get a refund?' },
      { role: 'assistant', content: held },
    ]);
    const next = await ask({ ...ids, s: sessionUuid, t: threadUuid, q: 'thanks' });
    expect(next.data).toMatchObject({ status: 'completed', answer: 'Clerk says: thanks (turn 2)' });
    // Decided twice: CONFLICT, nothing changes.
    const again = await decide({ s: sessionUuid, r: runUuid, d: 'REJECT' });
    expect(again.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    const stored = await runQuery<{
      sessionRun: {
        status: string;
        answer: string;
        escalationDecision: Record<string, unknown>;
        usage: { modelCalls: number };
      };
    }>(
      client,
      'query ($s: String!, $r: String!) { sessionRun(sessionUuid: $s, runUuid: $r) { status answer escalationDecision usage { modelCalls } } }',
      { s: sessionUuid, r: runUuid },
    );
    expect(stored.sessionRun).toMatchObject({
      status: 'completed',
      answer: held,
      escalationDecision: { decision: 'approve', decidedBy: expect.any(String) },
      usage: { modelCalls: 1 },
    });
  });

  it('edit: the edited answer is the answer, on the run and in the thread', async () => {
    const ids = await coordination();
    const asked = await ask({ ...ids, q: 'can I get a refund?' });
    const { sessionUuid, runUuid, threadUuid } = asked.data!;
    const edited = 'Yes, within 30 days of purchase.';
    const decided = await decide({ s: sessionUuid, r: runUuid, d: 'EDIT', o: edited });
    expect(decided.data?.decideEscalation.operation).toMatchObject({ status: 'completed', answer: edited });
    expect((await threads.history(stack.demoTenant, threadUuid)).at(-1)).toEqual({
      role: 'assistant',
      content: edited,
    });
    // EDIT without an output: a clear error.
    const other = await ask({ ...ids, q: 'refund please' });
    const bad = await decide({ s: other.data!.sessionUuid, r: other.data!.runUuid, d: 'EDIT' });
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('reject: the run fails with the reason, the answer reaches no one and the thread keeps nothing', async () => {
    const ids = await coordination();
    const asked = await ask({ ...ids, q: 'can I get a refund?' });
    const { sessionUuid, runUuid, threadUuid } = asked.data!;
    const decided = await decide({ s: sessionUuid, r: runUuid, d: 'REJECT', why: 'policy says no' });
    expect(decided.data?.decideEscalation.operation).toMatchObject({
      status: 'failed',
      answer: null,
      error: 'escalated output rejected: policy says no',
    });
    expect(await threads.history(stack.demoTenant, threadUuid)).toEqual([]);
    const run = await stack.engine.repos.sessionRuns.get(stack.demoTenant, sessionUuid, runUuid);
    expect(run.answer ?? null).toBeNull();
    expect(run.escalation_decision).toMatchObject({ decision: 'reject', reason: 'policy says no' });
  });

  it('two decisions at once: exactly one lands; another tenant cannot decide', async () => {
    const ids = await coordination();
    const asked = await ask({ ...ids, q: 'can I get a refund?' });
    const { sessionUuid, runUuid } = asked.data!;
    const other = wsClient(stack, await stack.token({ endpoint_id: 'other', part_id: 'p', sub: 'eve' }));
    const foreign = await request(other, DECIDE, { s: sessionUuid, r: runUuid, d: 'APPROVE' });
    expect(foreign.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    await other.dispose();
    const both = await Promise.all([
      decide({ s: sessionUuid, r: runUuid, d: 'APPROVE' }),
      decide({ s: sessionUuid, r: runUuid, d: 'REJECT' }),
    ]);
    const won = both.filter((r) => !r.errors);
    expect(won).toHaveLength(1);
    expect(both.filter((r) => r.errors?.[0]?.extensions?.code === 'CONFLICT')).toHaveLength(1);
    const run = await stack.engine.repos.sessionRuns.get(stack.demoTenant, sessionUuid, runUuid);
    expect(run.status).toBe(won[0]!.data!.decideEscalation.operation.status);
  });
});
