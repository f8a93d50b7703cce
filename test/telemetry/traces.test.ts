import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../src/local/stack.js';
import { ensureTelemetry, shutdownTelemetry } from '../../src/telemetry/index.js';
import { startTestStack, wsClient } from '../transport/support.js';

/**
 * One session started by one GraphQL mutation, run over the real local SQS
 * queue, is one trace: the mutation's span, a consumer span per queue
 * message (continued from the W3C traceparent message attribute), an
 * invoke_agent span per agent and a chat span per runtime call, with the
 * GenAI attributes.
 */
const exporter = new InMemorySpanExporter();
let stack: LocalStack;

beforeAll(async () => {
  await ensureTelemetry({}, { exporter });
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.close();
  await shutdownTelemetry();
});

async function gql<T>(
  query: string,
  variables: Record<string, unknown>,
  headers: Record<string, string> = {},
) {
  const response = await fetch(stack.httpUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${await stack.token()}`,
      ...headers,
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data: T; errors?: unknown[] };
  expect(body.errors).toBeUndefined();
  return body.data;
}

const agent = (uuid: string, name: string) => ({
  agentUuid: uuid,
  agentName: name,
  agentDescription: name,
  agentType: 'task',
  runtime: 'scripted',
  script: { answer: `${name} done`, delayMs: 5 },
});

describe('traces', () => {
  it('makes one trace of a session across queue hops, with the GenAI spans', async () => {
    const coordination = await gql<{
      insertUpdateCoordination: { coordination: { coordinationUuid: string } };
    }>(
      `mutation ($agents: JSON) { insertUpdateCoordination(coordinationName: "traced", agents: $agents, updatedBy: "t") {
        coordination { coordinationUuid } } }`,
      { agents: [agent('30000000000000000001', 'Planner'), agent('30000000000000000002', 'Writer')] },
    );
    const c = coordination.insertUpdateCoordination.coordination.coordinationUuid;
    const task = await gql<{ insertUpdateTask: { task: { taskUuid: string } } }>(
      `mutation ($c: String!, $actions: JSON, $queries: JSON) { insertUpdateTask(coordinationUuid: $c, taskName: "t",
        agentActions: $actions, subtaskQueries: $queries, updatedBy: "t") { task { taskUuid } } }`,
      {
        c,
        actions: {
          '30000000000000000001': { predecessors: [] },
          '30000000000000000002': { predecessors: ['30000000000000000001'] },
        },
        queries: [
          { agentUuid: '30000000000000000001', subtaskQuery: 'plan' },
          { agentUuid: '30000000000000000002', subtaskQuery: 'write' },
        ],
      },
    );
    exporter.reset();
    const parentTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const started = await gql<{
      executeProcedureTaskSession: { procedureTaskSession: { sessionUuid: string } };
    }>(
      `mutation StartTraced($c: String!, $t: String!) { executeProcedureTaskSession(coordinationUuid: $c, taskUuid: $t) {
        procedureTaskSession { sessionUuid } } }`,
      { c, t: task.insertUpdateTask.task.taskUuid },
      { traceparent: `00-${parentTrace}-00f067aa0ba902b7-01` },
    );
    const sessionUuid = started.executeProcedureTaskSession.procedureTaskSession.sessionUuid;
    // Wait for the session's end on its event stream (no sleeps).
    const client = wsClient(stack, await stack.token());
    await new Promise<void>((resolve, reject) => {
      client.subscribe(
        {
          query: 'subscription ($s: String!) { sessionEvents(sessionUuid: $s) { type data } }',
          variables: { s: sessionUuid },
        },
        { next: () => undefined, error: reject, complete: resolve },
      );
    });
    await client.dispose();
    // A consumer span ends after the work it ran. The writer runs inline, in the delivery that ran the
    // planner (docs/EXECUTOR.md, "A hop, and inline continuation"): one execute_agent message, one span.
    await expect
      .poll(() => exporter.getFinishedSpans().filter((s) => s.name === 'process execute_agent').length)
      .toBe(1);

    const spans = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === parentTrace);
    const names = spans.map((s) => s.name);
    expect(names).toContain('mutation StartTraced');
    expect(names).toContain('process start_session');
    expect(names.filter((n) => n === 'process execute_agent')).toHaveLength(1);
    expect(names).toEqual(
      expect.arrayContaining(['invoke_agent Planner', 'invoke_agent Writer', 'chat scripted']),
    );
    // Everything of this session is in the one trace the caller started.
    const sessionSpans = exporter
      .getFinishedSpans()
      .filter((s) => s.attributes['ace.session_uuid'] === sessionUuid || s.name.startsWith('chat'));
    expect(new Set(sessionSpans.map((s) => s.spanContext().traceId))).toEqual(new Set([parentTrace]));

    const byName = (name: string) => spans.find((s) => s.name === name) as ReadableSpan;
    const mutation = byName('mutation StartTraced');
    expect(mutation.attributes).toMatchObject({
      'graphql.operation.type': 'mutation',
      'graphql.operation.name': 'StartTraced',
    });
    expect(mutation.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
    const start = byName('process start_session');
    expect(start.parentSpanContext?.spanId).toBe(mutation.spanContext().spanId);
    expect(start.attributes).toMatchObject({
      'messaging.system': 'aws_sqs',
      'ace.session_uuid': sessionUuid,
    });

    const writer = byName('invoke_agent Writer');
    expect(writer.attributes).toMatchObject({
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.agent.name': 'Writer',
      'gen_ai.agent.id': '30000000000000000002',
      'gen_ai.provider.name': 'ace.scripted',
      'ace.session_uuid': sessionUuid,
    });
    const chat = spans.find(
      (s) => s.name === 'chat scripted' && s.parentSpanContext?.spanId === writer.spanContext().spanId,
    );
    expect(chat?.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'scripted',
      'gen_ai.agent.name': 'Writer',
    });
    // Both agents ran in the one delivery of the planner's message: their spans share its consumer span.
    const agentsProcess = spans.find(
      (s) => s.spanContext().spanId === writer.parentSpanContext?.spanId,
    ) as ReadableSpan;
    expect(agentsProcess.name).toBe('process execute_agent');
    expect(byName('invoke_agent Planner').parentSpanContext?.spanId).toBe(agentsProcess.spanContext().spanId);
  });

  it('marks a failed agent call with error.type', async () => {
    exporter.reset();
    const { invokeAgentSpan } = await import('../../src/telemetry/genai.js');
    const { AgentRuntimeError } = await import('../../src/runtimes/port.js');
    await expect(
      invokeAgentSpan({ agentName: 'Flaky', agentUuid: '1', runtime: 'openai', model: 'gpt-x' }, async () => {
        throw new AgentRuntimeError('rate limited', true);
      }),
    ).rejects.toThrow('rate limited');
    const [span] = exporter.getFinishedSpans();
    expect(span?.name).toBe('invoke_agent Flaky');
    expect(span?.attributes).toMatchObject({
      'error.type': 'AgentRuntimeError',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-x',
    });
    expect(span?.status.code).toBe(2);
  });

  it('gives each tool call an execute_tool span, failed when the tool answers ok: false', async () => {
    exporter.reset();
    const { executeToolSpan } = await import('../../src/telemetry/genai.js');
    await executeToolSpan({ toolName: 'lookup', toolType: 'http', callId: 'call-1' }, async () => ({
      ok: true,
      value: 1,
    }));
    await executeToolSpan({ toolName: 'lookup', toolType: 'http', callId: 'call-2' }, async () => ({
      ok: false,
      value: 'x',
    }));
    const [ok, failed] = exporter.getFinishedSpans();
    expect(ok?.name).toBe('execute_tool lookup');
    expect(ok?.attributes).toMatchObject({
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'lookup',
      'gen_ai.tool.type': 'http',
      'gen_ai.tool.call.id': 'call-1',
    });
    expect(ok?.status.code).toBe(0);
    expect(failed?.attributes['error.type']).toBe('tool_error');
    expect(failed?.status.code).toBe(2);
  });
});
