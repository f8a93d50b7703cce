import * as z from 'zod';
import { deadline } from '../deadline.js';
import type { CredentialSource } from './credentials.js';
import { type AgentRunRequest, type AgentRunResult, type AgentRuntime, AgentRuntimeError } from './port.js';
import { modelSettingsOf } from './settings.js';

/**
 * The AI Agent Core Engine (the Python ecosystem's agent service) over its
 * GraphQL HTTP API: `askModel` starts an async task, `asyncTask` is polled
 * with backoff until `completed` or `failed`, up to `timeout_ms`. Threads
 * live on that service, so the thread it reports is the one returned.
 * It does not stream to us: the whole answer is one chunk.
 */
export interface CoreEngineRuntimeDeps {
  readonly credentials: CredentialSource;
  readonly fetch?: typeof fetch;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly defaults?: {
    readonly timeoutMs?: number;
    readonly pollIntervalMs?: number;
    readonly maxRetries?: number;
  };
}

const CoreSettingsSchema = z.looseObject({
  core_agent_uuid: z.string().min(1).max(128).optional(),
  poll_interval_ms: z.number().int().min(10).max(60_000).optional(),
});

const ASK_MODEL = `query askModel($agentUuid: String!, $threadUuid: String, $userId: String, $userQuery: String!, $stream: Boolean, $updatedBy: String!) {
  askModel(agentUuid: $agentUuid, threadUuid: $threadUuid, userId: $userId, userQuery: $userQuery, stream: $stream, updatedBy: $updatedBy) {
    agentUuid threadUuid userQuery functionName asyncTaskUuid currentRunUuid
  }
}`;

const ASYNC_TASK = `query asyncTask($functionName: String!, $asyncTaskUuid: String!) {
  asyncTask(functionName: $functionName, asyncTaskUuid: $asyncTaskUuid) { status result notes outputFiles }
}`;

const AskModelSchema = z.object({
  askModel: z.object({
    threadUuid: z.string().min(1),
    functionName: z.string().min(1),
    asyncTaskUuid: z.string().min(1),
    currentRunUuid: z.string().nullish(),
  }),
});

const AsyncTaskSchema = z.object({
  asyncTask: z.object({ status: z.string(), result: z.unknown().nullish(), notes: z.string().nullish() }),
});

const MAX_POLL_INTERVAL_MS = 5_000;
const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createCoreEngineRuntime(deps: CoreEngineRuntimeDeps): AgentRuntime {
  const doFetch = deps.fetch ?? fetch;
  const sleep = deps.sleep ?? defaultSleep;

  return {
    kind: 'core_engine',
    async run(request: AgentRunRequest): Promise<AgentRunResult> {
      const settings = modelSettingsOf(request.agent);
      const core = CoreSettingsSchema.parse(request.agent);
      const creds = await deps.credentials('core_engine', settings.credentials ?? 'default');
      if (!creds.baseUrl) {
        throw new AgentRuntimeError(
          `no core engine URL for profile "${settings.credentials ?? 'default'}"`,
          false,
        );
      }
      const endpoint = creds.baseUrl;
      const maxRetries = settings.max_retries ?? deps.defaults?.maxRetries ?? 2;
      const timeoutMs = settings.timeout_ms ?? deps.defaults?.timeoutMs ?? 300_000;
      const started = Date.now();
      const remaining = () => timeoutMs - (Date.now() - started);

      async function graphql<T>(
        query: string,
        variables: Record<string, unknown>,
        schema: z.ZodType<T>,
      ): Promise<T> {
        for (let attempt = 0; ; attempt++) {
          const limit = deadline(Math.max(1, remaining()), request.signal);
          try {
            let response: Response;
            try {
              response = await doFetch(endpoint, {
                method: 'POST',
                headers: {
                  'content-type': 'application/json',
                  ...(creds.apiKey && { 'x-api-key': creds.apiKey }),
                },
                body: JSON.stringify({ query, variables }),
                signal: limit.signal,
              });
            } catch (error) {
              if (request.signal?.aborted)
                throw new AgentRuntimeError('core engine call cancelled', false, { cause: error });
              if (remaining() <= 0) throw timedOut(timeoutMs, error);
              if (attempt >= maxRetries) {
                throw new AgentRuntimeError(`core engine unreachable: ${(error as Error).message}`, true, {
                  cause: error,
                });
              }
              await sleep(backoff(attempt));
              continue;
            }
            if (response.status === 429 || response.status >= 500) {
              await response.body?.cancel();
              if (attempt >= maxRetries || remaining() <= 0) {
                throw new AgentRuntimeError(`core engine answered HTTP ${response.status}`, true);
              }
              await sleep(backoff(attempt));
              continue;
            }
            const body = (await response.json().catch(() => undefined)) as
              | { data?: unknown; errors?: { message?: string }[] }
              | undefined;
            if (!response.ok || !body || body.errors?.length) {
              const detail = body?.errors?.map((e) => e.message).join('; ') ?? `HTTP ${response.status}`;
              throw new AgentRuntimeError(`core engine rejected the call: ${detail}`, false);
            }
            const parsed = schema.safeParse(body.data);
            if (!parsed.success)
              throw new AgentRuntimeError('core engine answered an unexpected shape', false);
            return parsed.data;
          } finally {
            limit.clear();
          }
        }
      }

      const asked = await graphql(
        ASK_MODEL,
        {
          agentUuid: core.core_agent_uuid ?? request.agent.agent_uuid,
          ...(!request.newThread && { threadUuid: request.threadUuid }),
          userId: request.userId,
          userQuery: request.input,
          stream: false,
          updatedBy: request.userId,
        },
        AskModelSchema,
      );
      const { functionName, asyncTaskUuid, threadUuid } = asked.askModel;

      let interval = core.poll_interval_ms ?? deps.defaults?.pollIntervalMs ?? 500;
      for (;;) {
        const { asyncTask } = await graphql(ASYNC_TASK, { functionName, asyncTaskUuid }, AsyncTaskSchema);
        if (asyncTask.status === 'completed') {
          const output =
            typeof asyncTask.result === 'string' ? asyncTask.result : JSON.stringify(asyncTask.result ?? '');
          await request.onChunk?.(output);
          return { output, threadUuid, asyncTaskUuid };
        }
        if (asyncTask.status === 'failed') {
          throw new AgentRuntimeError(
            `core engine task failed: ${asyncTask.notes ?? 'no reason given'}`,
            false,
          );
        }
        if (remaining() <= interval) throw timedOut(timeoutMs);
        await sleep(interval);
        if (request.signal?.aborted) throw new AgentRuntimeError('core engine call cancelled', false);
        interval = Math.min(Math.ceil(interval * 1.5), MAX_POLL_INTERVAL_MS);
      }
    },
  };
}

const backoff = (attempt: number) => Math.min(100 * 2 ** attempt, 2_000) * (0.75 + Math.random() * 0.25);

const timedOut = (timeoutMs: number, cause?: unknown) =>
  new AgentRuntimeError(`core engine task timed out after ${timeoutMs} ms`, true, { cause });
