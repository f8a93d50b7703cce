import { afterEach, describe, expect, it } from 'vitest';
import type { Agent } from '../../src/domain/coordination/model.js';
import { createCoreEngineRuntime } from '../../src/runtimes/core-engine.js';
import { envCredentials } from '../../src/runtimes/credentials.js';
import { AgentRuntimeError } from '../../src/runtimes/port.js';
import { type RecordedRequest, sendJson, startHttpServer, type TestServer } from './support/http-server.js';

const agent = (extra: Record<string, unknown> = {}): Agent => ({
  agent_uuid: 'local-1',
  agent_name: 'Legacy',
  agent_type: 'task',
  runtime: 'core_engine',
  core_agent_uuid: 'remote-agent-9',
  poll_interval_ms: 10,
  ...extra,
});

type Gql = { query: string; variables: Record<string, unknown> };
const vars = (req: RecordedRequest | undefined) => (req?.json as Gql | undefined)?.variables;
const op = (req: RecordedRequest) => (req.json as Gql).query.match(/^query (\w+)/)?.[1];

/** A fake AI Agent Core Engine: askModel starts a task; asyncTask reports the statuses given, one per poll. */
function coreEngine(statuses: { status: string; result?: string; notes?: string }[]) {
  let polls = 0;
  return (req: RecordedRequest, res: import('node:http').ServerResponse) => {
    const { variables } = req.json as Gql;
    if (op(req) === 'askModel') {
      return sendJson(res, 200, {
        data: {
          askModel: {
            agentUuid: variables.agentUuid,
            threadUuid: (variables.threadUuid as string | undefined) ?? 'remote-thread-1',
            userQuery: variables.userQuery,
            functionName: 'async_execute_ask_model',
            asyncTaskUuid: 'task-77',
            currentRunUuid: 'run-5',
          },
        },
      });
    }
    const current = statuses[Math.min(polls++, statuses.length - 1)];
    return sendJson(res, 200, { data: { asyncTask: { ...current, outputFiles: null } } });
  };
}

describe('AI Agent Core Engine runtime against a local GraphQL server', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  async function runtimeFor(handler: Parameters<typeof startHttpServer>[0]) {
    server = await startHttpServer(handler);
    const credentials = envCredentials({
      ACE_CORE_ENGINE_BASE_URL: `${server.url}/beta/core`,
      ACE_CORE_ENGINE_API_KEY: 'k1',
    });
    return createCoreEngineRuntime({ credentials });
  }

  it('asks the model, polls asyncTask until completed, and returns its thread and task', async () => {
    const runtime = await runtimeFor(
      coreEngine([
        { status: 'initial' },
        { status: 'in_progress' },
        { status: 'completed', result: 'Legacy answer' },
      ]),
    );
    const chunks: string[] = [];
    const result = await runtime.run({
      agent: agent(),
      threadUuid: 'ours-1',
      newThread: true,
      userId: 'u1',
      input: 'What is the status?',
      onChunk: (c) => {
        chunks.push(c);
      },
    });

    expect(result).toEqual({
      output: 'Legacy answer',
      threadUuid: 'remote-thread-1',
      asyncTaskUuid: 'task-77',
    });
    expect(chunks).toEqual(['Legacy answer']);
    const requests = server!.requests;
    expect(requests.map(op)).toEqual(['askModel', 'asyncTask', 'asyncTask', 'asyncTask']);
    expect(requests[0]?.url).toBe('/beta/core');
    expect(requests[0]?.headers['x-api-key']).toBe('k1');
    expect(vars(requests[0])).toEqual({
      agentUuid: 'remote-agent-9',
      userId: 'u1',
      userQuery: 'What is the status?',
      stream: false,
      updatedBy: 'u1',
    });
    expect(vars(requests[1])).toEqual({
      functionName: 'async_execute_ask_model',
      asyncTaskUuid: 'task-77',
    });
  });

  it('continues an existing thread by passing its uuid', async () => {
    const runtime = await runtimeFor(coreEngine([{ status: 'completed', result: 'ok' }]));
    const result = await runtime.run({
      agent: agent(),
      threadUuid: 'remote-thread-4',
      userId: 'u1',
      input: 'more',
    });
    expect(result.threadUuid).toBe('remote-thread-4');
    expect(vars(server!.requests[0])?.threadUuid).toBe('remote-thread-4');
  });

  it('reports a failed task as a non-retryable error with its notes', async () => {
    const runtime = await runtimeFor(coreEngine([{ status: 'failed', notes: 'model exploded' }]));
    const error = await runtime
      .run({ agent: agent(), threadUuid: 't', userId: 'u', input: 'x' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AgentRuntimeError);
    expect(error).toMatchObject({ retryable: false, message: expect.stringMatching(/model exploded/) });
  });

  it('gives up polling after timeout_ms with a retryable timeout', async () => {
    const runtime = await runtimeFor(coreEngine([{ status: 'in_progress' }]));
    const error = await runtime
      .run({ agent: agent({ timeout_ms: 300 }), threadUuid: 't', userId: 'u', input: 'x' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: 'AgentRuntimeError',
      retryable: true,
      message: expect.stringMatching(/timed out/),
    });
    const polls = server!.requests.filter((r) => op(r) === 'asyncTask').length;
    expect(polls).toBeGreaterThan(1);
  });

  it('retries 429/5xx answers of each call, then succeeds', async () => {
    const engine = coreEngine([{ status: 'completed', result: 'after retries' }]);
    const runtime = await runtimeFor((req, res, i) => {
      if (i === 0) return sendJson(res, 503, { message: 'unavailable' });
      if (i === 2) return sendJson(res, 429, { message: 'slow down' });
      return engine(req, res);
    });
    const result = await runtime.run({
      agent: agent({ max_retries: 2 }),
      threadUuid: 't',
      userId: 'u',
      input: 'x',
    });
    expect(result.output).toBe('after retries');
    expect(server!.requests.map(op)).toEqual(['askModel', 'askModel', 'asyncTask', 'asyncTask']);
  });

  it('maps GraphQL errors to a non-retryable error and exhausted 5xx retries to a retryable one', async () => {
    const rejecting = await runtimeFor((_req, res) =>
      sendJson(res, 200, { errors: [{ message: 'agent not found' }] }),
    );
    await expect(
      rejecting.run({ agent: agent(), threadUuid: 't', userId: 'u', input: 'x' }),
    ).rejects.toMatchObject({
      retryable: false,
      message: expect.stringMatching(/agent not found/),
    });
    await server?.close();
    const down = await runtimeFor((_req, res) => sendJson(res, 502, {}));
    await expect(
      down.run({ agent: agent({ max_retries: 1 }), threadUuid: 't', userId: 'u', input: 'x' }),
    ).rejects.toMatchObject({ retryable: true });
    expect(server!.requests).toHaveLength(2);
  });
});
