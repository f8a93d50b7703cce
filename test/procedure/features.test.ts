import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEgressGuard } from '../../src/egress/guard.js';
import { createActionRegistry } from '../../src/hubs/procedure/actions.js';
import { lambdaInvoker } from '../../src/wiring/lambda-invoker.js';
import { tenantA, tenantB } from '../support/env.js';
import { agentsByName, createSqsBed, queueDrained, seedTask, waitFor, waitForStatus } from './support.js';

/** A local stand-in for the Lambda Invoke API: POST /2015-03-31/functions/{name}/invocations. */
async function startLambdaStandIn() {
  const calls: { functionName: string; payload: Record<string, unknown> }[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      const match = req.url?.match(/^\/2015-03-31\/functions\/([^/]+)\/invocations/);
      const functionName = decodeURIComponent(match?.[1] ?? '');
      const payload = JSON.parse(body || '{}') as Record<string, unknown>;
      calls.push({ functionName, payload });
      res.setHeader('content-type', 'application/json');
      if (functionName === 'ace-test-broken') {
        res.setHeader('x-amz-function-error', 'Unhandled');
        res.end(JSON.stringify({ errorMessage: 'boom', errorType: 'Error' }));
        return;
      }
      const agent = payload.session_agent as { agent_output?: string };
      res.end(JSON.stringify({ agent_output: `lambda(${functionName}): ${agent.agent_output}` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return { endpoint: `http://127.0.0.1:${port}`, calls, close: () => new Promise((r) => server.close(r)) };
}

describe('procedure hub features (local SQS + dynalite)', () => {
  let bed: Awaited<ReturnType<typeof createSqsBed>>;
  let lambdaServer: Awaited<ReturnType<typeof startLambdaStandIn>>;
  beforeAll(async () => {
    lambdaServer = await startLambdaStandIn();
    const lambda = new LambdaClient({
      region: 'us-east-1',
      endpoint: lambdaServer.endpoint,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    // Lambda actions only under the stage's prefix (ACE_TOOL_LAMBDA_PREFIX).
    const egress = createEgressGuard({ lambdaPrefix: 'ace-test-' });
    bed = await createSqsBed({
      actions: createActionRegistry({ invokeLambda: lambdaInvoker(lambda), egress }),
    });
  });
  afterAll(async () => {
    await bed.stop();
    await lambdaServer.close();
  });
  const start = (task: { coordinationUuid: string; taskUuid: string }, extra: Record<string, unknown> = {}) =>
    bed.hub.executeProcedureTaskSession(tenantA, {
      coordinationUuid: task.coordinationUuid,
      taskUuid: task.taskUuid,
      ...extra,
    });
  const finished = (task: { coordinationUuid: string }, sessionUuid: string) =>
    waitForStatus(bed.env, task.coordinationUuid, sessionUuid, ['completed', 'failed']);

  it('two branches: one waits for user input while the other completes; input resumes it', async () => {
    const task = await seedTask(bed.env, [
      { name: 'ask', userInTheLoop: true, script: { answer: 'which colour?' } },
      { name: 'after-ask', preds: ['ask'], script: { answer: '{input}' } },
      { name: 'free', script: { answer: 'free done' } },
      { name: 'free-2', preds: ['free'] },
    ]);
    const session = await start(task);
    const waiting = await waitFor(
      () => agentsByName(bed.env, session.session_uuid),
      (m) => m.get('ask')?.state === 'wait_for_user_input' && m.get('free-2')?.state === 'completed',
    );
    expect(waiting.get('after-ask')?.state).toBe('initial');
    expect(
      (await bed.env.repos.sessions.get(tenantA, task.coordinationUuid, session.session_uuid)).status,
    ).toBe('in_progress');
    // executeForUserInput is refused unless the agent waits
    const free = waiting.get('free');
    await expect(
      bed.hub.executeForUserInput(tenantA, {
        sessionUuid: session.session_uuid,
        sessionAgentUuid: free?.session_agent_uuid ?? '',
        userInput: 'x',
      }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    const ask = waiting.get('ask');
    await bed.hub.executeForUserInput(tenantA, {
      sessionUuid: session.session_uuid,
      sessionAgentUuid: ask?.session_agent_uuid ?? '',
      userInput: 'blue',
    });
    // a second answer is a conflict: the agent no longer waits
    await expect(
      bed.hub.executeForUserInput(tenantA, {
        sessionUuid: session.session_uuid,
        sessionAgentUuid: ask?.session_agent_uuid ?? '',
        userInput: 'red',
      }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    expect((await finished(task, session.session_uuid)).status).toBe('completed');
    const agents = await agentsByName(bed.env, session.session_uuid);
    expect(agents.get('after-ask')?.agent_output).toBe(
      'task for after-ask\n\nagent_output(ask): which colour?\n\nuser_input: blue',
    );
  });

  it('action functions: built-in merge (deduplicated, ordered) and a Lambda by name', async () => {
    const task = await seedTask(bed.env, [
      { name: 'alpha', script: { answer: 'Intro\n\nShared point' } },
      { name: 'beta', script: { answer: 'shared   point\n\nBeta detail' } },
      {
        name: 'merge',
        preds: ['alpha', 'beta'],
        actionFunction: { name: 'merge_outputs' },
        script: { answer: '' },
      },
      {
        name: 'post',
        preds: ['merge'],
        actionFunction: { type: 'lambda', function_name: 'ace-test-publisher' },
      },
    ]);
    const session = await start(task);
    expect((await finished(task, session.session_uuid)).status).toBe('completed');
    const agents = await agentsByName(bed.env, session.session_uuid);
    expect(agents.get('merge')?.agent_output).toBe(
      '# Report\n\n## alpha\n\nIntro\n\nShared point\n\n## beta\n\nBeta detail',
    );
    expect(agents.get('post')?.agent_output).toBe('lambda(ace-test-publisher): post: done');
    const call = lambdaServer.calls.find((c) => c.functionName === 'ace-test-publisher');
    expect((call?.payload.predecessors as { agent_name: string }[] | undefined)?.[0]?.agent_name).toBe(
      'merge',
    );
    expect(call?.payload.endpoint_id).toBe(tenantA.endpointId);
  });

  it('a failing Lambda action fails the agent and (fail_fast) the session, with the reason', async () => {
    const task = await seedTask(bed.env, [
      { name: 'only', actionFunction: { type: 'lambda', function_name: 'ace-test-broken' } },
    ]);
    const session = await start(task);
    const done = await finished(task, session.session_uuid);
    expect(done.status).toBe('failed');
    expect(done.logs).toContain('boom');
    expect((await agentsByName(bed.env, session.session_uuid)).get('only')?.state).toBe('failed');
  });

  it('a Lambda outside ACE_TOOL_LAMBDA_PREFIX is refused with the reason and never invoked', async () => {
    const task = await seedTask(bed.env, [
      { name: 'only', actionFunction: { type: 'lambda', function_name: 'billing-prod-delete-all' } },
    ]);
    const session = await start(task);
    const done = await finished(task, session.session_uuid);
    expect(done.status).toBe('failed');
    expect(done.logs).toContain('billing-prod-delete-all\\" is outside the allowed prefix');
    expect(lambdaServer.calls.some((c) => c.functionName === 'billing-prod-delete-all')).toBe(false);
  });

  it('a decompose agent writes the subtask queries; {placeholders} are filled from a JSON task query', async () => {
    const task = await seedTask(
      bed.env,
      [
        { name: 'research', noSubtask: true, script: { answer: '{input}' } },
        { name: 'write', preds: ['research'], noSubtask: true, script: { answer: 'W' } },
        { name: 'planner', type: 'decompose', script: { answer: 'PLACEHOLDER' } },
      ],
      { taskQuery: '{"topic": "owls", "tags": ["a", "b"]}' },
    );
    const coordination = await bed.env.repos.coordinations.get(tenantA, task.coordinationUuid);
    const answer = JSON.stringify({
      subtask_queries: [
        { agent_uuid: task.uuidOf('research'), subtask_query: 'research {topic} with {tags}' },
        { agent_uuid: task.uuidOf('write'), subtask_query: 'write about {topic}' },
      ],
    });
    await bed.env.repos.coordinations.update(tenantA, task.coordinationUuid, {
      agents: coordination.agents.map((a) =>
        a.agent_name === 'planner'
          ? { ...a, script: { answer: `Here you go:\n\`\`\`json\n${answer}\n\`\`\`` } }
          : a,
      ),
      updated_by: 'test',
    });
    const session = await start(task);
    expect((await finished(task, session.session_uuid)).status).toBe('completed');
    const stored = await bed.env.repos.sessions.get(tenantA, task.coordinationUuid, session.session_uuid);
    expect(stored.subtask_queries).toHaveLength(2);
    const agents = await agentsByName(bed.env, session.session_uuid);
    expect(agents.get('research')?.agent_output).toBe('research owls with a,b');
    expect(agents.get('write')?.subtask_query).toBe('write about owls');
  });

  it('a decompose agent with a bad answer fails the session with a reason', async () => {
    const task = await seedTask(bed.env, [
      { name: 'worker', noSubtask: true },
      { name: 'planner', type: 'decompose', script: { answer: '{"subtask_queries": "not a list"}' } },
    ]);
    const session = await start(task);
    const done = await finished(task, session.session_uuid);
    expect(done.status).toBe('failed');
    expect(done.logs).toContain('gave an invalid answer');
  });

  it.each([
    ['fail_fast', 'initial'],
    ['continue', 'completed'],
  ] as const)('a failing agent under %s: the independent branch ends %s', async (mode, independentState) => {
    const task = await seedTask(
      bed.env,
      [
        { name: 'bad', script: { always_fail: true } },
        { name: 'bad-child', preds: ['bad'] },
        { name: 'slow', script: { delay_ms: 150 } },
        { name: 'slow-child', preds: ['slow'] },
        { name: 'flaky', script: { fail_times: 2 } },
      ],
      { policy: { failure_mode: mode, max_retries: 2 } },
    );
    const session = await start(task);
    const done = await finished(task, session.session_uuid);
    expect(done.status).toBe('failed');
    expect(done.logs).toContain('always fails');
    const agents = await waitFor(
      () => agentsByName(bed.env, session.session_uuid),
      (m) => !['executing'].includes(m.get('slow')?.state ?? ''),
    );
    expect(agents.get('bad')?.state).toBe('failed');
    expect(agents.get('bad-child')?.state).toBe(mode === 'continue' ? 'failed' : 'initial');
    if (mode === 'continue') {
      expect(agents.get('slow-child')?.state).toBe(independentState);
      expect(agents.get('flaky')?.state).toBe('completed'); // retried twice, then succeeded
      expect(agents.get('bad-child')?.notes).toContain('skipped');
    } else {
      // fail fast: nothing new starts once the session failed, also once every message was handled
      await queueDrained(bed);
      expect((await agentsByName(bed.env, session.session_uuid)).get('slow-child')?.state).toBe(
        independentState,
      );
    }
  });

  it('max_parallel bounds the running agents of a session', async () => {
    bed.runtime.reset();
    const wide = Array.from({ length: 12 }, (_, i) => ({ name: `w${i}`, script: { delay_ms: 40 } }));
    const task = await seedTask(bed.env, [...wide, { name: 'end', preds: wide.map((w) => w.name) }], {
      policy: { max_parallel: 3 },
    });
    const session = await start(task);
    expect((await finished(task, session.session_uuid)).status).toBe('completed');
    expect(bed.runtime.stats.calls).toBe(13);
    expect(bed.runtime.stats.maxRunning).toBeLessThanOrEqual(3);
    expect(bed.runtime.stats.maxRunning).toBeGreaterThanOrEqual(2);
    const stored = await bed.env.repos.sessions.get(tenantA, task.coordinationUuid, session.session_uuid);
    expect(stored.status).toBe('completed');
    // Every slot was given back: nothing holds one once the session completed and its messages were handled.
    await queueDrained(bed);
    const { Item } = await bed.env.clients.doc.send(
      new GetCommand({
        TableName: bed.env.clients.tables.sessions,
        Key: { coordination_uuid: task.coordinationUuid, session_uuid: session.session_uuid },
        ConsistentRead: true,
      }),
    );
    expect(Item?.running_agents ?? new Set()).toEqual(new Set());
  });

  it('execute_task idempotency: a repeated key returns the first session, and nothing else starts', async () => {
    const task = await seedTask(bed.env, [{ name: 'one' }]);
    const first = await start(task, { idempotencyKey: 'key-1' });
    const again = await start(task, { idempotencyKey: 'key-1' });
    expect(again.session_uuid).toBe(first.session_uuid);
    // the same key in another tenant is another execution
    const taskB = await seedTask(bed.env, [{ name: 'one' }], { tenant: tenantB });
    const other = await bed.hub.executeProcedureTaskSession(tenantB, {
      coordinationUuid: taskB.coordinationUuid,
      taskUuid: taskB.taskUuid,
      idempotencyKey: 'key-1',
    });
    expect(other.session_uuid).not.toBe(first.session_uuid);
    // the public message, twice, through the queue
    await bed.queue.send([
      ...[1, 2].map(() => ({
        type: 'execute_task',
        v: 1,
        endpoint_id: tenantA.endpointId,
        part_id: tenantA.partId,
        coordination_uuid: task.coordinationUuid,
        task_uuid: task.taskUuid,
        idempotency_key: 'key-2',
      })),
    ]);
    const sessions = await waitFor(
      () => bed.env.repos.sessions.list(tenantA, { coordinationUuid: task.coordinationUuid }),
      (list) => list.length >= 2 && list.every((s) => s.status === 'completed'),
    );
    await queueDrained(bed); // both deliveries handled to their end
    expect(
      await bed.env.repos.sessions.list(tenantA, { coordinationUuid: task.coordinationUuid }),
    ).toHaveLength(2);
    expect(sessions.map((s) => s.session_uuid)).toContain(first.session_uuid);
  });

  it('resume is safe at any time: called while a session starts, runs and after it finished, no agent runs twice', async () => {
    bed.runtime.reset();
    const task = await seedTask(bed.env, [
      { name: 'r1', script: { delay_ms: 30 } },
      { name: 'r2', preds: ['r1'], script: { delay_ms: 30 } },
      { name: 'r3', preds: ['r2'] },
    ]);
    const session = await start(task);
    const resume = () =>
      bed.hub.resumeProcedureTaskSession(tenantA, session.session_uuid).catch((e: Error) => {
        if (!/not found/i.test(e.message)) throw e; // before the first agent row exists the session is still found
      });
    const reached = (name: string, states: string[]) =>
      waitFor(
        () => agentsByName(bed.env, session.session_uuid),
        (m) => states.includes(m.get(name)?.state ?? ''),
      );
    await resume(); // while it starts
    await reached('r1', ['executing', 'completed']);
    await resume(); // while the first agent runs (or has just finished)
    await reached('r2', ['executing', 'completed']);
    await Promise.all([resume(), resume()]); // concurrently, while the second runs
    await reached('r3', ['executing', 'completed']);
    await resume();
    expect((await finished(task, session.session_uuid)).status).toBe('completed');
    const report = await bed.hub.resumeProcedureTaskSession(tenantA, session.session_uuid);
    expect(report).toMatchObject({ status: 'completed', dispatched: 0 });
    for (const name of ['r1', 'r2', 'r3']) expect(bed.runtime.invocations.get(task.uuidOf(name))).toBe(1);
  });

  it('rejects an invalid DAG before writing anything', async () => {
    const task = await seedTask(bed.env, [
      { name: 'x', preds: ['y'] },
      { name: 'y', preds: ['x'] },
    ]);
    await expect(start(task)).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(
      await bed.env.repos.sessions.list(tenantA, { coordinationUuid: task.coordinationUuid }),
    ).toHaveLength(0);
  });
});
