import { type SessionKey, sessionKeyOf } from '../../domain/session/keys.js';
import type { Session } from '../../domain/session/model.js';
import { sessionAgentKey } from '../../domain/session-agent/keys.js';
import {
  type SessionAgent,
  type SessionAgentState,
  TERMINAL_STATES,
} from '../../domain/session-agent/model.js';
import { sessionEvent } from '../../events/session-events.js';
import { tenantFields } from '../../queue/messages.js';
import type { Tenant } from '../../tenant.js';
import type { HubContext } from './context.js';
import { type ResolvedPolicy, resolvePolicy } from './policy.js';

export { sessionKeyOf } from '../../domain/session/keys.js';

/** After a completion or failure: successors, slots, session status. Every step is idempotent. */

/**
 * The session's effective policy: the stored (resolved) one over the hub's
 * defaults and the built-in ones, so a session the Python engine wrote
 * (no execution_policy) runs with the defaults instead of undefined limits.
 */
export function policyOf(ctx: HubContext, session: Pick<Session, 'execution_policy'>): ResolvedPolicy {
  return resolvePolicy(ctx.deps.policyDefaults, session.execution_policy);
}

export async function dispatchAgents(
  ctx: HubContext,
  tenant: Tenant,
  session: SessionKey,
  sessionAgentUuids: readonly string[],
): Promise<void> {
  if (sessionAgentUuids.length === 0) return;
  await ctx.deps.queue.send(
    sessionAgentUuids.map((uuid) => ({
      type: 'execute_agent',
      ...tenantFields(tenant),
      coordination_uuid: session.coordination_uuid,
      session_uuid: session.session_uuid,
      session_agent_uuid: uuid,
    })),
  );
}

/**
 * Decrements every successor once for this predecessor (one conditional
 * write per edge) and dispatches those that reached in-degree 0. When nothing
 * is left to dispatch from here, the session may be done: check it.
 */
export async function onAgentCompleted(ctx: HubContext, tenant: Tenant, agent: SessionAgent): Promise<void> {
  const { someoneElseChecks } = await decrementSuccessors(ctx, tenant, agent);
  if (!someoneElseChecks) await checkSessionCompletion(ctx, tenant, sessionKeyOf(agent));
}

/**
 * The decrements and dispatches of `onAgentCompleted`, without its completion
 * check: `someoneElseChecks` is false when this agent may be the session's
 * last, and the caller must then check (after whatever it still appends).
 * `keep`: the first `keep` successors to reach 0 are not dispatched but
 * returned, as their decrements left them, for the caller to run inline
 * (docs/EXECUTOR.md, "A hop, and inline continuation"); the others go
 * through the queue as always.
 */
export async function decrementSuccessors(
  ctx: HubContext,
  tenant: Tenant,
  agent: SessionAgent,
  options: { keep?: number } = {},
): Promise<{ kept: SessionAgent[]; someoneElseChecks: boolean }> {
  const key = sessionKeyOf(agent);
  const kept: SessionAgent[] = [];
  // Each successor that reaches 0 is dispatched at once, without waiting for its siblings' writes.
  const results = await Promise.all(
    agent.successor_uuids.map(async (successorUuid) => {
      const decrement = await ctx.repos.sessionAgents.decrement(
        tenant,
        sessionAgentKey(agent.session_uuid, successorUuid),
        agent.session_agent_uuid,
      );
      if (decrement.result !== 'reached_zero') return decrement;
      if (decrement.row && kept.length < (options.keep ?? 0)) kept.push(decrement.row);
      else await dispatchAgents(ctx, tenant, key, [successorUuid]);
      return decrement;
    }),
  );
  // A successor that is not terminal yet will check when it is; if none is left, this agent may be the last.
  const someoneElseChecks = results.some(
    (r) => r.result !== 'already_counted' && !TERMINAL_STATES.includes(r.state as SessionAgentState),
  );
  return { kept, someoneElseChecks };
}

/** Fail fast: the session fails now. Continue: descendants can never run, so they fail as skipped. */
export async function onAgentFailed(
  ctx: HubContext,
  tenant: Tenant,
  session: Session,
  agent: SessionAgent,
  reason: string,
): Promise<void> {
  const key = sessionKeyOf(agent);
  if (policyOf(ctx, session).failure_mode === 'fail_fast') {
    await failSession(ctx, tenant, key, `agent ${agent.agent_name ?? agent.agent_uuid} failed: ${reason}`, [
      { agent_uuid: agent.agent_uuid, log: reason },
    ]);
    return;
  }
  await skipDescendants(ctx, tenant, agent);
  await checkSessionCompletion(ctx, tenant, key);
}

