import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClients } from '../../src/clients.js';
import { loadConfig } from '../../src/config.js';
import { newId } from '../../src/ids.js';
import { DEMO_TENANT, type LocalStack } from '../../src/local/stack.js';
import { envCredentials } from '../../src/runtimes/credentials.js';
import { createRuntimeResolver } from '../../src/runtimes/resolver.js';
import { createThreadStore } from '../../src/threads/store.js';
import { seededRandom } from '../procedure/support.js';
import { startHttpServer, type TestServer } from '../runtimes/support/http-server.js';
import { waitUntil } from '../support/wait.js';
import { startTestStack } from '../transport/support.js';

interface Range {
  expected: number;
  low: number;
  high: number;
}
interface Estimate {
  modelCalls: Range;
  tokens: Range;
  costUsd: Range | null;
  agents: { agentName: string; basis: string; sampleRuns: number }[];
  assumptions: string[];
}
// biome-ignore lint/suspicious/noExplicitAny: test responses
type Data = Record<string, any>;

const ESTIMATE_FIELDS = `modelCalls { expected low high } tokens { expected low high } costUsd { expected low high }
  agents { agentName basis sampleRuns } assumptions`;

/** An OpenAI-compatible server whose usage varies per request (a seeded sequence), like a real model's. */
function startModelServer(): Promise<TestServer> {
  const random = seededRandom(17);
  return startHttpServer((req, res) => {
    const body = req.json as { model: string; stream?: boolean };
    const usage = {
      prompt_tokens: 800 + Math.floor(random() * 400),
      completion_tokens: 150 + Math.floor(random() * 350),
    };
    const base = { id: 'c', created: 1, model: body.model };
    if (!body.stream) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          ...base,
          object: 'chat.completion',
          choices: [
            { index: 0, message: { role: 'assistant', content: 'a finding' }, finish_reason: 'stop' },
          ],
          usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
        }),
      );
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const chunk = (payload: object) =>
      res.write(`data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', ...payload })}\n\n`);
    chunk({ choices: [{ index: 0, delta: { content: 'a finding' } }] });
    chunk({ choices: [], usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens } });
    res.end('data: [DONE]\n\n');
  });
}

