import type { BudgetCounters, BudgetTarget } from '../budgets/counters.js';
import { type Budget, BudgetExceededError, hasBudget } from '../budgets/model.js';
import type { AgentRunRequest, AgentRunResult, AgentRuntime } from '../runtimes/port.js';
import type { Tenant } from '../tenant.js';
import type { ToolRunContext } from '../tools/context.js';
import type { Toolbox } from '../tools/toolbox.js';
import type { UsageLedger } from '../usage/ledger.js';
import { addUsage, emptyUsage, type ModelUsage } from '../usage/model.js';

export interface BudgetScope {
  readonly target: BudgetTarget;
  readonly budget: Budget;
  /** Called for every refused call: ends the session (conditionally, so once) and records the event. */
  readonly onExceeded: (error: BudgetExceededError, callsStarted: number) => Promise<void>;
}

export interface MeteringScope {
  readonly tenant: Tenant;
  readonly coordinationUuid: string;
  readonly sessionUuid: string;
  readonly sessionAgentUuid?: string | null;
  readonly agentUuid: string;
  readonly taskUuid?: string | null;
  /** Unique per claim of the work (claim token, run uuid): `{prefix}:{n}` names the n-th call. */
  readonly callIdPrefix: string;
  readonly budgets: readonly BudgetScope[];
  readonly now: () => number;
  /** How often a running call checks whether a budget with `on_budget_exceeded: abort` was reached. */
  readonly abortPollMs?: number;
}

/** Runtimes that call `beforeModelCall` before each model call (their tool loop's turns). */
const HOOKED_KINDS = new Set(['openai', 'bedrock', 'scripted']);

export interface MeterDeps {
  readonly ledger: UsageLedger;
  readonly counters: BudgetCounters;
}

export interface MeteredRuntime extends AgentRuntime {
  /** What the calls made through this wrapper used (the run's own record). */
  totals(): { usage: ModelUsage; costUsd: number | null; modelCalls: number; toolCalls: number };
}

/**
 * An agent runtime whose every call is reserved against the budgets before
 * it starts and recorded in the usage ledger when it returns. Each call gets
 * its own id, so the ledger counts a retried attempt as the real call it is
 * and a repeated record of the same call never.
 */
