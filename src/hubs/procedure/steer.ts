import type { SessionKey } from '../../domain/session/keys.js';
import type { Session, SessionStatus } from '../../domain/session/model.js';
import { sessionAgentKeyOf } from '../../domain/session-agent/keys.js';
import type { SessionAgent } from '../../domain/session-agent/model.js';
import { ConflictError, NotFoundError } from '../../errors.js';
import { sessionEvent } from '../../events/session-events.js';
import type { Tenant } from '../../tenant.js';
import type { HubContext } from './context.js';
import { findSessionKey, resumeSession } from './resume.js';

/** Who steers a session and why: recorded on the session and in its events. */
export interface SteerRequest {
  readonly by: string;
  readonly reason?: string | null;
}

async function loadSession(ctx: HubContext, tenant: Tenant, sessionUuid: string) {
  const key = await findSessionKey(ctx, tenant, sessionUuid);
  const session = await ctx.repos.sessions.find(tenant, key.coordination_uuid, key.session_uuid);
  if (!session) throw new NotFoundError('Session', { session_uuid: sessionUuid });
  return { key, session };
}

const conflict = (action: string, session: Pick<Session, 'session_uuid' | 'status'>) =>
  new ConflictError(`cannot ${action} a session that is ${session.status}`, {
    session_uuid: session.session_uuid,
    status: session.status,
  });

/** `from -> to` with who and why, then its event; false when another request changed the status first. */
async function steerStatus(
  ctx: HubContext,
  tenant: Tenant,
  key: SessionKey,
  from: readonly SessionStatus[],
  to: SessionStatus,
  request: SteerRequest,
  countRedrive = false,
): Promise<boolean> {
  const changed = await ctx.repos.sessions.setStatus(tenant, key, from, to, {
    status_reason: request.reason ?? '',
    status_changed_by: request.by,
    countRedrive,
  });
  return changed;
}

const reread = async (ctx: HubContext, tenant: Tenant, key: SessionKey) =>
  ctx.repos.sessions.get(tenant, key.coordination_uuid, key.session_uuid);

/**
 * `from -> to` for an idempotent steering action: `already` is the session when it is `to` by now
 * (before the write, or because a concurrent request won); any other status is CONFLICT.
 */
async function steerIdempotently(
  ctx: HubContext,
  tenant: Tenant,
  sessionUuid: string,
  action: string,
  from: readonly SessionStatus[],
  to: SessionStatus,
  request: SteerRequest,
): Promise<{ key: SessionKey; already?: Session }> {
  const { key, session } = await loadSession(ctx, tenant, sessionUuid);
  if (session.status === to) return { key, already: session };
  if (!from.includes(session.status)) throw conflict(action, session);
  if (await steerStatus(ctx, tenant, key, from, to, request)) return { key };
  const now = await reread(ctx, tenant, key);
  if (now.status === to) return { key, already: now };
  throw conflict(action, now);
}

/**
 * Cancel: the session is `cancelled` first (no delivery starts an agent
 * after it reads that), then every agent that has not finished is stopped:
 * not started, waiting for input or pending -> `cancelled`; running -> asked
 * to abort (abort_requested), which its holder's heartbeat sees on any
 * worker, and this process's runs are aborted at once. The event comes after
 * all of that, so no claim follows it. Idempotent.
 */
export async function cancelSession(
  ctx: HubContext,
  tenant: Tenant,
  sessionUuid: string,
  request: SteerRequest,
): Promise<Session> {
  const running: readonly SessionStatus[] = ['dispatched', 'in_progress', 'paused'];
  const { key, already } = await steerIdempotently(
    ctx,
    tenant,
    sessionUuid,
    'cancel',
    running,
    'cancelled',
    request,
  );
  if (already) return already;
  const reason = request.reason ? `cancelled: ${request.reason}` : 'cancelled';
  const agents = await ctx.repos.sessionAgents.listOfSession(tenant, sessionUuid);
  await Promise.all(agents.map((agent) => stopAgent(ctx, tenant, agent, reason)));
  await ctx.record(tenant, sessionUuid, [
    sessionEvent.sessionStatus('cancelled', { reason: request.reason ?? '', changed_by: request.by }),
  ]);
  return reread(ctx, tenant, key);
}

