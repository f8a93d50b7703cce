import type { SessionAgent } from '../../domain/session-agent/model.js';
import { ConflictError, NotFoundError } from '../../errors.js';
import { sessionEvent } from '../../events/session-events.js';
import type { Tenant } from '../../tenant.js';
import type { HubContext } from './context.js';
import { decideEscalation, parseEscalationDecision } from './governed-outcomes.js';
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
  const decided = await decideEscalation(ctx, tenant, agent, decision, userInput, next);
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
    await onAgentCompleted(ctx, tenant, { ...agent, state: 'completed', agent_output: decided.output });
  }
}
