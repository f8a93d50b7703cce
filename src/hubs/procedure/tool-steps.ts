import type { Session } from '../../domain/session/model.js';
import { sessionAgentKeyOf } from '../../domain/session-agent/keys.js';
import type { SessionAgent } from '../../domain/session-agent/model.js';
import type { SessionRun } from '../../domain/session-run/model.js';
import { ConflictError } from '../../errors.js';
import { sessionEvent } from '../../events/session-events.js';
import type { Tenant } from '../../tenant.js';
import type { ToolRunContext } from '../../tools/context.js';
import { type PendingToolCall, toolApprovalRequestedEvent } from '../../tools/events.js';
import type { HubContext } from './context.js';
import { dispatchWaitingForSlot, sessionKeyOf } from './progress.js';

/** The tool loop's view of this SessionAgent's run: keyed by the run uuid its first claim fixed. */
export function toolContextFor(
  ctx: HubContext,
  tenant: Tenant,
  agent: SessionAgent,
  runUuid: string,
): ToolRunContext | undefined {
  if (!ctx.tools) return undefined;
  return {
    runUuid,
    tenant,
    sessionUuid: agent.session_uuid,
    sessionAgentUuid: agent.session_agent_uuid,
    toolbox: ctx.tools.toolbox,
    calls: ctx.tools.calls,
    ...(agent.tool_decisions && { decisions: agent.tool_decisions }),
    record: (events) => ctx.record(tenant, agent.session_uuid, events),
  };
}

/**
 * `executing -> wait_for_user_input` with the calls that need a person: they
 * are on the SessionAgent (pending_tool_calls) and in a tool_approval_requested
 * event; decideToolCalls answers them and puts the agent back on the queue.
 */
export async function pauseForApproval(
  ctx: HubContext,
  tenant: Tenant,
  session: Session,
  agent: SessionAgent,
  run: { token: string; runUuid: string; input: string; slotted: boolean },
  pending: readonly PendingToolCall[],
): Promise<void> {
  const paused = await ctx.repos.sessionAgents.finishRun(tenant, sessionAgentKeyOf(agent), run.token, {
    state: 'wait_for_user_input',
    agent_input: run.input,
    run_uuid: run.runUuid,
    pending_tool_calls: [...pending],
  });
  if (!paused) return; // the claim expired and another delivery took over
  await ctx.record(tenant, agent.session_uuid, [
    toolApprovalRequestedEvent({
      run_uuid: run.runUuid,
      session_agent_uuid: agent.session_agent_uuid,
      pending_tool_calls: pending,
    }),
    sessionEvent.agentState(agent, 'wait_for_user_input', undefined, { pending_tool_calls: pending }),
  ]);
  // A waiting agent holds no max_parallel slot: others may run meanwhile.
  if (run.slotted) {
    await ctx.repos.sessions.releaseSlot(tenant, sessionKeyOf(session), agent.session_agent_uuid);
    await dispatchWaitingForSlot(ctx, tenant, sessionKeyOf(session));
  }
}

/**
 * The run row, written once per run uuid: a run resumed after a crash that
 * followed this write finds it there (the same answer), not a conflict.
 */
export async function insertRunOnce(
  ctx: HubContext,
  tenant: Tenant,
  run: Parameters<HubContext['repos']['sessionRuns']['insert']>[1],
): Promise<SessionRun | undefined> {
  try {
    return await ctx.repos.sessionRuns.insert(tenant, run);
  } catch (error) {
    if (error instanceof ConflictError) return undefined;
    throw error;
  }
}
