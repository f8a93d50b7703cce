import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { BudgetExceededError } from '../../budgets/model.js';
import { conditionHeld } from '../../db/condition-held.js';
import { decisionNotes, type EscalationDecision } from '../../guardrails/escalation-decision.js';
import { GuardrailEscalation } from '../../guardrails/evaluate.js';
import { newId } from '../../ids.js';
import type { Tenant } from '../../tenant.js';
import type { HubContext } from './context.js';
import type { AgentRecord, SessionRecord } from './records.js';

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
  session: SessionRecord,
  agent: AgentRecord,
  run: { token: string; input: string; threadUuid: string; runFields: Record<string, unknown> },
  error: unknown,
): Promise<boolean> {
  const key = { session_uuid: agent.session_uuid, session_agent_uuid: agent.session_agent_uuid };
  if (error instanceof BudgetExceededError) {
    const notes = `not run: ${error.message}`;
    if (
      !(await ctx.store.finishRun(tenant, key, run.token, {
        state: 'initial',
        agent_input: run.input,
        notes,
      }))
    )
      return true;
    await ctx.record(tenant, agent.session_uuid, [
      agentEvent(agent, 'initial', { notes, budget: error.budget }),
    ]);
    return true;
  }
  if (!(error instanceof GuardrailEscalation)) return false;
  const runUuid = newId();
  const escalation = { findings: error.findings.map((f) => ({ ...f })), run_uuid: runUuid };
  const held = await ctx.store.write('agent_escalated', () =>
    conditionHeld(() =>
      ctx.deps.doc.send(
        new UpdateCommand({
          TableName: ctx.deps.tables.sessionAgents,
          Key: key,
          UpdateExpression:
            'SET #state = :wait, agent_input = :input, agent_output = :held, guardrail_escalation = :esc, thread_uuid = :thread, run_uuid = :run, notes = :notes, updated_at = :now REMOVE lease_until',
          ConditionExpression: 'partition_key = :pk AND #state = :executing AND claim_token = :token',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: {
            ':wait': 'wait_for_user_input',
            ':input': run.input,
            ':held': error.heldOutput,
            ':esc': escalation,
            ':thread': run.threadUuid,
            ':run': runUuid,
            ':notes': error.message,
            ':now': new Date(ctx.clock.now()).toISOString(),
            ':pk': tenant.partitionKey,
            ':executing': 'executing',
            ':token': run.token,
          },
        }),
      ),
    ),
  );
  if (!held) return true;
  await ctx.deps.repos.sessionRuns.insert(tenant, {
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
    agentEvent(agent, 'wait_for_user_input', { notes: error.message, escalation }),
  ]);
  return true;
}

const agentEvent = (agent: AgentRecord, state: string, extra: Record<string, unknown>) => ({
  type: 'agent_state',
  data: {
    session_agent_uuid: agent.session_agent_uuid,
    agent_uuid: agent.agent_uuid,
    agent_name: agent.agent_name,
    state,
    ...extra,
  },
});

/** `wait_for_user_input -> completed|pending|failed` for an escalation, with the decided output. */
export async function decideEscalation(
  ctx: HubContext,
  tenant: Tenant,
  agent: AgentRecord,
  decision: EscalationDecision,
  next: 'pending' | 'completed',
): Promise<{ state: 'pending' | 'completed' | 'failed'; output: string | null } | false> {
  const state = decision.decision === 'reject' ? 'failed' : next;
  const output = decision.decision === 'edit' ? decision.output : (agent.agent_output ?? '');
  const notes = decisionNotes(decision);
  const won = await ctx.store.write('escalation_decided', () =>
    conditionHeld(() =>
      ctx.deps.doc.send(
        new UpdateCommand({
          TableName: ctx.deps.tables.sessionAgents,
          Key: { session_uuid: agent.session_uuid, session_agent_uuid: agent.session_agent_uuid },
          UpdateExpression:
            // The decision is not user input for the successors (it is in the user_input event and the notes).
            'SET #state = :to, agent_output = :out, notes = :notes, updated_at = :now REMOVE guardrail_escalation',
          ConditionExpression:
            'partition_key = :pk AND #state = :wait AND attribute_exists(guardrail_escalation)',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: {
            ':to': state,
            ':out': state === 'failed' ? (agent.agent_output ?? '') : output,
            ':notes': notes,
            ':now': new Date(ctx.clock.now()).toISOString(),
            ':pk': tenant.partitionKey,
            ':wait': 'wait_for_user_input',
          },
        }),
      ),
    ),
  );
  return won ? { state, output: state === 'failed' ? null : output } : false;
}
