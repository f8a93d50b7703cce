import type { SessionKey } from '../../domain/session/keys.js';
import { sessionAgentKey } from '../../domain/session-agent/keys.js';
import type { SessionAgent } from '../../domain/session-agent/model.js';
import { ConflictError, NotFoundError } from '../../errors.js';
import { sessionEvent } from '../../events/session-events.js';
import type { Tenant } from '../../tenant.js';
import { hasActionFunction } from './actions.js';
import type { HubContext } from './context.js';
import { decideEscalatedOutput } from './escalation.js';
import {
  checkSessionCompletion,
  dispatchAgents,
  failSession,
  onAgentCompleted,
  policyOf,
  skipDescendants,
} from './progress.js';
import { startSession } from './start.js';

export interface ResumeReport {
  readonly sessionUuid: string;
  readonly status: string;
  /** SessionAgents put back on the queue. */
  readonly dispatched: number;
}

/** Finds a session by its uuid alone: its agents carry the coordination; else the tenant index. */
export async function findSessionKey(
  ctx: HubContext,
  tenant: Tenant,
  sessionUuid: string,
): Promise<SessionKey> {
  const agents = await ctx.repos.sessionAgents.listOfSession(tenant, sessionUuid);
  if (agents[0]) return { coordination_uuid: agents[0].coordination_uuid, session_uuid: sessionUuid };
  const key = await ctx.repos.sessions.findKey(tenant, sessionUuid);
  if (!key) throw new NotFoundError('Session', { session_uuid: sessionUuid });
  return key;
}

/**
 * Re-derives what is ready from stored state and re-dispatches what was lost
 * (a crash between two writes, a dropped message). Every step is one of the
 * executor's idempotent writes, so it is safe to call at any time, any
 * number of times, even while the session runs.
 */
export async function resumeSession(
  ctx: HubContext,
  tenant: Tenant,
  sessionUuid: string,
): Promise<ResumeReport> {
  const key = await findSessionKey(ctx, tenant, sessionUuid);
  const session = await ctx.repos.sessions.find(tenant, key.coordination_uuid, key.session_uuid);
  if (!session) throw new NotFoundError('Session', key);
  if (session.status === 'dispatched') {
    await startSession(ctx, tenant, key);
    const after = await ctx.repos.sessions.find(tenant, key.coordination_uuid, key.session_uuid);
    return { sessionUuid, status: after?.status ?? session.status, dispatched: 0 };
  }
  if (session.status !== 'in_progress') {
    if (session.status === 'completed' || session.status === 'failed') {
      await ensureTerminalEvent(ctx, tenant, sessionUuid, session.status, session.logs);
    }
    return { sessionUuid, status: session.status, dispatched: 0 };
  }
  const policy = policyOf(ctx, session);
  let agents = await ctx.repos.sessionAgents.listOfSession(tenant, sessionUuid);
  const byUuid = new Map(agents.map((a) => [a.session_agent_uuid, a]));

  // Decrements lost between a completion and its successors.
  for (const agent of agents.filter((a) => a.state === 'completed')) {
    const missed = agent.successor_uuids.some(
      (s) => !(byUuid.get(s)?.completed_predecessors ?? []).includes(agent.session_agent_uuid),
    );
    if (missed) await onAgentCompleted(ctx, tenant, agent);
  }
  // Failure handling lost after an agent failed.
  const failed = agents.filter((a) => a.state === 'failed');
  if (failed.length && policy.failure_mode === 'fail_fast') {
    const first = failed[0] as SessionAgent;
    await failSession(
      ctx,
      tenant,
      key,
      `agent ${first.agent_name ?? first.agent_uuid} failed: ${first.notes ?? ''}`,
      [...failed.map((a) => ({ agent_uuid: a.agent_uuid, log: a.notes ?? 'failed' }))],
    );
    return { sessionUuid, status: 'failed', dispatched: 0 };
  }
  for (const agent of failed) await skipDescendants(ctx, tenant, agent);

  agents = await ctx.repos.sessionAgents.listOfSession(tenant, sessionUuid);
  const nowMs = ctx.clock.now();
  // Slots held by agents that are not running any more (a crash before the release).
  const running = new Set(agents.filter((a) => a.state === 'executing').map((a) => a.session_agent_uuid));
  for (const holder of session.running_agents ?? []) {
    if (!running.has(holder)) await ctx.repos.sessions.releaseSlot(tenant, key, holder);
  }
  const ready = agents.filter(
    (a) =>
      (a.state === 'initial' && a.in_degree === 0) ||
      (a.state === 'executing' && (a.lease_until ?? 0) < nowMs) ||
      (a.state === 'pending' &&
        hasActionFunction(a.agent_action.action_function) &&
        (a.action_lease_until ?? 0) < nowMs),
  );
  await dispatchAgents(
    ctx,
    tenant,
    key,
    ready.map((a) => a.session_agent_uuid),
  );
  await checkSessionCompletion(ctx, tenant, key);
  const after = await ctx.repos.sessions.find(tenant, key.coordination_uuid, key.session_uuid);
  return { sessionUuid, status: after?.status ?? session.status, dispatched: ready.length };
}

