import type { Session } from '../../domain/session/model.js';
import type { SessionAgent } from '../../domain/session-agent/model.js';
import { sessionEvent } from '../../events/session-events.js';
import type { Tenant } from '../../tenant.js';
import type { ActionAgentView, ActionResult } from './actions.js';
import { sessionAgentTraces } from './agent-traces.js';
import type { HubContext } from './context.js';
import { onAgentCompleted, onAgentFailed, policyOf } from './progress.js';
import { errorMessage } from './run-agent.js';

/** A `pending` agent's action function: leased (one runner at a time), then `completed` or `failed`. */
export async function runAction(
  ctx: HubContext,
  tenant: Tenant,
  session: Session,
  agent: SessionAgent,
): Promise<void> {
  const key = { session_uuid: agent.session_uuid, session_agent_uuid: agent.session_agent_uuid };
  const policy = policyOf(ctx, session);
  const nowMs = ctx.clock.now();
  if (
    !(await ctx.repos.sessionAgents.claimAction(tenant, key, nowMs + policy.agent_timeout_ms + 60_000, nowMs))
  )
    return;
  const view = (a: SessionAgent): ActionAgentView => ({
    session_agent_uuid: a.session_agent_uuid,
    agent_uuid: a.agent_uuid,
    agent_name: a.agent_name,
    subtask_query: a.subtask_query,
    agent_input: a.agent_input,
    agent_output: a.agent_output,
    user_input: a.user_input,
    state: a.state,
  });
  const [predecessors, successors] = await Promise.all([
    ctx.repos.sessionAgents.batchGetOfSession(tenant, agent.session_uuid, agent.predecessor_uuids),
    ctx.repos.sessionAgents.batchGetOfSession(tenant, agent.session_uuid, agent.successor_uuids),
  ]);
  let result: ActionResult;
  try {
    result = await ctx.actions.run(agent.agent_action.action_function as Record<string, unknown>, {
      tenant,
      sessionUuid: agent.session_uuid,
      sessionAgent: view(agent),
      predecessors: predecessors.map(view),
      successors: successors.map(view),
      signal: AbortSignal.timeout(policy.agent_timeout_ms),
      agentTraces: () => sessionAgentTraces(ctx, tenant, agent.session_uuid),
    });
  } catch (error) {
    const reason = `action function failed: ${errorMessage(error)}`;
    if (!(await ctx.repos.sessionAgents.finishAction(tenant, key, { state: 'failed', notes: reason })))
      return;
    await ctx.record(tenant, agent.session_uuid, [sessionEvent.agentState(agent, 'failed', reason)]);
    await onAgentFailed(ctx, tenant, session, { ...agent, state: 'failed', notes: reason }, reason);
    return;
  }
  const completed = await ctx.repos.sessionAgents.finishAction(tenant, key, {
    state: 'completed',
    ...result,
  });
  if (!completed) return;
  await ctx.record(tenant, agent.session_uuid, [
    ...(result.agent_output !== undefined
      ? [sessionEvent.agentOutput(agent.session_agent_uuid, result.agent_output)]
      : []),
    sessionEvent.agentState(agent, 'completed', result.notes || undefined),
  ]);
  await onAgentCompleted(ctx, tenant, {
    ...agent,
    state: 'completed',
    agent_output: result.agent_output ?? agent.agent_output,
    successor_uuids: completed.successor_uuids,
  });
}
