import type { SessionAgent } from '../../domain/session-agent/model.js';
import { ConflictError, NotFoundError } from '../../errors.js';
import { sessionEvent } from '../../events/session-events.js';
import { type EscalationDecision, parseEscalationDecision } from '../../guardrails/escalation-decision.js';
import type { Tenant } from '../../tenant.js';
import { hasActionFunction } from './actions.js';
import type { HubContext } from './context.js';
import { decideEscalation } from './governed-outcomes.js';
import { dispatchAgents, onAgentCompleted, onAgentFailed, sessionKeyOf } from './progress.js';

/**
 * executeForUserInput on an agent whose output a guardrail escalated: the
 * person approves it, edits it or rejects it; the session goes on as after
 * any user-in-the-loop step (or the agent fails, on reject).
 */
export async function decideEscalatedOutput(
  ctx: HubContext,
  tenant: Tenant,
  agent: SessionAgent,
  userInput: string,
  next: 'pending' | 'completed',
): Promise<void> {
  const decision = parseEscalationDecision(userInput);
  const decided = await decideEscalation(ctx, tenant, agent, decision, next);
  if (!decided) {
    throw new ConflictError('SessionAgent is no longer waiting for a decision on its output', {
      session_agent_uuid: agent.session_agent_uuid,
    });
  }
  const uuid = agent.session_agent_uuid;
  await ctx.record(tenant, agent.session_uuid, [
    sessionEvent.userInput(uuid, userInput, decision.decision),
    ...(decided.output !== null ? [sessionEvent.agentOutput(uuid, decided.output)] : []),
    sessionEvent.agentState(agent, decided.state),
  ]);
  const key = sessionKeyOf(agent);
  if (decided.state === 'failed') {
    const session = await ctx.repos.sessions.find(tenant, key.coordination_uuid, key.session_uuid);
    if (!session) throw new NotFoundError('Session', key);
    const reason = 'escalated output rejected';
    await onAgentFailed(ctx, tenant, session, { ...agent, state: 'failed', notes: reason }, reason);
  } else if (decided.state === 'pending') {
    await dispatchAgents(ctx, tenant, key, [uuid]);
  } else {
    await onAgentCompleted(ctx, tenant, {
      ...agent,
      state: 'completed',
      agent_output: decided.output,
      successor_uuids: decided.successorUuids,
    });
  }
}

export interface DecideEscalationInput {
  readonly sessionUuid: string;
  readonly sessionAgentUuid: string;
  readonly decision: EscalationDecision;
}

/**
 * decideEscalation on a SessionAgent: the typed form of executeForUserInput
 * for an escalated output. CONFLICT unless the agent waits on an escalation
 * (never taken as an ordinary user-in-the-loop answer).
 */
export async function decideEscalatedAgent(
  ctx: HubContext,
  tenant: Tenant,
  input: DecideEscalationInput,
): Promise<void> {
  const agent = await ctx.repos.sessionAgents.find(tenant, input.sessionUuid, input.sessionAgentUuid);
  if (!agent) {
    throw new NotFoundError('SessionAgent', {
      session_uuid: input.sessionUuid,
      session_agent_uuid: input.sessionAgentUuid,
    });
  }
  if (!agent.guardrail_escalation || agent.state !== 'wait_for_user_input') {
    throw new ConflictError(`SessionAgent is ${agent.state}, not waiting on an escalated output`, {
      session_agent_uuid: input.sessionAgentUuid,
      state: agent.state,
    });
  }
  const next = hasActionFunction(agent.agent_action.action_function) ? 'pending' : 'completed';
  await decideEscalatedOutput(ctx, tenant, agent, JSON.stringify(input.decision), next);
}