async function stopAgent(ctx: HubContext, tenant: Tenant, agent: SessionAgent, reason: string) {
  if (agent.state === 'completed' || agent.state === 'failed' || agent.state === 'cancelled') return;
  const key = sessionAgentKeyOf(agent);
  if (await ctx.repos.sessionAgents.cancel(tenant, key, reason, ctx.clock.now())) {
    await ctx.record(tenant, agent.session_uuid, [sessionEvent.agentState(agent, 'cancelled', reason)]);
    // A waiting agent may hold open tool calls (approvals): they are answered, not left dangling.
    await ctx.onAgentCancelled(tenant, { ...key, run_uuid: agent.run_uuid, reason });
    return;
  }
  // Running (or claimed since the list was read): reach its holder through the heartbeat.
  const current = await ctx.repos.sessionAgents.find(tenant, key.session_uuid, key.session_agent_uuid);
  if (current?.state !== 'executing') return;
  await ctx.repos.sessionAgents.requestAbort(tenant, key, reason);
  ctx.running.stop(key.session_uuid, [key.session_agent_uuid]);
}

/** Pause: `in_progress -> paused`; running agents finish, no delivery starts a new one. Idempotent. */
export async function pauseSession(
  ctx: HubContext,
  tenant: Tenant,
  sessionUuid: string,
  request: SteerRequest,
): Promise<Session> {
  const { key, already } = await steerIdempotently(
    ctx,
    tenant,
    sessionUuid,
    'pause',
    ['in_progress'],
    'paused',
    request,
  );
  if (already) return already;
  await ctx.record(tenant, sessionUuid, [
    sessionEvent.sessionStatus('paused', { reason: request.reason ?? '', changed_by: request.by }),
  ]);
  return reread(ctx, tenant, key);
}

/** `paused -> in_progress` (by resume); true when this call un-paused it. */
export async function unpauseSession(
  ctx: HubContext,
  tenant: Tenant,
  key: SessionKey,
  request: SteerRequest,
): Promise<boolean> {
  if (!(await steerStatus(ctx, tenant, key, ['paused'], 'in_progress', request))) return false;
  await ctx.record(tenant, key.session_uuid, [
    sessionEvent.sessionStatus('in_progress', {
      reason: request.reason ?? 'resumed',
      changed_by: request.by,
    }),
  ]);
  return true;
}

/**
 * Redrive (Step Functions semantics): a failed or cancelled session runs
 * again from where it stopped. Completed agents keep their outputs; failed,
 * cancelled and never-started agents run. Each reset agent keeps its
 * in-degree and counted predecessors (exact: decrements kept counting), and
 * counts its redrives; the session counts its own.
 */
export async function redriveSession(
  ctx: HubContext,
  tenant: Tenant,
  sessionUuid: string,
  request: SteerRequest,
): Promise<Session> {
  const { key, session } = await loadSession(ctx, tenant, sessionUuid);
  const redrivable: readonly SessionStatus[] = ['failed', 'cancelled'];
  if (!redrivable.includes(session.status)) throw conflict('redrive', session);
  const agents = await ctx.repos.sessionAgents.listOfSession(tenant, sessionUuid);
  const nowMs = ctx.clock.now();
  await Promise.all(
    agents.map(async (agent) => {
      const agentKey = sessionAgentKeyOf(agent);
      if (agent.state === 'executing' && (agent.lease_until ?? 0) >= nowMs) {
        await ctx.repos.sessionAgents.withdrawAbort(tenant, agentKey); // still running: let it finish
        return;
      }
      if (agent.state === 'completed' || agent.state === 'initial') return;
      if (await ctx.repos.sessionAgents.resetForRedrive(tenant, agentKey, nowMs)) {
        await ctx.record(tenant, sessionUuid, [sessionEvent.agentState(agent, 'initial', 'redriven')]);
      }
    }),
  );
  if (!(await steerStatus(ctx, tenant, key, redrivable, 'in_progress', request, true))) {
    return reread(ctx, tenant, key); // a concurrent redrive won; it dispatches
  }
  const redriven = await reread(ctx, tenant, key);
  await ctx.record(tenant, sessionUuid, [
    sessionEvent.sessionStatus('in_progress', {
      reason: request.reason ?? 'redrive',
      changed_by: request.by,
      redrive_count: redriven.redrive_count ?? 1,
    }),
  ]);
  await resumeSession(ctx, tenant, sessionUuid);
  return reread(ctx, tenant, key);
}
