import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * The crash test with real time, as a user meets it: `npm start` on a
 * `--data` directory, 20 sessions of 1.5 s agents, the process killed with
 * SIGKILL mid-agent, started again on the same directory. Nobody calls
 * resume: the startup sweep and the heartbeat leases (30 s by default) must
 * finish every session within 2 minutes.
 */
const SESSIONS = 20;
const children: ChildProcess[] = [];
const dataDir = mkdtempSync(join(tmpdir(), 'ace-crash-'));

afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

interface Started {
  readonly child: ChildProcess;
  readonly url: string;
  readonly token: string;
}

/** `npm start --port 0 --data <dir>`; resolves with the URL and dev token from its banner. */
function startStack(): Promise<Started> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/local/main.ts',
      '--port',
      '0',
      '--data',
      dataDir,
      '--no-seed',
      '--log-level',
      'error',
    ],
    { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'error' } },
  );
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const url = /POST (http:\/\/\S+\/graphql)/.exec(out)?.[1];
      const token = /TOKEN=(\S+)/.exec(out)?.[1];
      if (url && token) resolve({ child, url, token });
    });
    child.stderr?.on('data', () => undefined);
    child.on('exit', (code) => reject(new Error(`stack exited with ${code} before its banner: ${out}`)));
  });
}

async function gql<T>(stack: Started, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const response = await fetch(stack.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown[] };
  if (body.errors?.length) throw new Error(JSON.stringify(body.errors));
  return body.data as T;
}

const statusesOf = async (stack: Started, coordinationUuid: string) => {
  const data = await gql<{ sessionList: { sessionList: { status: string }[] } }>(
    stack,
    'query ($c: String!) { sessionList(coordinationUuid: $c, limit: 100) { sessionList { status } } }',
    { c: coordinationUuid },
  );
  return data.sessionList.sessionList.map((s) => s.status);
};

async function until<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`not met in ${timeoutMs} ms: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('crash of the local stack with real time', () => {
  it('kill -9 mid-agent, restart on the same --data: every session completes within 2 minutes, no manual call', {
    timeout: 300_000,
  }, async () => {
    // Prepare: a chain of three 1.5 s agents.
    const first = await startStack();
    const names = ['draft', 'review', 'publish'];
    const agents = names.map((name, i) => ({
      agent_uuid: `1000000000000000000${i}`,
      agent_name: name,
      agent_description: name,
      agent_type: 'task',
      runtime: 'scripted',
      script: { answer: `${name} done`, delay_ms: 1500 },
    }));
    const coordination = await gql<{
      insertUpdateCoordination: { coordination: { coordinationUuid: string } };
    }>(
      first,
      'mutation ($a: JSON) { insertUpdateCoordination(coordinationName: "crash", agents: $a, updatedBy: "t") { coordination { coordinationUuid } } }',
      { a: agents },
    );
    const c = coordination.insertUpdateCoordination.coordination.coordinationUuid;
    const actions = Object.fromEntries(
      agents.map((a, i) => [a.agent_uuid, { predecessors: i === 0 ? [] : [agents[i - 1]?.agent_uuid] }]),
    );
    const subtasks = agents.map((a) => ({ agent_uuid: a.agent_uuid, subtask_query: `do ${a.agent_name}` }));
    const task = await gql<{ insertUpdateTask: { task: { taskUuid: string } } }>(
      first,
      'mutation ($c: String!, $a: JSON, $s: JSON) { insertUpdateTask(coordinationUuid: $c, taskName: "chain", agentActions: $a, subtaskQueries: $s, updatedBy: "t") { task { taskUuid } } }',
      { c, a: actions, s: subtasks },
    );
    const t = task.insertUpdateTask.task.taskUuid;
    for (let i = 0; i < SESSIONS; i++) {
      await gql(
        first,
        'mutation ($c: String!, $t: String!) { executeProcedureTaskSession(coordinationUuid: $c, taskUuid: $t) { procedureTaskSession { sessionUuid } } }',
        { c, t },
      );
    }
    // Act: kill it while agents run (some sessions have started, none has finished).
    await until(
      () =>
        gql<{ sessionAgentList: { sessionAgentList: { state: string }[] } }>(
          first,
          'query { sessionAgentList(states: ["executing"], limit: 100) { sessionAgentList { state } } }',
        ),
      (d) => d.sessionAgentList.sessionAgentList.length >= 5,
      60_000,
    );
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    const restartedAt = Date.now();
    const second = await startStack();
    const beforeRecovery = await statusesOf(second, c);
    const finalStatuses = await until(
      () => statusesOf(second, c),
      (s) => s.length === SESSIONS && s.every((x) => x === 'completed'),
      120_000,
    );
    const recoveryMs = Date.now() - restartedAt;
    // Assess
    expect(beforeRecovery.filter((s) => s === 'completed').length).toBeLessThan(SESSIONS);
    expect(finalStatuses).toEqual(Array.from({ length: SESSIONS }, () => 'completed'));
    console.info(`crash-restart: ${SESSIONS} sessions completed ${recoveryMs} ms after the restart`);
    second.child.kill('SIGTERM');
  });
});
