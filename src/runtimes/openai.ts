import OpenAI from 'openai';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import type { ThreadStore } from '../threads/store.js';
import { usageFromOpenAI } from '../usage/model.js';
import type { CredentialSource } from './credentials.js';
import { loadHistory, saveExchange } from './history.js';
import { type AgentRunRequest, type AgentRunResult, type AgentRuntime, AgentRuntimeError } from './port.js';
import { modelSettingsOf } from './settings.js';

export interface OpenAIRuntimeDeps {
  readonly credentials: CredentialSource;
  readonly threads?: ThreadStore;
  readonly defaults?: { readonly timeoutMs?: number; readonly maxRetries?: number };
}

/**
 * OpenAI-compatible chat completions (OpenAI, Azure OpenAI's v1 API, vLLM,
 * Ollama, ...) through the official `openai` package. Tool-free. The SDK
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
      const client = await clientFor(settings.credentials ?? 'default');
      const history = await loadHistory(deps.threads, request, settings);
      const messages: ChatCompletionMessageParam[] = [
        ...(settings.system_prompt ? [{ role: 'system' as const, content: settings.system_prompt }] : []),
        ...history.map((m) => ({ role: m.role, content: m.content })),
        { role: 'user', content: request.input },
      ];
      const body = {
        model: settings.model,
        messages,
        ...(settings.temperature !== undefined && { temperature: settings.temperature }),
        ...(settings.max_tokens !== undefined && { max_tokens: settings.max_tokens }),
      };
      const options = {
        timeout: settings.timeout_ms ?? deps.defaults?.timeoutMs ?? 60_000,
        maxRetries: settings.max_retries ?? deps.defaults?.maxRetries ?? 2,
        ...(request.signal && { signal: request.signal }),
      };

      let output = '';
      let usage: unknown;
      try {
        if (request.onChunk) {
          // include_usage: the last chunk (no choices) carries the call's usage.
          const stream = await client.chat.completions.create(
            { ...body, stream: true, stream_options: { include_usage: true } },
            options,
          );
          for await (const chunk of stream) {
            if (chunk.usage) usage = chunk.usage;
            const text = chunk.choices[0]?.delta?.content;
            if (text) {
              output += text;
              await request.onChunk(text);
            }
          }
        } else {
          const completion = await client.chat.completions.create({ ...body, stream: false }, options);
          output = completion.choices[0]?.message?.content ?? '';
          usage = completion.usage;
        }
      } catch (error) {
        throw toRuntimeError(error);
      }
      const used = usage === undefined ? undefined : usageFromOpenAI(settings.model, usage);
      if (used) await request.onUsage?.(used);
      if (request.guardOutput) output = await request.guardOutput(output);
      await saveExchange(deps.threads, request, output);
      return { output, threadUuid: request.threadUuid, ...(used && { usage: used }) };
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
