import type { Tenant } from '../tenant.js';
import type { CallRecord, ToolCallStore, ToolOutcome } from './call-store.js';

/**
 * A run that was cancelled: every call of it not yet answered is answered
 * now with an error (the reason), so no call is left dangling. A call that
 * waited for approval is also recorded as rejected: decideToolCalls finds
 * nothing to approve. Conditional per call: a call that finished meanwhile
 * keeps its result. Returns the calls this cancelled.
 */
export async function cancelOpenCalls(
  calls: ToolCallStore,
  tenant: Tenant,
  runUuid: string,
  reason: string,
): Promise<(CallRecord & { result: ToolOutcome })[]> {
  const run = await calls.loadRun(tenant, runUuid);
  const open = [...run.calls.values()].filter((call) => call.status !== 'done');
  const cancelled = await Promise.all(
    open.map(async (call) => {
      // Awaiting approval: never made. Approved or started: its outcome is not awaited any more.
      const result: ToolOutcome = {
        ok: false,
        value: `tool call ${call.status === 'awaiting_approval' ? 'not made' : 'abandoned'}: ${reason}`,
      };
      const won = await calls.transition(tenant, runUuid, call.call_id, call.status, {
        status: 'done',
        result,
        ...(call.status === 'awaiting_approval' && { decision: { approve: false, reason } }),
      });
      return won ? { ...call, status: 'done' as const, result } : undefined;
    }),
  );
  return cancelled.filter((call): call is NonNullable<typeof call> => call !== undefined);
}
