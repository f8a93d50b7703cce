import type { Session } from '../../domain/session/model.js';
import { sessionAgentKeyOf } from '../../domain/session-agent/keys.js';
import type { SessionAgent } from '../../domain/session-agent/model.js';
import { sessionEvent } from '../../events/session-events.js';
import type { Tenant } from '../../tenant.js';
import type { HubContext } from './context.js';
import { dispatchAgents, sessionKeyOf } from './progress.js';

/**
 * The run was stopped before its runtime call returned. `released`: this
 * worker is ending, so the lease ends now and a fresh delivery takes the
 * agent over at once. `stopped`: cancel reached it (the claim is still ours)
 * or another worker took the claim over (the write below then changes nothing).
 */
export async function onRunStopped(
  ctx: HubContext,
  tenant: Tenant,
  session: Session,
  agent: SessionAgent,
  token: string,
  input: string,
  reason: 'stopped' | 'released',
  slotted: boolean,
): Promise<void> {
  const key = sessionAgentKeyOf(agent);
  if (reason === 'released') {
    if (await ctx.repos.sessionAgents.releaseClaim(tenant, key, token)) {
      await dispatchAgents(ctx, tenant, sessionKeyOf(agent), [agent.session_agent_uuid]);
    }
    return;
  }
  const notes = 'cancelled while running: the runtime call was aborted';
  const cancelled = await ctx.repos.sessionAgents.finishRun(tenant, key, token, {
    state: 'cancelled',
    agent_input: input,
    notes,
  });
  if (!cancelled) return;
  await ctx.record(tenant, agent.session_uuid, [sessionEvent.agentState(agent, 'cancelled', notes)]);
  await ctx.onAgentCancelled(tenant, { ...key, run_uuid: cancelled.run_uuid, reason: notes });
  if (slotted) await ctx.repos.sessions.releaseSlot(tenant, sessionKeyOf(session), agent.session_agent_uuid);
}
