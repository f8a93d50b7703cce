import type { Span } from '@opentelemetry/api';
import { inSpan, markError, SpanKind } from './tracing.js';

/**
 * Spans of agent work with the OpenTelemetry GenAI semantic conventions:
 * `invoke_agent {agent}`, `chat {model}`, `execute_tool {tool}`, with
 * gen_ai.operation.name, gen_ai.provider.name, gen_ai.request.model,
 * gen_ai.agent.name, gen_ai.tool.name, gen_ai.usage.input_tokens,
 * gen_ai.usage.output_tokens and error.type. Engine ids go in `ace.*`.
 */
export interface AgentSpanInfo {
  readonly agentName: string;
  readonly agentUuid: string;
  /** The runtime kind (scripted, openai, bedrock, core_engine). */
  readonly runtime?: string;
  readonly model?: string;
  readonly sessionUuid?: string;
  readonly sessionAgentUuid?: string;
}

/** gen_ai.provider.name for each runtime kind (well-known values where the spec has one). */
export function providerName(runtime: string | undefined): string {
  switch (runtime) {
    case 'openai':
      return 'openai';
    case 'bedrock':
      return 'aws.bedrock';
    case undefined:
    case 'scripted':
      return 'ace.scripted';
    default:
      return `ace.${runtime}`;
  }
}

function agentAttributes(info: AgentSpanInfo) {
  return {
    'gen_ai.provider.name': providerName(info.runtime),
    'gen_ai.agent.name': info.agentName,
    'gen_ai.agent.id': info.agentUuid,
    ...(info.model && { 'gen_ai.request.model': info.model }),
    ...(info.sessionUuid && { 'ace.session_uuid': info.sessionUuid }),
    ...(info.sessionAgentUuid && { 'ace.session_agent_uuid': info.sessionAgentUuid }),
  };
}

export function invokeAgentSpan<T>(info: AgentSpanInfo, fn: (span: Span | undefined) => Promise<T>) {
  return inSpan(
    `invoke_agent ${info.agentName}`,
    {
      kind: SpanKind.INTERNAL,
      attributes: { 'gen_ai.operation.name': 'invoke_agent', ...agentAttributes(info) },
    },
    fn,
  );
}

/** Token counts as a runtime reports them (either spelling), where it does. */
export interface UsageLike {
  readonly input_tokens?: number;
  readonly output_tokens?: number;
  readonly inputTokens?: number;
  readonly outputTokens?: number;
}

export function recordUsage(span: Span | undefined, usage: UsageLike | undefined): void {
  if (!span || !usage) return;
  const input = usage.input_tokens ?? usage.inputTokens;
  const output = usage.output_tokens ?? usage.outputTokens;
  if (input !== undefined) span.setAttribute('gen_ai.usage.input_tokens', input);
  if (output !== undefined) span.setAttribute('gen_ai.usage.output_tokens', output);
}

export function chatSpan<T extends { usage?: UsageLike }>(
  info: AgentSpanInfo,
  fn: (span: Span | undefined) => Promise<T>,
) {
  const model = info.model ?? info.runtime ?? 'scripted';
  return inSpan(
    `chat ${model}`,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'gen_ai.operation.name': 'chat',
        ...agentAttributes(info),
        'gen_ai.request.model': model,
      },
    },
    async (span) => {
      const result = await fn(span);
      recordUsage(span, result.usage);
      return result;
    },
  );
}

export interface ToolSpanInfo {
  readonly toolName: string;
  /** http, lambda, mcp, builtin. */
  readonly toolType?: string;
  readonly callId?: string;
  readonly agentName?: string;
}

/** One span per tool call (src/tools/answer-calls.ts). An outcome `{ ok: false }` (or `isError`) marks it failed. */
export function executeToolSpan<T>(info: ToolSpanInfo, fn: (span: Span | undefined) => Promise<T>) {
  return inSpan(
    `execute_tool ${info.toolName}`,
    {
      kind: SpanKind.INTERNAL,
      attributes: {
        'gen_ai.operation.name': 'execute_tool',
        'gen_ai.tool.name': info.toolName,
        ...(info.toolType && { 'gen_ai.tool.type': info.toolType }),
        ...(info.callId && { 'gen_ai.tool.call.id': info.callId }),
        ...(info.agentName && { 'gen_ai.agent.name': info.agentName }),
      },
    },
    async (span) => {
      const result = await fn(span);
      const outcome = result as { ok?: boolean; isError?: boolean } | undefined;
      if (outcome?.ok === false || outcome?.isError) markError(span, undefined, 'tool_error');
      return result;
    },
  );
}
