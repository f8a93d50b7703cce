import type { Session } from '../../domain/session/model.js';
import { type SessionAgentKey, sessionAgentKeyOf } from '../../domain/session-agent/keys.js';
import type { SessionAgent } from '../../domain/session-agent/model.js';
import { newId } from '../../ids.js';
import { tenantFields } from '../../queue/messages.js';
import type { Tenant } from '../../tenant.js';
import type { HubContext } from './context.js';
import { dispatchWaitingForSlot, policyOf, sessionKeyOf } from './progress.js';

// Before an agent runs: whether this delivery is only a duplicate, then the slot and the claim.

/**
 * The row, unless a live lease makes this delivery a duplicate (undefined).
 * A run of this process: its own delivery is still in flight here and comes
 * back from the queue if the process dies (the sweeper backs that up), so the
 * duplicate is dropped. Another worker's run: if that worker dies, this
 * delivery must take over once the lease ends, so it goes back to the queue
 * until then instead of being dropped.
 */
export async function unlessHeldElsewhere(
  ctx: HubContext,
  tenant: Tenant,
  key: SessionAgentKey & { coordination_uuid: string },
  row: SessionAgent,
): Promise<SessionAgent | undefined> {
  const live = (r: SessionAgent) =>
    r.state === 'executing' && (r.lease_until ?? 0) >= ctx.clock.now() && !r.abort_requested;
  if (!live(row)) return row;
  if (ctx.running.holds(key)) return undefined;
  // A run of this process may have ended between the read and now (its final write lands before it
  // leaves the registry): read again rather than hold a message back for a whole lease for nothing.
  const fresh = await ctx.repos.sessionAgents.find(tenant, key.session_uuid, key.session_agent_uuid);
  if (!fresh || !live(fresh)) return fresh;
  if (ctx.running.holds(key)) return undefined;
  await deferDelivery(ctx, tenant, key, (fresh.lease_until ?? 0) - ctx.clock.now());
  return undefined;
}

/** The same execute_agent message again, hidden until the holder's lease ends (at most 15 minutes). */
async function deferDelivery(
  ctx: HubContext,
  tenant: Tenant,
  key: SessionAgentKey & { coordination_uuid: string },
  remainingMs: number,
) {
  await ctx.deps.queue.send(
    [
      {
        type: 'execute_agent',
        ...tenantFields(tenant),
        coordination_uuid: key.coordination_uuid,
        session_uuid: key.session_uuid,
        session_agent_uuid: key.session_agent_uuid,
      },
    ],
    { delaySeconds: Math.min(900, Math.ceil(Math.max(0, remainingMs) / 1000) + 1) },
  );
}

export interface Claimed {
  readonly token: string;
  readonly runUuid: string;
  readonly predecessors: readonly SessionAgent[];
  /** Ends the in-flight claim mark, once the heartbeat has registered the run. */
  readonly registered: () => void;
}

/** The slot (under max_parallel) and the claim, with the predecessors' rows read beside it. */
export async function claimReady(
  ctx: HubContext,
  tenant: Tenant,
  session: Session,
  agent: SessionAgent,
): Promise<Claimed | undefined> {
  const key = sessionAgentKeyOf(agent);
  const policy = policyOf(ctx, session);
  const slotted = policy.max_parallel !== undefined;
  if (
    slotted &&
    !(await ctx.repos.sessions.acquireSlot(
      tenant,
      sessionKeyOf(agent),
      agent.session_agent_uuid,
      policy.max_parallel!,
    ))
  ) {
    return; // stays ready; whoever frees a slot dispatches it again
  }
  const token = newId();
  const nowMs = ctx.clock.now();
  // Until the heartbeat registers the run, a duplicate here must still see the agent as this process's.
  const claimed = ctx.running.claiming(key);
  // The predecessors' outputs are read while the claim is written (a lost claim wastes one read).
  const [claim, read] = await Promise.allSettled([
    ctx.repos.sessionAgents.claim(tenant, key, token, nowMs + ctx.leaseMs, nowMs, newId()),
    ctx.repos.sessionAgents.batchGetOfSession(tenant, agent.session_uuid, agent.predecessor_uuids),
  ]);
  if (claim.status === 'rejected' || !claim.value) claimed();
  if (claim.status === 'rejected') throw claim.reason;
  if (!claim.value) {
    if (slotted) await releaseUnlessRunning(ctx, tenant, key, session);
    return;
  }
  // Claimed: a failed read is read again rather than leaving the claim to its lease.
  const predecessors =
    read.status === 'fulfilled'
      ? read.value
      : await ctx.repos.sessionAgents
          .batchGetOfSession(tenant, agent.session_uuid, agent.predecessor_uuids)
          .catch((error: unknown) => {
            claimed(); // a read that fails here leaves the claim to its lease, not the mark forever
            throw error;
          });
  return { token, runUuid: claim.value, predecessors, registered: claimed };
}

/**
 * A delivery that took a slot but lost the claim: keep the slot if the agent
 * is running (it is the original delivery's slot), else give it back.
 */
export async function releaseUnlessRunning(
  ctx: HubContext,
  tenant: Tenant,
  key: SessionAgentKey,
  session: Session,
) {
  const current = await ctx.repos.sessionAgents.find(tenant, key.session_uuid, key.session_agent_uuid);
  if (current && current.state === 'executing') return;
  await ctx.repos.sessions.releaseSlot(tenant, sessionKeyOf(session), key.session_agent_uuid);
  // Someone may have been refused a slot while this delivery held it.
  await dispatchWaitingForSlot(ctx, tenant, sessionKeyOf(session));
}