/**
 * A crash between the final status write and its event leaves the log without its last event:
 * append it if it is missing (at least once: two concurrent resumes may both append it).
 */
async function ensureTerminalEvent(
  ctx: HubContext,
  tenant: Tenant,
  sessionUuid: string,
  status: string,
  logs?: string | null,
): Promise<void> {
  let after = 0;
  for (;;) {
    const page = await ctx.deps.eventLog.list(tenant, sessionUuid, { after, limit: 1000 });
    if (page.some((e) => e.type === 'session_status' && e.data.status === status)) return;
    if (page.length < 1000) break;
    after = page.at(-1)?.seq ?? after;
  }
  await ctx.record(tenant, sessionUuid, [
    sessionEvent.sessionStatus(status, { ...(logs && { reason: logs }), recovered: true }),
  ]);
}

/**
 * `wait_for_user_input -> pending|completed` with the user's input; refused
 * with CONFLICT unless the agent is waiting. Then the session continues.
 */
export async function submitUserInput(
  ctx: HubContext,
  tenant: Tenant,
  input: { sessionUuid: string; sessionAgentUuid: string; userInput: string },
): Promise<void> {
  const key = sessionAgentKey(input.sessionUuid, input.sessionAgentUuid);
  const agent = await ctx.repos.sessionAgents.find(tenant, key.session_uuid, key.session_agent_uuid);
  if (!agent) throw new NotFoundError('SessionAgent', key);
  const next = hasActionFunction(agent.agent_action.action_function) ? 'pending' : 'completed';
  if (agent.guardrail_escalation && agent.state === 'wait_for_user_input') {
    return decideEscalatedOutput(ctx, tenant, agent, input.userInput, next);
  }
  if (
    agent.state !== 'wait_for_user_input' ||
    !(await ctx.repos.sessionAgents.submitUserInput(tenant, key, input.userInput, next))
  ) {
    throw new ConflictError(`SessionAgent is ${agent.state}, not waiting for user input`, {
      session_agent_uuid: input.sessionAgentUuid,
      state: agent.state,
    });
  }
  await ctx.record(tenant, input.sessionUuid, [
    sessionEvent.userInput(input.sessionAgentUuid, input.userInput),
    sessionEvent.agentState(agent, next),
  ]);
  const sessionKey = { coordination_uuid: agent.coordination_uuid, session_uuid: agent.session_uuid };
  if (next === 'pending') {
    await dispatchAgents(ctx, tenant, sessionKey, [agent.session_agent_uuid]); // the action runs in the consumer
  } else {
    await onAgentCompleted(ctx, tenant, { ...agent, state: 'completed', user_input: input.userInput });
  }
}
