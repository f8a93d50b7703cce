import { ConflictError, NotFoundError } from '../../errors.js';
import { sessionEvent } from '../../events/session-events.js';
import type { Tenant } from '../../tenant.js';
import { decisionsFor, type ToolCallDecisionInput } from '../../tools/decisions.js';
import { toolCallsDecidedEvent } from '../../tools/events.js';
import type { HubContext } from './context.js';
import { dispatchAgents } from './progress.js';

export type { ToolCallDecisionInput };

export interface DecideToolCallsInput {
  readonly sessionUuid: string;
  readonly sessionAgentUuid: string;
  readonly decisions: readonly ToolCallDecisionInput[];
}

/**
 * decideToolCalls on a procedure-hub agent: one conditional write moves it
 * `wait_for_user_input -> initial` with the decisions; the run then continues
 * on the queue, where approved calls run (edited arguments where given) and
 * rejected ones go back to the model as tool errors with the reason.
 */
export async function decideToolCalls(
  ctx: HubContext,
  tenant: Tenant,
  input: DecideToolCallsInput,
): Promise<void> {
  const key = { session_uuid: input.sessionUuid, session_agent_uuid: input.sessionAgentUuid };
  const agent = await ctx.repos.sessionAgents.find(tenant, key.session_uuid, key.session_agent_uuid);
  if (!agent) throw new NotFoundError('SessionAgent', key);
  if (agent.state !== 'wait_for_user_input' || !agent.pending_tool_calls?.length) {
    throw new ConflictError(`SessionAgent is ${agent.state} with no tool calls waiting for a decision`, {
      session_agent_uuid: input.sessionAgentUuid,
      state: agent.state,
    });
  }
  const decisions = decisionsFor(agent.pending_tool_calls, input.decisions);
  if (!(await ctx.repos.sessionAgents.decideToolCalls(tenant, key, decisions))) {
    throw new ConflictError('the tool calls were decided already', {
      session_agent_uuid: input.sessionAgentUuid,
    });
  }
  await ctx.record(tenant, input.sessionUuid, [
    toolCallsDecidedEvent({
      run_uuid: agent.run_uuid ?? '',
      session_agent_uuid: input.sessionAgentUuid,
      decisions: input.decisions.map((d) => ({
        call_id: d.callId,
        approve: d.approve,
        edited: d.arguments !== undefined && d.arguments !== null,
        ...(d.reason && { reason: d.reason }),
      })),
    }),
    sessionEvent.agentState(agent, 'initial'),
  ]);
  await dispatchAgents(
    ctx,
    tenant,
    { coordination_uuid: agent.coordination_uuid, session_uuid: agent.session_uuid },
    [agent.session_agent_uuid],
  );
}
