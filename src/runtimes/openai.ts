import OpenAI from 'openai';
import { guardOutcome } from '../governance/runtime-hooks.js';
import type { ThreadStore } from '../threads/store.js';
import type { ModelTurn } from '../tools/conversation.js';
import { type LoopOutcome, runToolLoop } from '../tools/loop.js';
import { addUsage, emptyUsage, type ModelUsage, usageFromOpenAI } from '../usage/model.js';
import type { CredentialSource } from './credentials.js';
import { loadHistory, saveExchange } from './history.js';
import { createToolCallAccumulator, fromChatToolCalls, toChatMessages, toChatTools } from './openai-wire.js';
import { type AgentRunRequest, type AgentRunResult, type AgentRuntime, AgentRuntimeError } from './port.js';
import { modelSettingsOf } from './settings.js';

export interface OpenAIRuntimeDeps {
  readonly credentials: CredentialSource;
  readonly threads?: ThreadStore;
  readonly defaults?: { readonly timeoutMs?: number; readonly maxRetries?: number };
}

/**
 * OpenAI-compatible chat completions (OpenAI, Azure OpenAI's v1 API, vLLM,
 * Ollama, ...) through the official `openai` package, tools run by the
 * engine's tool loop (src/tools/loop.ts). The SDK
 * retries 408/409/429/5xx and connection errors with exponential backoff
 * (honouring retry-after headers); what still fails is mapped to
 * AgentRuntimeError with `retryable` set for the caller's own policy.
 */
export function createOpenAIRuntime(deps: OpenAIRuntimeDeps): AgentRuntime {
  const clients = new Map<string, OpenAI>();

  async function clientFor(profile: string): Promise<OpenAI> {
    let client = clients.get(profile);
    if (!client) {
      const creds = await deps.credentials('openai', profile);
      if (!creds.apiKey && !creds.baseUrl) {
        throw new AgentRuntimeError(`no credentials for openai profile "${profile}"`, false);
      }
      // Local servers (Ollama, vLLM) accept any key; the SDK insists on one.
      client = new OpenAI({ apiKey: creds.apiKey ?? 'unused', baseURL: creds.baseUrl ?? null });
      clients.set(profile, client);
    }
    return client;
  }

  return {
    kind: 'openai',
    async run(request: AgentRunRequest): Promise<AgentRunResult> {
      const settings = modelSettingsOf(request.agent);
      if (!settings.model)
        throw new AgentRuntimeError(`agent ${request.agent.agent_uuid} has no model`, false);
      const model = settings.model;
      const client = await clientFor(settings.credentials ?? 'default');
      const history = await loadHistory(deps.threads, request, settings);
      const options = {
        timeout: settings.timeout_ms ?? deps.defaults?.timeoutMs ?? 60_000,
        maxRetries: settings.max_retries ?? deps.defaults?.maxRetries ?? 2,
        ...(request.signal && { signal: request.signal }),
      };

      let used: ModelUsage | undefined;
      const report = async (usage: unknown) => {
        if (usage === undefined || usage === null) return;
        const call = usageFromOpenAI(model, usage);
        used = addUsage(used ?? emptyUsage(model), call);
        await request.onUsage?.(call);
      };
      const turn: ModelTurn = async ({ messages, tools, outputSchema, stream }) => {
        await request.beforeModelCall?.();
        const body = {
          model,
          messages: [
            ...(settings.system_prompt ? [{ role: 'system' as const, content: settings.system_prompt }] : []),
            ...toChatMessages(messages),
          ],
          ...(settings.temperature !== undefined && { temperature: settings.temperature }),
          ...(settings.max_tokens !== undefined && { max_tokens: settings.max_tokens }),
          ...(tools.length > 0 && { tools: toChatTools(tools) }),
          ...(outputSchema && {
            response_format: {
              type: 'json_schema' as const,
              json_schema: { name: 'output', schema: outputSchema },
            },
          }),
        };
        if (stream && request.onChunk) {
          let text = '';
          const calls = createToolCallAccumulator();
          // include_usage: the last chunk (no choices) carries the call's usage.
          const chunks = await client.chat.completions.create(
            { ...body, stream: true, stream_options: { include_usage: true } },
            options,
          );
          let usage: unknown;
          for await (const chunk of chunks) {
            if (chunk.usage) usage = chunk.usage;
            const delta = chunk.choices[0]?.delta;
            calls.add(delta?.tool_calls);
            if (delta?.content) {
              text += delta.content;
              await request.onChunk(delta.content);
            }
          }
          await report(usage);
          return { text, toolCalls: calls.calls() };
        }
        const completion = await client.chat.completions.create({ ...body, stream: false }, options);
        await report(completion.usage);
        const message = completion.choices[0]?.message;
        return { text: message?.content ?? '', toolCalls: fromChatToolCalls(message?.tool_calls) };
      };

      let outcome: LoopOutcome;
      try {
        outcome = await runToolLoop(request, history, turn);
      } catch (error) {
        throw toRuntimeError(error);
      }
      outcome = await guardOutcome(request, outcome);
      if (!outcome.pendingToolCalls) await saveExchange(deps.threads, request, outcome.transcript);
      return {
        output: outcome.output,
        threadUuid: request.threadUuid,
        ...(outcome.pendingToolCalls && { pendingToolCalls: outcome.pendingToolCalls }),
        ...(used && { usage: used }),
      };
    },
  };
}

export function toRuntimeError(error: unknown): AgentRuntimeError {
  if (error instanceof AgentRuntimeError) return error;
  if (error instanceof OpenAI.APIUserAbortError) {
    return new AgentRuntimeError('chat completion cancelled', false, { cause: error });
  }
  if (error instanceof OpenAI.APIConnectionTimeoutError) {
    return new AgentRuntimeError('chat completion timed out', true, { cause: error });
  }
  if (error instanceof OpenAI.APIConnectionError) {
    return new AgentRuntimeError(`chat completion connection failed: ${error.message}`, true, {
      cause: error,
    });
  }
  if (error instanceof OpenAI.APIError) {
    const status = error.status;
    const retryable =
      status === undefined || status === 408 || status === 409 || status === 429 || status >= 500;
    return new AgentRuntimeError(
      `chat completion failed (${status ?? 'stream error'}): ${error.message}`,
      retryable,
      {
        cause: error,
      },
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  return new AgentRuntimeError(`chat completion failed: ${message}`, false, { cause: error });
}