describe('cost estimate of a task execution', () => {
  let stack: LocalStack;
  let model: TestServer;
  let token: string;
  let coordinationUuid: string;
  let taskUuid: string;
  const research = newId();
  const writer = newId();

  async function gql(query: string, variables: Record<string, unknown> = {}): Promise<Data> {
    const response = await fetch(stack.httpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    const result = (await response.json()) as { data?: Data; errors?: unknown };
    if (result.errors) throw new Error(JSON.stringify(result.errors));
    return result.data ?? {};
  }

  const runsCounted = async () => {
    const d = await gql(
      'query ($c: String!) { agentAnalytics(coordinationUuid: $c, from: "2020-01-01", to: "2099-01-01") { runs } }',
      { c: coordinationUuid },
    );
    return (d.agentAnalytics as { runs: number }[]).reduce((n, a) => n + a.runs, 0);
  };

  /** Executes the task and waits until it completed and both its runs are counted; returns its usage. */
  async function execute(select = '') {
    const before = await runsCounted();
    const d = await gql(
      `mutation ($c: String!, $t: String!) { executeProcedureTaskSession(coordinationUuid: $c, taskUuid: $t) { procedureTaskSession { sessionUuid } ${select} } }`,
      { c: coordinationUuid, t: taskUuid },
    );
    const s = d.executeProcedureTaskSession.procedureTaskSession.sessionUuid as string;
    const session = await waitUntil(
      () =>
        gql(
          'query ($c: String!, $s: String!) { session(coordinationUuid: $c, sessionUuid: $s) { status usage { totalTokens modelCalls costUsd } } }',
          { c: coordinationUuid, s },
        ),
      (r) => r.session?.status === 'completed',
      'session completed',
    );
    await waitUntil(runsCounted, (n) => n === before + 2, 'both runs counted');
    return {
      payload: d.executeProcedureTaskSession,
      usage: session.session.usage as { totalTokens: number; modelCalls: number; costUsd: number },
    };
  }

  beforeAll(async () => {
    model = await startModelServer();
    const clients = createClients(loadConfig({ LOG_LEVEL: 'silent' }));
    stack = await startTestStack(
      {},
      {
        runtimes: createRuntimeResolver({
          credentials: envCredentials({
            ACE_OPENAI_BASE_URL: `${model.url}/v1`,
            ACE_OPENAI_API_KEY: 'sk-local',
          }),
          threads: createThreadStore(clients),
        }),
      },
    );
    token = await stack.token({ ...DEMO_TENANT, sub: 'planner', roles: ['operator'] });
    const admin = await stack.token({ ...DEMO_TENANT, sub: 'admin', roles: ['admin'] });
    const call = async (query: string, variables: Record<string, unknown>) => {
      const response = await fetch(stack.httpUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
        body: JSON.stringify({ query, variables }),
      });
      return ((await response.json()) as { data: Data }).data;
    };
    const agent = (uuid: string, name: string) => ({
      agentUuid: uuid,
      agentName: name,
      agentType: 'task',
      runtime: 'openai',
      model: 'gpt-4o-mini',
    });
    const c = await call(
      'mutation ($a: JSON) { insertUpdateCoordination(coordinationName: "Reports", agents: $a, updatedBy: "admin") { coordination { coordinationUuid } } }',
      { a: [agent(research, 'Research'), agent(writer, 'Writer')] },
    );
    coordinationUuid = c.insertUpdateCoordination.coordination.coordinationUuid;
    const t = await call(
      'mutation ($c: String!, $aa: JSON, $sq: JSON) { insertUpdateTask(coordinationUuid: $c, taskName: "Report", agentActions: $aa, subtaskQueries: $sq, updatedBy: "admin") { task { taskUuid } } }',
      {
        c: coordinationUuid,
        aa: { [research]: { predecessors: [] }, [writer]: { predecessors: [research] } },
        sq: [
          { agentUuid: research, subtaskQuery: 'find the facts' },
          { agentUuid: writer, subtaskQuery: 'write the report' },
        ],
      },
    );
    taskUuid = t.insertUpdateTask.task.taskUuid;
  }, 60_000);
  afterAll(async () => {
    await stack?.close();
    await model?.close();
  });

  it('without history: stated assumptions and a wide range, nothing written', async () => {
    const d = await gql(
      `query ($c: String!, $t: String!) { estimateProcedureTaskSession(coordinationUuid: $c, taskUuid: $t) { ${ESTIMATE_FIELDS} } }`,
      {
        c: coordinationUuid,
        t: taskUuid,
      },
    );
    const estimate = d.estimateProcedureTaskSession as Estimate;
    expect(estimate.agents.map((a) => a.basis)).toEqual(['assumption', 'assumption']);
    expect(estimate.assumptions).toHaveLength(2);
    expect(estimate.assumptions[0]).toMatch(/no runs in the last 30 days/);
    expect(estimate.modelCalls).toEqual({ expected: 2, low: 1, high: 6 });
    expect(estimate.costUsd?.expected).toBeGreaterThan(0);
    expect(await runsCounted()).toBe(0);
  });

  it('the estimate from five executions contains the sixth, and executeProcedureTaskSession returns it', async () => {
    const past = [];
    for (let i = 0; i < 5; i++) past.push((await execute()).usage);
    const dry = (
      await gql(
        `query ($c: String!, $t: String!) { estimateProcedureTaskSession(coordinationUuid: $c, taskUuid: $t) { ${ESTIMATE_FIELDS} } }`,
        {
          c: coordinationUuid,
          t: taskUuid,
        },
      )
    ).estimateProcedureTaskSession as Estimate;
    expect(dry.agents.map((a) => [a.agentName, a.basis, a.sampleRuns]).sort()).toEqual([
      ['Research', 'history', 5],
      ['Writer', 'history', 5],
    ]);
    // The five runs' usage differs, so the range is a real one around their mean.
    const tokens = past.map((u) => u.totalTokens);
    expect(new Set(tokens).size).toBeGreaterThan(1);
    expect(dry.tokens.expected).toBeCloseTo(tokens.reduce((a, b) => a + b, 0) / 5, 6);
    expect(dry.tokens.low).toBeLessThan(Math.min(...tokens));
    expect(dry.tokens.high).toBeGreaterThan(Math.max(...tokens));

    const sixth = await execute(`estimate { ${ESTIMATE_FIELDS} }`);
    console.log(
      `estimate: tokens ${dry.tokens.low}..${dry.tokens.high} (expected ${dry.tokens.expected}), cost ${dry.costUsd?.low}..${dry.costUsd?.high}; sixth run: ${sixth.usage.totalTokens} tokens, ${sixth.usage.costUsd} USD`,
    );
    expect(sixth.payload.estimate).toEqual(dry);
    expect(sixth.usage.modelCalls).toBeGreaterThanOrEqual(dry.modelCalls.low);
    expect(sixth.usage.modelCalls).toBeLessThanOrEqual(dry.modelCalls.high);
    expect(sixth.usage.totalTokens).toBeGreaterThanOrEqual(dry.tokens.low);
    expect(sixth.usage.totalTokens).toBeLessThanOrEqual(dry.tokens.high);
    expect(sixth.usage.costUsd).toBeGreaterThanOrEqual(dry.costUsd!.low);
    expect(sixth.usage.costUsd).toBeLessThanOrEqual(dry.costUsd!.high);
  }, 120_000);
});