export async function skipDescendants(ctx: HubContext, tenant: Tenant, failed: SessionAgent): Promise<void> {
  if (failed.successor_uuids.length === 0) return;
  const agents = await ctx.repos.sessionAgents.listOfSession(tenant, failed.session_uuid);
  const byUuid = new Map(agents.map((a) => [a.session_agent_uuid, a]));
  const queue = [...failed.successor_uuids];
  const visited = new Set<string>();
  while (queue.length) {
    const uuid = queue.shift() as string;
    if (visited.has(uuid)) continue;
    visited.add(uuid);
    const descendant = byUuid.get(uuid);
    if (!descendant) continue;
    queue.push(...descendant.successor_uuids);
    if (descendant.state !== 'initial') continue;
    const notes = `skipped: predecessor ${failed.agent_name ?? failed.agent_uuid} failed`;
    if (await ctx.repos.sessionAgents.skip(tenant, sessionAgentKey(descendant.session_uuid, uuid), notes)) {
      await ctx.record(tenant, descendant.session_uuid, [
        sessionEvent.agentState(descendant, 'failed', notes),
      ]);
    }
  }
}

/** `in_progress -> failed` with the reason in logs; the first reason wins and is never overwritten. */
export async function failSession(
  ctx: HubContext,
  tenant: Tenant,
  key: SessionKey,
  reason: string,
  logs: unknown[] = [{ error: reason }],
): Promise<boolean> {
  const won = await ctx.repos.sessions.setStatus(tenant, key, ['dispatched', 'in_progress'], 'failed', {
    logs: JSON.stringify(logs),
  });
  if (won) {
    await ctx.record(tenant, key.session_uuid, [sessionEvent.sessionStatus('failed', { reason })]);
  }
  return won;
}

/**
 * Completes (or, with failed agents, fails) the session once every agent is
 * terminal. Each agent that turns terminal without dispatching anything
 * calls this after its own write, so the last one always sees every agent
 * terminal; the conditional status write makes it happen exactly once.
 */
export async function checkSessionCompletion(
  ctx: HubContext,
  tenant: Tenant,
  key: SessionKey,
): Promise<void> {
  const agents = await ctx.repos.sessionAgents.listOfSession(tenant, key.session_uuid);
  if (agents.length === 0 || agents.some((a) => !TERMINAL_STATES.includes(a.state))) return;
  const failed = agents.filter((a) => a.state !== 'completed');
  if (failed.length) {
    await failSession(
      ctx,
      tenant,
      key,
      `${failed.length} agent(s) failed`,
      failed.map((a) => ({ agent_uuid: a.agent_uuid, log: a.notes ?? 'failed' })),
    );
    return;
  }
  if (await ctx.repos.sessions.setStatus(tenant, key, ['in_progress'], 'completed')) {
    await ctx.record(tenant, key.session_uuid, [sessionEvent.sessionStatus('completed')]);
  }
}

/**
 * After a max_parallel slot frees: dispatch agents that are ready but could
 * not get a slot (they stay `initial` with in-degree 0). Duplicates are harmless.
 */
export async function dispatchWaitingForSlot(
  ctx: HubContext,
  tenant: Tenant,
  key: SessionKey,
): Promise<void> {
  const [agents, session] = await Promise.all([
    ctx.repos.sessionAgents.listOfSession(tenant, key.session_uuid),
    ctx.repos.sessions.find(tenant, key.coordination_uuid, key.session_uuid),
  ]);
  if (session?.status !== 'in_progress') return;
  const free =
    (policyOf(ctx, session).max_parallel ?? Number.POSITIVE_INFINITY) - (session.running_agents?.length ?? 0);
  // Only as many as there are free slots (in plan order): no herd of deliveries that would all be refused.
  const waiting = agents
    .filter((a) => a.state === 'initial' && a.in_degree === 0)
    .slice(0, Math.max(0, free))
    .map((a) => a.session_agent_uuid);
  await dispatchAgents(ctx, tenant, key, waiting);
}
