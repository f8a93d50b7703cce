import type { Tenant } from '../../tenant.js';
import { cancelOpenCalls } from '../../tools/cancel-calls.js';
import { toolResultEvent } from '../../tools/events.js';
import type { CancelledAgent, HubContext } from './context.js';

/**
 * An agent cancel stopped (waiting for approvals, or aborted mid-run): the
 * calls of its run still open are answered with an error and each gets its
 * tool_result event, so no tool call is left dangling or approvable. Then the
 * deployment's own hook, if any.
 */
export async function cancelAgentToolCalls(
  ctx: HubContext,
  tenant: Tenant,
  agent: CancelledAgent,
): Promise<void> {
  if (ctx.tools && agent.run_uuid) {
    const runUuid = agent.run_uuid;
    const cancelled = await cancelOpenCalls(ctx.tools.calls, tenant, runUuid, agent.reason);
    if (cancelled.length > 0) {
      await ctx.record(
        tenant,
        agent.session_uuid,
        cancelled.map((call) =>
          toolResultEvent(
            {
              run_uuid: runUuid,
              call_id: call.call_id,
              tool: call.tool,
              session_agent_uuid: agent.session_agent_uuid,
            },
            call.result,
          ),
        ),
      );
    }
  }
  await ctx.deps.onAgentCancelled?.(tenant, agent);
}
