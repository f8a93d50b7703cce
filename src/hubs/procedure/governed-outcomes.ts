import { BudgetExceededError } from '../../budgets/model.js';
import type { Session } from '../../domain/session/model.js';
import { sessionAgentKeyOf } from '../../domain/session-agent/keys.js';
import type { SessionAgent } from '../../domain/session-agent/model.js';
import { sessionEvent } from '../../events/session-events.js';
import { decisionNotes, type EscalationDecision } from '../../guardrails/escalation-decision.js';
import { GuardrailEscalation } from '../../guardrails/evaluate.js';
import { newId } from '../../ids.js';
import type { Tenant } from '../../tenant.js';
import type { HubContext } from './context.js';

/**
 * Ends of an agent call that are not failures: a budget refused the call
 * (the agent goes back to `initial`, never started, and the session has
 * ended `budget_exceeded`), or a guardrail escalated the answer to a person
 * (`wait_for_user_input` with the findings and the held answer). True when
 * the error was one of them and is handled.
 */
export async function handleGovernedEnd(
  ctx: HubContext,
  tenant: Tenant,
  session: Session,
  agent: SessionAgent,
  run: { token: string; input: string; threadUuid: string; runFields: Record<string, unknown> },
  error: unknown,
): Promise<boolean> {
  const key = sessionAgentKeyOf(agent);
  if (error instanceof BudgetExceededError) {
    const notes = `not run: ${error.message}`;
    if (
      !(await ctx.repos.sessionAgents.finishRun(tenant, key, run.token, {
        state: 'initial',
        agent_input: run.input,
        notes,
      }))
    )
      return true;
    await ctx.record(tenant, agent.session_uuid, [
      sessionEvent.agentState(agent, 'initial', notes, { budget: error.budget }),
    ]);
    return true;
  }
  if (!(error instanceof GuardrailEscalation)) return false;
  const runUuid = newId();
  const escalation = { findings: error.findings.map((f) => ({ ...f })), run_uuid: runUuid };
  const held = await ctx.repos.sessionAgents.escalate(tenant, key, run.token, {
    agent_input: run.input,
    agent_output: error.heldOutput,
    guardrail_escalation: escalation,
    thread_uuid: run.threadUuid,
    run_uuid: runUuid,
    notes: error.message,
  });
  if (!held) return true;
  await ctx.repos.sessionRuns.insert(tenant, {
    session_uuid: agent.session_uuid,
    run_uuid: runUuid,
    thread_uuid: run.threadUuid,
    agent_uuid: agent.agent_uuid,
    coordination_uuid: agent.coordination_uuid,
    session_agent_uuid: agent.session_agent_uuid,
    user_query: run.input,
    answer: error.heldOutput,
    status: 'escalated',
    user_id: session.user_id ?? 'system',
    updated_by: 'procedure-hub',
    ...run.runFields,
  });
  await ctx.record(tenant, agent.session_uuid, [
    sessionEvent.agentState(agent, 'wait_for_user_input', error.message, { escalation }),
  ]);
  return true;
}

/** `wait_for_user_input -> completed|pending|failed` for an escalation, with the decided output. */
export async function decideEscalation(
  ctx: HubContext,
  tenant: Tenant,
  agent: SessionAgent,
  decision: EscalationDecision,
  next: 'pending' | 'completed',
): Promise<
  { state: 'pending' | 'completed' | 'failed'; output: string | null; successorUuids: string[] } | false
> {
  const state = decision.decision === 'reject' ? 'failed' : next;
  const output = decision.decision === 'edit' ? decision.output : (agent.agent_output ?? '');
  const notes = decisionNotes(decision);
  const won = await ctx.repos.sessionAgents.decideEscalation(tenant, sessionAgentKeyOf(agent), {
    state,
    // The decision is no input for the successors (it is in the user_input event and the notes).
    agent_output: state === 'failed' ? (agent.agent_output ?? '') : output,
    notes,
  });
  // The successors as the decision's write left them (a plan modification may have added one).
  return won
    ? { state, output: state === 'failed' ? null : output, successorUuids: won.successor_uuids }
    : false;
}
