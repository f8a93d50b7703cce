import pRetry, { AbortError } from 'p-retry';
import { deadline } from '../../deadline.js';
import {
  type AgentRunRequest,
  type AgentRunResult,
  type AgentRuntime,
  AgentRuntimeError,
} from '../../runtimes/port.js';
import type { ResolvedPolicy } from './policy.js';

/**
 * One agent call with the session's policy: each attempt is aborted after
 * agent_timeout_ms; retryable failures are retried max_retries times with
 * exponential backoff and full jitter.
 */
export async function runAgentWithPolicy(
  runtime: AgentRuntime,
  request: Omit<AgentRunRequest, 'signal'>,
  policy: ResolvedPolicy,
  retryBaseMs: number,
  /** Aborted when the run must stop (cancel, lost lease, worker shutting down): no retry after it. */
  stop?: AbortSignal,
  /** Counts every attempt made (agent traces report it). */
  tries?: { attempts: number },
): Promise<AgentRunResult> {
  return pRetry(
    async () => {
      if (tries) tries.attempts++;
      const limit = deadline(policy.agent_timeout_ms, stop);
      try {
        return await runtime.run({ ...request, signal: limit.signal });
      } catch (error) {
        if (stop?.aborted) throw new AbortError(error instanceof Error ? error : String(error));
        if (limit.timedOut()) {
          throw new AgentRuntimeError(`agent timed out after ${policy.agent_timeout_ms} ms`, true, {
            cause: error,
          });
        }
        throw error;
      } finally {
        limit.clear();
      }
    },
    {
      retries: policy.max_retries,
      minTimeout: retryBaseMs,
      maxTimeout: Math.max(retryBaseMs, 30_000),
      factor: 2,
      randomize: true,
      ...(stop && { signal: stop }),
      shouldRetry: ({ error }) => !(error instanceof AgentRuntimeError) || error.retryable,
    },
  );
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
