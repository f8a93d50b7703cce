import type { BudgetExceededError } from '../../budgets/model.js';
import type { Agent } from '../../domain/coordination/model.js';
import type { Session } from '../../domain/session/model.js';
import type { SessionAgent } from '../../domain/session-agent/model.js';
import { sessionEvent } from '../../events/session-events.js';
import { guardrailsOf, outputSchemaOf } from '../../governance/governance.js';
import { type MeteredRuntime, meteredRuntime } from '../../governance/metered-runtime.js';
import { type GuardrailReport, guardedRuntime } from '../../guardrails/guarded-runtime.js';
import type { AgentRuntime } from '../../runtimes/port.js';
import type { Tenant } from '../../tenant.js';
import type { HubContext } from './context.js';
import { policyOf, sessionKeyOf } from './progress.js';

/**
 * The agent's runtime as the procedure hub runs it: every model call
 * reserved against the session's budgets and recorded in the ledger
 * (metered), inside the agent's guardrails (guarded). Without governance
 * configured, the plain runtime.
 */
export function governAgentRun(
  ctx: HubContext,
  tenant: Tenant,
  session: Session,
  agent: SessionAgent,
  config: Agent,
  claimToken: string,
) {
  const gov = ctx.deps.governance;
  const reports: GuardrailReport[] = [];
  let runtime: AgentRuntime = ctx.deps.runtimes.forAgent(config);
  let metered: MeteredRuntime | undefined;
  if (gov) {
    const key = sessionKeyOf(agent);
    metered = meteredRuntime(runtime, gov, {
      tenant,
      coordinationUuid: agent.coordination_uuid,
      sessionUuid: agent.session_uuid,
      sessionAgentUuid: agent.session_agent_uuid,
      agentUuid: agent.agent_uuid,
      taskUuid: session.task_uuid ?? null,
      callIdPrefix: claimToken,
      now: () => ctx.clock.now(),
      ...(gov.abortPollMs !== undefined && { abortPollMs: gov.abortPollMs }),
      budgets: [
        {
          target: {
            tableName: ctx.deps.tables.sessions,
            key: { coordination_uuid: key.coordination_uuid, session_uuid: key.session_uuid },
            partitionKey: tenant.partitionKey,
            startedMs: Date.parse(session.created_at),
          },
          budget: policyOf(ctx, session),
          onExceeded: (error, callsStarted) => endSessionForBudget(ctx, tenant, agent, error, callsStarted),
        },
      ],
    });
    runtime = metered;
  }
  const guardrails = guardrailsOf(config);
  if (guardrails) {
    const outputSchema = outputSchemaOf(config);
    runtime = guardedRuntime(runtime, guardrails, {
      ...(outputSchema && { outputSchema }),
      ...(gov?.bedrock && { bedrock: gov.bedrock }),
      onFindings: async (report) => {
        reports.push(report);
        await ctx.record(tenant, agent.session_uuid, [
          sessionEvent.guardrailFindings({
            session_agent_uuid: agent.session_agent_uuid,
            agent_uuid: agent.agent_uuid,
            ...report,
          }),
        ]);
      },
    });
  }
  return {
    runtime,
    /** The SessionRun's own usage and findings (the ledger already ADDed the totals). */
    runFields() {
      const totals = metered?.totals();
      return {
        ...(totals && {
          model: totals.usage.model,
          input_tokens: totals.usage.inputTokens,
          output_tokens: totals.usage.outputTokens,
          cached_tokens: totals.usage.cachedTokens,
          reasoning_tokens: totals.usage.reasoningTokens,
          model_calls: totals.usage.modelCalls,
          tool_calls: totals.toolCalls,
          cost_usd: totals.costUsd,
        }),
        ...(reports.length && { guardrail_findings: reports.map((r) => ({ ...r })) }),
      };
    },
  };
}

/**
 * A budget is spent: the session ends `budget_exceeded` (from in_progress,
 * once: the conditional status write picks who records the events).
 */
export async function endSessionForBudget(
  ctx: HubContext,
  tenant: Tenant,
  agent: SessionAgent,
  error: BudgetExceededError,
  callsStarted: number,
): Promise<void> {
  const key = sessionKeyOf(agent);
  const won = await ctx.repos.sessions.setStatus(
    tenant,
    key,
    ['dispatched', 'in_progress'],
    'budget_exceeded',
    {
      logs: JSON.stringify([{ error: error.message, budget: error.budget }]),
    },
  );
  if (!won) return;
  const data = {
    budget: error.budget,
    limit: error.limit,
    used: error.used,
    model_calls_started: callsStarted,
    at_ms: ctx.clock.now(),
  };
  await ctx.record(tenant, agent.session_uuid, [
    sessionEvent.budgetExceeded(data),
    sessionEvent.sessionStatus('budget_exceeded', { budget: error.budget, reason: error.message }),
  ]);
}
