import type { AgentRunRequest } from '../runtimes/port.js';
import { AgentRuntimeError } from '../runtimes/port.js';
import { answerToolCalls } from './answer-calls.js';
import type { ToolRunContext } from './context.js';
import type { ConversationMessage, ModelTurn, ToolDefinition } from './conversation.js';
import type { PendingToolCall } from './events.js';
import { validationErrors } from './json-schema.js';
import { type AgentToolSettings, toolSettingsOf } from './spec.js';
import type { ResolvedTool } from './toolbox.js';

export interface LoopOutcome {
  /** The final answer (the JSON text with output_schema); empty while calls wait for approval. */
  readonly output: string;
  /** This run's part of the conversation: the input, tool turns and results, the answer. */
  readonly transcript: ConversationMessage[];
  /** Set when the run stopped because calls need a person's approval. */
  readonly pendingToolCalls?: PendingToolCall[];
}

/**
 * The engine's tool loop, shared by every runtime that can call tools: ask
 * the model, run the tools it asks for (concurrently, each exactly once),
 * feed the results back, until it answers; `max_turns` bounds the loop.
 * With tools, every model turn is stored by the run's key before it is acted
 * on, so a resumed run replays the same turns (and call ids) instead of
 * asking again. Structured output is validated and a bad answer is sent back
 * with its errors up to `max_retries` times.
 */
export async function runToolLoop(
  request: AgentRunRequest,
  history: readonly ConversationMessage[],
  modelTurn: ModelTurn,
): Promise<LoopOutcome> {
  const settings = readSettings(request);
  const context = request.tools;
  if (settings.tools.length > 0 && !context) {
    throw new AgentRuntimeError(
      `agent ${request.agent.agent_uuid} has tools but no tool context was given`,
      false,
    );
  }
  const tools = context && settings.tools.length > 0 ? await context.toolbox.resolve(settings.tools) : [];
  const durable = context && tools.length > 0 ? context : undefined;
  const stored = durable ? await durable.calls.loadRun(durable.tenant, durable.runUuid) : undefined;
  const definitions: ToolDefinition[] = tools.map(({ name, description, parameters }) => ({
    name,
    description,
    parameters,
  }));
  const outputSchema = settings.output_schema ?? undefined;
  const transcript: ConversationMessage[] = [{ role: 'user', content: request.input }];
  let retries = 0;

  for (let turn = 0; turn < settings.max_turns; turn++) {
    let message = stored?.turns.get(turn);
    if (!message) {
      const answer = await modelTurn({
        messages: [...history, ...transcript],
        tools: definitions,
        ...(outputSchema && { outputSchema }),
        stream: !outputSchema && Boolean(request.onChunk),
      });
      message = {
        role: 'assistant',
        content: answer.text,
        ...(answer.toolCalls.length > 0 && { tool_calls: [...answer.toolCalls] }),
      };
      if (durable) message = await durable.calls.recordTurn(durable.tenant, durable.runUuid, turn, message);
    }
    transcript.push(message);
    if (message.tool_calls?.length) {
      if (!durable) throw new AgentRuntimeError('the model asked for tools the agent does not have', false);
      const answered = await answerToolCalls(durable, tools, message.tool_calls, stored, request.signal);
      if (answered.pending.length > 0) return { output: '', transcript, pendingToolCalls: answered.pending };
      transcript.push(...answered.messages);
      continue;
    }
    if (!outputSchema) return { output: message.content, transcript };
    const checked = checkStructured(outputSchema, message.content);
    if (checked.ok) {
      await request.onChunk?.(checked.json);
      return { output: checked.json, transcript };
    }
    if (retries >= settings.max_retries) {
      throw new AgentRuntimeError(
        `structured output still invalid after ${retries} retries: ${checked.errors.join('; ')}`,
        false,
      );
    }
    retries++;
    transcript.push({
      role: 'user',
      content: `Your answer does not match the required JSON schema: ${checked.errors.join('; ')}. Answer again with only a JSON value that matches it.`,
    });
  }
  throw new AgentRuntimeError(
    `agent ${request.agent.agent_name} stopped after max_turns (${settings.max_turns}) model turns without a final answer`,
    false,
  );
}

function readSettings(request: AgentRunRequest): AgentToolSettings {
  try {
    return toolSettingsOf(request.agent);
  } catch (error) {
    throw new AgentRuntimeError(
      `agent ${request.agent.agent_uuid} has invalid tool settings: ${error instanceof Error ? error.message : String(error)}`,
      false,
    );
  }
}

/** Whether the loop has anything to do beyond one plain model call. */
export function actsWithTools(request: AgentRunRequest): boolean {
  const agent = request.agent as Record<string, unknown>;
  return (Array.isArray(agent.tools) && agent.tools.length > 0) || Boolean(agent.output_schema);
}

/** Parses an answer as JSON (a fenced block is unwrapped) and validates it. */
export function checkStructured(
  schema: Record<string, unknown>,
  text: string,
): { ok: true; json: string } | { ok: false; errors: string[] } {
  const fenced = /^\s*```(?:json)?\s*([\s\S]*?)\s*```\s*$/.exec(text);
  let value: unknown;
  try {
    value = JSON.parse(fenced?.[1] ?? text);
  } catch {
    return { ok: false, errors: ['the answer is not valid JSON'] };
  }
  const errors = validationErrors(schema, value);
  return errors.length === 0 ? { ok: true, json: JSON.stringify(value) } : { ok: false, errors };
}

export type { ResolvedTool, ToolRunContext };
