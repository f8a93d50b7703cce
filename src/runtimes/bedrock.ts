import {
  BedrockRuntimeClient,
  type BedrockRuntimeClientConfig,
  ConverseStreamCommand,
} from '@aws-sdk/client-bedrock-runtime';
import { guardOutcome } from '../governance/runtime-hooks.js';
import type { ThreadStore } from '../threads/store.js';
import type { ModelTurn } from '../tools/conversation.js';
import { type LoopOutcome, runToolLoop } from '../tools/loop.js';
import { addUsage, emptyUsage, type ModelUsage, usageFromBedrock } from '../usage/model.js';
import { createConverseAccumulator, toConverseMessages, toToolConfig } from './bedrock-wire.js';
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
 * caller wants chunks (the stream is read to its end either way); tools
 * (`toolConfig`, `toolUse`, `toolResult`) run in the engine's tool loop. The SDK
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
      const model = settings.model;

      const deadline = new AbortController();
      const timeoutMs = settings.timeout_ms ?? deps.defaults?.timeoutMs ?? 60_000;
      const timer = setTimeout(() => deadline.abort(), timeoutMs);
      const signal = request.signal ? AbortSignal.any([request.signal, deadline.signal]) : deadline.signal;

      let used: ModelUsage | undefined;
      const turn: ModelTurn = async ({ messages, tools, outputSchema, stream }) => {
        await request.beforeModelCall?.();
        let usage: unknown;
        const toolConfig = toToolConfig(tools, outputSchema);
        const response = await client.send(
          new ConverseStreamCommand({
            modelId: model,
            messages: toConverseMessages(messages),
            ...(settings.system_prompt && { system: [{ text: settings.system_prompt }] }),
            ...((settings.max_tokens !== undefined || settings.temperature !== undefined) && {
              inferenceConfig: { maxTokens: settings.max_tokens, temperature: settings.temperature },
            }),
            ...(toolConfig && { toolConfig }),
          }),
          { abortSignal: signal },
        );
        const answer = createConverseAccumulator(async (text) => {
          if (stream) await request.onChunk?.(text);
        });
        for await (const event of response.stream ?? []) {
          if (signal.aborted) throw signal.reason ?? new Error('aborted');
          await answer.add(event);
          if (event.metadata?.usage) usage = event.metadata.usage;
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
        if (usage) {
          const call = usageFromBedrock(model, usage);
          used = addUsage(used ?? emptyUsage(model), call);
          await request.onUsage?.(call);
        }
        return answer.result();
      };

      let outcome: LoopOutcome;
      try {
        outcome = await runToolLoop(request, history, turn);
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
