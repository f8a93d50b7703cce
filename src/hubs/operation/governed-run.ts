import type { Budget } from '../../budgets/model.js';
import { BudgetExceededError } from '../../budgets/model.js';
import type { Agent, Coordination } from '../../domain/coordination/model.js';
import type { Session } from '../../domain/session/model.js';
import type { SessionRun } from '../../domain/session-run/model.js';
import { sessionEvent } from '../../events/session-events.js';
import { guardrailsOf, outputSchemaOf } from '../../governance/governance.js';
import { type BudgetScope, type MeteredRuntime, meteredRuntime } from '../../governance/metered-runtime.js';
import { GuardrailBlockedError, GuardrailEscalation } from '../../guardrails/evaluate.js';
import { type GuardrailReport, guardedRuntime } from '../../guardrails/guarded-runtime.js';
import type { AgentRuntime } from '../../runtimes/port.js';
import type { AskCaller, HubInternals } from './types.js';

/**
 * The operation hub's agent runtime for one ask: metered (ledger; the
 * session's budgets from its execution policy and the ask's own on its
 * SessionRun row) and guarded (the agent's or coordination's guardrails,
 * streamed tokens held back until the answer passed).
 */
export function governAsk(
  hub: HubInternals,
  caller: AskCaller,
  coordination: Coordination,
  agent: Agent,
  session: Session,
  runUuid: string,
  askBudget: Budget | undefined,
  continued?: { readonly run: SessionRun; readonly key: string },
) {
  const { tenant } = caller;
  const gov = hub.governance;
  const reports: GuardrailReport[] = [];
  let sessionBudgetSpent = false;
  let runtime: AgentRuntime = hub.runtimes.forAgent(agent);
  let metered: MeteredRuntime | undefined;
  if (gov) {
    const tables = hub.tables;
    const budgets: BudgetScope[] = [];
    if (session.execution_policy && tables) {
      budgets.push({
        target: {
          tableName: tables.sessions,
          key: { coordination_uuid: session.coordination_uuid, session_uuid: session.session_uuid },
          partitionKey: tenant.partitionKey,
          startedMs: Date.parse(session.created_at),
        },
        budget: session.execution_policy,
        onExceeded: async (error) => {
          sessionBudgetSpent = true;
          await endForBudget(hub, caller, session, runUuid, 'session', error);
        },
      });
    }
    if (askBudget && tables) {
      budgets.push({
        target: {
          tableName: tables.sessionRuns,
          key: { session_uuid: session.session_uuid, run_uuid: runUuid },
          partitionKey: tenant.partitionKey,
          startedMs: continued ? Date.parse(continued.run.created_at) : Date.now(),
        },
        budget: askBudget,
        onExceeded: (error) => endForBudget(hub, caller, session, runUuid, 'ask', error),
      });
    }
    metered = meteredRuntime(runtime, gov, {
      tenant,
      coordinationUuid: coordination.coordination_uuid,
      sessionUuid: session.session_uuid,
      agentUuid: agent.agent_uuid,
      taskUuid: null,
      // A continued run makes new model calls under the same run uuid: its own prefix keeps their ids new.
      callIdPrefix: continued ? `${runUuid}:${continued.key}` : runUuid,
      now: () => Date.now(),
      budgets,
      ...(gov.abortPollMs !== undefined && { abortPollMs: gov.abortPollMs }),
    });
    runtime = metered;
  }
  const guardrails = guardrailsOf(agent, coordination);
  if (guardrails) {
    const outputSchema = outputSchemaOf(agent);
    runtime = guardedRuntime(runtime, guardrails, {
      ...(outputSchema && { outputSchema }),
      ...(gov?.bedrock && { bedrock: gov.bedrock }),
      onFindings: async (report) => {
        reports.push(report);
        await hub.record(
          tenant,
          session.session_uuid,
          sessionEvent.guardrailFindings({ run_uuid: runUuid, agent_uuid: agent.agent_uuid, ...report }),
        );
      },
    });
  }
  return {
    runtime,
    /** True when the session's own budget (not only the ask's) refused a call: the session ends. */
    sessionBudgetSpent: () => sessionBudgetSpent,
    runFields() {
      const totals = metered?.totals();
      // A continued run's row already holds what it used before it waited for approval.
      const prior = continued?.run;
      const plus = (a: number | null | undefined, b: number | null | undefined) =>
        a == null && b == null ? null : Math.round(((a ?? 0) + (b ?? 0)) * 1e10) / 1e10;
      return {
        ...(totals && {
          model: totals.usage.model ?? prior?.model ?? null,
          input_tokens: (prior?.input_tokens ?? 0) + totals.usage.inputTokens,
          output_tokens: (prior?.output_tokens ?? 0) + totals.usage.outputTokens,
          cached_tokens: (prior?.cached_tokens ?? 0) + totals.usage.cachedTokens,
          reasoning_tokens: (prior?.reasoning_tokens ?? 0) + totals.usage.reasoningTokens,
          model_calls: (prior?.model_calls ?? 0) + totals.usage.modelCalls,
          tool_calls: (prior?.tool_calls ?? 0) + totals.toolCalls,
          cost_usd: plus(prior?.cost_usd, totals.costUsd),
        }),
        ...(reports.length && {
          guardrail_findings: [...(prior?.guardrail_findings ?? []), ...reports.map((r) => ({ ...r }))],
        }),
      };
    },
  };
}

/** A session budget spent: the session is `budget_exceeded` (later asks are refused too); an ask's: only this run. */
async function endForBudget(
  hub: HubInternals,
  caller: AskCaller,
  session: Session,
  runUuid: string,
  scope: 'session' | 'ask',
  error: BudgetExceededError,
) {
  const data = { run_uuid: runUuid, scope, budget: error.budget, limit: error.limit, used: error.used };
  await hub.record(caller.tenant, session.session_uuid, sessionEvent.budgetExceeded(data));
}

/** The run status of an ask that governance ended (undefined: an ordinary failure). */
export function governedStatus(error: unknown): 'budget_exceeded' | 'blocked' | 'escalated' | undefined {
  if (error instanceof BudgetExceededError) return 'budget_exceeded';
  if (error instanceof GuardrailBlockedError) return 'blocked';
  if (error instanceof GuardrailEscalation) return 'escalated';
  return undefined;
}

/** The findings of an ask a guardrail escalated to a person (null for any other end). */
export function escalationOf(outcome: { ok: boolean; error?: unknown }) {
  return !outcome.ok && outcome.error instanceof GuardrailEscalation
    ? { findings: outcome.error.findings.map((f) => ({ ...f })) }
    : null;
}
