import { AppError } from '../errors.js';
import type { ApplyBedrockGuardrail } from '../guardrails/bedrock-guardrail.js';
import type { OperationHub } from '../hubs/operation/types.js';
import { AgentRuntimeError, type RuntimeResolver } from '../runtimes/port.js';

/**
 * Stand-ins for what a function's bundle leaves out (src/wiring/ws.ts,
 * src/wiring/http.ts). Each refuses loudly, naming the function and where the
 * work runs instead: a function asked for something it does not carry is a
 * wiring error to see, never a silent skip.
 */

/** Agent runtimes: the work queue's function runs agents; this one only records and dispatches. */
export function absentRuntimes(fn: string): RuntimeResolver {
  return {
    forAgent: (agent) => {
      throw new AgentRuntimeError(
        `the ${fn} function carries no agent runtime (agent ${agent.agent_name}): agents run from the work queue`,
        false,
      );
    },
  };
}

/** Bedrock Guardrails run beside an agent's run, in the work queue's function. */
export function absentBedrockGuardrail(fn: string): ApplyBedrockGuardrail {
  return async () => {
    throw new Error(
      `the ${fn} function carries no Bedrock guardrail client: guardrails run from the work queue`,
    );
  };
}

/**
 * The operation hub's entry points run an agent (askOperationHub, and deciding
 * a held run's tool calls or escalation continues it). Refused before
 * anything is read or written: over HTTP with a stable code the client can act
 * on; on the WebSocket (which queues them) only where no queue is configured.
 */
export function operationHubElsewhere(fn: string, refusal: 'use-websocket' | 'no-queue'): OperationHub {
  const refuse = (field: string) => async (): Promise<never> => {
    if (refusal === 'no-queue')
      throw new Error(
        `${field} runs an agent: the ${fn} function sends it to the work queue, and WORK_QUEUE_URL is not set`,
      );
    throw new AppError(
      'USE_WEBSOCKET',
      `${field} runs an agent, which the ${fn} function does not carry: send it over the WebSocket endpoint, where it runs from the queue and streams its answer.`,
    );
  };
  return {
    ask: refuse('askOperationHub'),
    decideToolCalls: refuse('decideToolCalls of an operation run'),
    decideEscalation: refuse('decideEscalation of an operation run'),
  };
}
