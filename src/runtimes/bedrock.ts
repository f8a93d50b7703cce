import {
  BedrockRuntimeClient,
  type BedrockRuntimeClientConfig,
  ConverseStreamCommand,
  type Message,
} from '@aws-sdk/client-bedrock-runtime';
import type { ThreadStore } from '../threads/store.js';
import { usageFromBedrock } from '../usage/model.js';
import type { CredentialSource } from './credentials.js';
import { loadHistory, saveExchange } from './history.js';
import { type AgentRunRequest, type AgentRunResult, type AgentRuntime, AgentRuntimeError } from './port.js';
import { modelSettingsOf } from './settings.js';

export interface BedrockRuntimeDeps {
  readonly credentials: CredentialSource;
  readonly threads?: ThreadStore;
  /** Extra client settings (tests pass static AWS credentials); Lambda uses its role by default. */
  readonly clientConfig?: Partial<BedrockRuntimeClientConfig>;
  readonly defaults?: { readonly timeoutMs?: number; readonly maxRetries?: number; readonly region?: string };
}

/** Errors Bedrock documents as transient: worth another attempt later. */
const RETRYABLE = new Set([
  'ThrottlingException',
  'ServiceUnavailableException',
  'InternalServerException',
  'ModelStreamErrorException',
  'ModelTimeoutException',
  'ModelNotReadyException',
  'ServiceQuotaExceededException',
]);

/**
 * Bedrock Converse through ConverseStream: one code path whether or not the
 * caller wants chunks (the stream is read to its end either way). The SDK
 * retries throttling and 5xx before the stream starts (`maxAttempts`);
 * an overall deadline (`timeout_ms`) aborts the call, stream included.
 */
export function createBedrockRuntime(deps: BedrockRuntimeDeps): AgentRuntime {
  const clients = new Map<string, BedrockRuntimeClient>();

  async function clientFor(profile: string, region: string | undefined, maxAttempts: number) {
    const creds = await deps.credentials('bedrock', profile);
    const chosenRegion =
      region ?? creds.region ?? deps.defaults?.region ?? process.env.AWS_REGION ?? 'us-east-1';
    const key = `${profile}|${chosenRegion}|${maxAttempts}`;
    let client = clients.get(key);
    if (!client) {
      client = new BedrockRuntimeClient({
        region: chosenRegion,
        maxAttempts,
        ...(creds.baseUrl && { endpoint: creds.baseUrl }),
        ...deps.clientConfig,
      });
      clients.set(key, client);
    }
    return client;
  }

  return {
    kind: 'bedrock',
    async run(request: AgentRunRequest): Promise<AgentRunResult> {
      const settings = modelSettingsOf(request.agent);
      if (!settings.model)
        throw new AgentRuntimeError(`agent ${request.agent.agent_uuid} has no model`, false);
      const region = typeof request.agent.region === 'string' ? request.agent.region : undefined;
      const maxAttempts = (settings.max_retries ?? deps.defaults?.maxRetries ?? 2) + 1;
      const client = await clientFor(settings.credentials ?? 'default', region, maxAttempts);
      const history = await loadHistory(deps.threads, request, settings);
      const messages: Message[] = [
        ...history.map((m) => ({ role: m.role, content: [{ text: m.content }] })),
        { role: 'user', content: [{ text: request.input }] },
      ];

      const deadline = new AbortController();
      const timeoutMs = settings.timeout_ms ?? deps.defaults?.timeoutMs ?? 60_000;
      const timer = setTimeout(() => deadline.abort(), timeoutMs);
      const signal = request.signal ? AbortSignal.any([request.signal, deadline.signal]) : deadline.signal;

      let output = '';
      let usage: unknown;
      try {
        const response = await client.send(
          new ConverseStreamCommand({
            modelId: settings.model,
            messages,
            ...(settings.system_prompt && { system: [{ text: settings.system_prompt }] }),
            ...((settings.max_tokens !== undefined || settings.temperature !== undefined) && {
              inferenceConfig: { maxTokens: settings.max_tokens, temperature: settings.temperature },
            }),
          }),
          { abortSignal: signal },
        );
        for await (const event of response.stream ?? []) {
          if (signal.aborted) throw signal.reason ?? new Error('aborted');
          if (event.metadata?.usage) usage = event.metadata.usage;
          const text = event.contentBlockDelta?.delta?.text;
          if (text) {
            output += text;
            await request.onChunk?.(text);
          }
          const streamError =
            event.internalServerException ??
            event.modelStreamErrorException ??
            event.throttlingException ??
            event.serviceUnavailableException ??
            event.validationException;
          if (streamError) throw streamError;
        }
        // An aborted HTTP/2 stream can end quietly instead of throwing: never take a cut-off answer for a whole one.
        if (signal.aborted) throw signal.reason ?? new Error('aborted');
      } catch (error) {
        if (deadline.signal.aborted) {
          throw new AgentRuntimeError(`Bedrock call timed out after ${timeoutMs} ms`, true, { cause: error });
        }
        if (request.signal?.aborted)
          throw new AgentRuntimeError('Bedrock call cancelled', false, { cause: error });
        throw toRuntimeError(error);
      } finally {
        clearTimeout(timer);
      }
      const used = usage === undefined ? undefined : usageFromBedrock(settings.model, usage);
      if (used) await request.onUsage?.(used);
      if (request.guardOutput) output = await request.guardOutput(output);
      await saveExchange(deps.threads, request, output);
      return { output, threadUuid: request.threadUuid, ...(used && { usage: used }) };
    },
  };
}

function toRuntimeError(error: unknown): AgentRuntimeError {
  if (error instanceof AgentRuntimeError) return error;
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  const retryable =
    RETRYABLE.has(e.name ?? '') || (status !== undefined && (status === 429 || status >= 500));
  return new AgentRuntimeError(`Bedrock ${e.name ?? 'error'}: ${e.message ?? String(error)}`, retryable, {
    cause: error,
  });
}
