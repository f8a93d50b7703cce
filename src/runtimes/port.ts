import type { Agent } from '../domain/coordination/model.js';
import type { Tenant } from '../tenant.js';
import type { ToolRunContext } from '../tools/context.js';
import type { PendingToolCall } from '../tools/events.js';
import type { ModelUsage } from '../usage/model.js';

/**
 * The agent runtime port: "run agent A on thread T with input I". Every
 * adapter (scripted, OpenAI-compatible, Bedrock, AI Agent Core Engine)
 * implements it; the hubs depend on nothing else.
 */
export interface AgentRunRequest {
  /** The coordination's agent entry as stored (snake_case), including its runtime settings. */
  readonly agent: Agent;
  readonly threadUuid: string;
  /** True when the caller opened this thread for this run: a runtime with server-side threads lets its service assign one. */
  readonly newThread?: boolean;
  readonly input: string;
  readonly userId: string;
  /** The caller's tenant: scopes the thread history kept by this engine (runtimes without one keep none). */
  readonly tenant?: Tenant;
  /** Aborted when the per-agent timeout passes or the run is cancelled. */
  readonly signal?: AbortSignal;
  /**
   * Called with each streamed chunk, in order; the chunks joined equal the returned output
   * (with tools, text the model wrote beside its tool calls streams too).
   */
  readonly onChunk?: (chunk: string) => void | Promise<void>;
  readonly inputFiles?: readonly unknown[];
  /** The engine's tool services for this run (needed when the agent has `tools`). */
  readonly tools?: ToolRunContext;
  /**
   * Output guardrails: called with the whole answer before the runtime keeps
   * it in the thread; returns the text to keep and return (redacted), or
   * throws, and then nothing of the answer is kept.
   */
  readonly guardOutput?: (output: string) => Promise<string>;
  /** Called before each model call (turn of the tool loop): budgets refuse it by throwing. */
  readonly beforeModelCall?: () => Promise<void>;
  /** Called with each model call's usage as soon as it is known (before guardOutput, which may throw). */
  readonly onUsage?: (usage: ModelUsage) => void | Promise<void>;
}

export interface AgentRunResult {
  readonly output: string;
  /** The thread the runtime actually used (a runtime with server-side threads may assign one). */
  readonly threadUuid: string;
  /** Set by runtimes that run asynchronously on their side (AI Agent Core Engine). */
  readonly asyncTaskUuid?: string;
  /** Calls that wait for a person's approval: the run stopped before them (output is empty). */
  readonly pendingToolCalls?: readonly PendingToolCall[];
  /** What the model calls of this run used, where the runtime reports it (absent: unknown, not zero). */
  readonly usage?: ModelUsage;
}

export interface AgentRuntime {
  readonly kind: string;
  run(request: AgentRunRequest): Promise<AgentRunResult>;
}

/** Picks the runtime named by an agent's `runtime` setting (scripted when unset). */
export interface RuntimeResolver {
  forAgent(agent: Agent): AgentRuntime;
}

/** A runtime failure worth retrying (429, 5xx, timeouts) versus one that is not. */
export class AgentRuntimeError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AgentRuntimeError';
  }
}