export function meteredRuntime(runtime: AgentRuntime, deps: MeterDeps, scope: MeteringScope): MeteredRuntime {
  let calls = 0;
  let toolCalls = 0;
  let usage = emptyUsage();
  let costUsd: number | null = null;
  const budgets = scope.budgets.filter((b) => hasBudget(b.budget));

  /** Each model call: its own id (n-th call of this claim), one ADD per counted item. */
  async function record(used: ModelUsage) {
    const recorded = await deps.ledger.recordModelCall(scope.tenant, {
      callId: `${scope.callIdPrefix}:${calls++}`,
      coordinationUuid: scope.coordinationUuid,
      sessionUuid: scope.sessionUuid,
      sessionAgentUuid: scope.sessionAgentUuid ?? null,
      agentUuid: scope.agentUuid,
      taskUuid: scope.taskUuid ?? null,
      usage: used,
      at: new Date(scope.now()),
    });
    usage = addUsage(usage, used);
    if (recorded.costUsd !== null) costUsd = Math.round(((costUsd ?? 0) + recorded.costUsd) * 1e10) / 1e10;
  }

  async function reserve(kind: 'model' | 'tool' = 'model') {
    for (const b of budgets) await deps.counters.reserve(b.target, b.budget, kind, scope.now(), b.onExceeded);
  }

  /**
   * The run's tools, each call reserved against the tool budgets before it
   * starts and counted in the ledger by (run, call id): the tool loop runs a
   * call once, and a repeated record of it counts once. A refused call is not
   * made; the model reads why, and its next turn is refused too.
   */
  function meteredTools(tools: ToolRunContext | undefined): ToolRunContext | undefined {
    if (!tools) return tools;
    const toolbox: Toolbox = {
      ...tools.toolbox,
      resolve: async (specs) =>
        (await tools.toolbox.resolve(specs)).map((tool) => ({
          ...tool,
          invoke: async (args, context) => {
            try {
              await reserve('tool');
            } catch (error) {
              if (error instanceof BudgetExceededError) return { ok: false, value: error.message };
              throw error;
            }
            const outcome = await tool.invoke(args, context);
            await deps.ledger.recordToolCall(scope.tenant, {
              callId: `tool:${context.runUuid}:${context.callId}`,
              coordinationUuid: scope.coordinationUuid,
              sessionUuid: scope.sessionUuid,
              sessionAgentUuid: scope.sessionAgentUuid ?? null,
              agentUuid: scope.agentUuid,
              taskUuid: scope.taskUuid ?? null,
              at: new Date(scope.now()),
            });
            toolCalls++;
            return outcome;
          },
        })),
    };
    return { ...tools, toolbox };
  }

  /** Aborts the call when a budget asks running calls to stop (polling) or its duration runs out. */
  function watchdog(signal: AbortSignal | undefined) {
    const controller = new AbortController();
    const timers: NodeJS.Timeout[] = [];
    let reason: BudgetExceededError | undefined;
    const stop = (error: BudgetExceededError) => {
      reason ??= error;
      controller.abort(error);
    };
    for (const b of budgets) {
      if (b.budget.on_budget_exceeded !== 'abort') continue;
      if (b.budget.max_duration_ms !== undefined) {
        const limit = b.budget.max_duration_ms;
        const left = b.target.startedMs + limit - scope.now();
        // The deadline ends the session like a refused call would (flag, status, event), then aborts.
        const deadline = () => {
          const error = new BudgetExceededError('maxDurationMs', limit, scope.now() - b.target.startedMs);
          deps.counters.exceed(b.target, error, b.onExceeded).catch((flagged: unknown) => {
            stop(flagged instanceof BudgetExceededError ? flagged : error);
          });
        };
        timers.push(setTimeout(deadline, Math.max(0, left)));
      }
      timers.push(
        setInterval(() => {
          deps.counters
            .exceededBudget(b.target)
            .then((name) => name && stop(new BudgetExceededError(name, 0, 0)))
            .catch(() => undefined); // a failed poll is not an exceeded budget: the next one decides
        }, scope.abortPollMs ?? 1_000),
      );
    }
    return {
      signal: timers.length
        ? signal
          ? AbortSignal.any([signal, controller.signal])
          : controller.signal
        : signal,
      reason: () => reason,
      done: () => {
        for (const t of timers) clearTimeout(t);
      },
    };
  }

  return {
    kind: runtime.kind,
    totals: () => ({ usage, costUsd, modelCalls: calls, toolCalls }),
    async run(request: AgentRunRequest): Promise<AgentRunResult> {
      // Runtimes with the engine's model loop ask before each model call; the others are one call, asked here.
      const perCall = HOOKED_KINDS.has(runtime.kind);
      if (!perCall) await reserve();
      const watch = watchdog(request.signal);
      let reported = false;
      const onUsage = async (used: ModelUsage) => {
        reported = true;
        await record(used);
        await request.onUsage?.(used);
      };
      let result: AgentRunResult;
      try {
        const tools = meteredTools(request.tools);
        result = await runtime.run({
          ...request,
          onUsage,
          ...(perCall && {
            beforeModelCall: async () => {
              await reserve();
              await request.beforeModelCall?.();
            },
          }),
          ...(tools && { tools }),
          ...(watch.signal && { signal: watch.signal }),
        });
      } catch (error) {
        throw watch.reason() ?? error;
      } finally {
        watch.done();
      }
      // A runtime that only returns its usage (no onUsage calls): one call, recorded now.
      if (!reported && result.usage) await record(result.usage);
      return result;
    },
  };
}
