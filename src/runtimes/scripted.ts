import { setTimeout as sleep } from 'node:timers/promises';
import * as z from 'zod';
import type { Agent } from '../domain/coordination/model.js';
import { guardOutcome } from '../governance/runtime-hooks.js';
import type { ModelTurn } from '../tools/conversation.js';
import { actsWithTools, runToolLoop } from '../tools/loop.js';
import type { ModelUsage } from '../usage/model.js';
import { type AgentRunRequest, type AgentRunResult, type AgentRuntime, AgentRuntimeError } from './port.js';

/**
 * The scripted runtime: deterministic agents configured from data (the
 * agent's `script`), for the local stack, demos, tests and benchmarks.
 * It counts its invocations per agent and the most calls it saw at once.
 */
export const ScriptSchema = z
  .object({
    /** Placeholders {input}, {agent_name}, {agent_uuid}. */
    answer: z.string().default('{agent_name}: done'),
    /** First match (a regular expression over the input) wins over `answer`. */
    answers: z.array(z.object({ match: z.string(), answer: z.string() })).default([]),
    delay_ms: z.number().int().min(0).max(600_000).default(0),
    /** Fail the first N calls (per agent and thread), then succeed. */
    fail_times: z.number().int().min(0).default(0),
    always_fail: z.boolean().default(false),
    /** Stream the answer in chunks of N characters. */
    chunk_size: z.number().int().min(1).optional(),
    /** Usage reported for each model call (the ledger and budgets tests and demos). */
    usage: z
      .object({
        model: z.string().default('scripted'),
        input_tokens: z.number().int().min(0).default(0),
        output_tokens: z.number().int().min(0).default(0),
        cached_tokens: z.number().int().min(0).default(0),
      })
      .optional(),
    /**
     * Tools the first model turn asks for (run through the engine's tool loop like any model's);
     * the answer then reads their results as {tool:NAME}.
     */
    tool_calls: z
      .array(z.object({ name: z.string().min(1), arguments: z.unknown().default({}) }))
      .max(32)
      .default([]),
  })
  .default({
    answer: '{agent_name}: done',
    answers: [],
    delay_ms: 0,
    fail_times: 0,
    always_fail: false,
    tool_calls: [],
  });
export type Script = z.infer<typeof ScriptSchema>;

export interface ScriptedRuntime extends AgentRuntime {
  /** Calls per agent_uuid (every attempt counts). */
  readonly invocations: Map<string, number>;
  readonly stats: { calls: number; running: number; maxRunning: number };
  reset(): void;
}

export function renderAnswer(
  script: Script,
  agent: Agent,
  input: string,
  toolResults: ReadonlyMap<string, string> = new Map(),
): string {
  const rule = script.answers.find((r) => new RegExp(r.match).test(input));
  const template = rule?.answer ?? script.answer;
  return template
    .replace(/\{(input|agent_name|agent_uuid)\}/g, (_, name: string) =>
      name === 'input' ? input : name === 'agent_name' ? agent.agent_name : agent.agent_uuid,
    )
    .replace(/\{tool:([A-Za-z0-9_-]+)\}/g, (_, name: string) => toolResults.get(name) ?? '');
}

/**
 * The scripted model: the first turn asks for `script.tool_calls` (ids call_1, call_2, ...),
 * the next one answers with the tool results in the template.
 */
export function scriptedTurn(script: Script, agent: Agent, input: string): ModelTurn {
  return async ({ messages }) => {
    const lastUser = messages.findLastIndex((m) => m.role === 'user');
    const results = messages.slice(lastUser + 1).filter((m) => m.role === 'tool');
    if (results.length === 0 && script.tool_calls.length > 0) {
      return {
        text: '',
        toolCalls: script.tool_calls.map((c, i) => ({
          id: `call_${i + 1}`,
          name: c.name,
          arguments: c.arguments,
        })),
      };
    }
    const byName = new Map(results.map((m) => [m.name, m.is_error ? `error: ${m.content}` : m.content]));
    return { text: renderAnswer(script, agent, input, byName), toolCalls: [] };
  };
}

export function createScriptedRuntime(): ScriptedRuntime {
  const invocations = new Map<string, number>();
  const failures = new Map<string, number>();
  const stats = { calls: 0, running: 0, maxRunning: 0 };

  async function run(request: AgentRunRequest): Promise<AgentRunResult> {
    const { agent } = request;
    const script = ScriptSchema.parse((agent as Record<string, unknown>).script ?? undefined);
    invocations.set(agent.agent_uuid, (invocations.get(agent.agent_uuid) ?? 0) + 1);
    stats.calls++;
    stats.running++;
    stats.maxRunning = Math.max(stats.maxRunning, stats.running);
    try {
      if (script.delay_ms > 0) await sleep(script.delay_ms, undefined, { signal: request.signal });
      request.signal?.throwIfAborted();
      if (script.always_fail) throw new AgentRuntimeError(`${agent.agent_name} always fails`, false);
      const failKey = `${agent.agent_uuid}:${request.threadUuid}`;
      const failed = failures.get(failKey) ?? 0;
      if (failed < script.fail_times) {
        failures.set(failKey, failed + 1);
        throw new AgentRuntimeError(
          `${agent.agent_name} failed (scripted, ${failed + 1}/${script.fail_times})`,
          true,
        );
      }
      const modelTurn = scriptedTurn(script, agent, request.input);
      // Each turn is a model call: budgets are asked before it, its scripted usage reported after.
      const turn: typeof modelTurn = async (input) => {
        await request.beforeModelCall?.();
        const answer = await modelTurn(input);
        const usage = scriptedUsage(script);
        if (usage) await request.onUsage?.(usage);
        return answer;
      };
      if (script.tool_calls.length > 0 || actsWithTools(request)) {
        const outcome = await guardOutcome(request, await runToolLoop(request, [], turn));
        return {
          output: outcome.output,
          threadUuid: request.threadUuid,
          ...(outcome.pendingToolCalls && { pendingToolCalls: outcome.pendingToolCalls }),
        };
      }
      const answered = (
        await turn({ messages: [{ role: 'user', content: request.input }], tools: [], stream: false })
      ).text;
      const output = request.guardOutput ? await request.guardOutput(answered) : answered;
      if (script.chunk_size && request.onChunk) {
        for (let i = 0; i < output.length; i += script.chunk_size) {
          await request.onChunk(output.slice(i, i + script.chunk_size));
        }
      }
      return { output, threadUuid: request.threadUuid };
    } finally {
      stats.running--;
    }
  }

  return {
    kind: 'scripted',
    invocations,
    stats,
    run,
    reset() {
      invocations.clear();
      failures.clear();
      stats.calls = 0;
      stats.running = 0;
      stats.maxRunning = 0;
    },
  };
}

function scriptedUsage(script: Script): ModelUsage | undefined {
  if (!script.usage) return undefined;
  return {
    model: script.usage.model,
    inputTokens: script.usage.input_tokens,
    outputTokens: script.usage.output_tokens,
    cachedTokens: script.usage.cached_tokens,
    reasoningTokens: 0,
    modelCalls: 1,
  };
}
