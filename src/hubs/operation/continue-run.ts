import { BudgetSchema } from '../../budgets/model.js';
import type { SessionRun } from '../../domain/session-run/model.js';
import { ConflictError, NotFoundError } from '../../errors.js';
import { sessionEvent } from '../../events/session-events.js';
import type { Decision } from '../../tools/call-store.js';
import { decisionsFor } from '../../tools/decisions.js';
import { toolCallsDecidedEvent } from '../../tools/events.js';
import { runAndRecord } from './run-and-record.js';
import type { TriageDecision } from './triage.js';
import type { AskCaller, AskOptions, AskResult, DecideRunInput, HubInternals } from './types.js';

/**
 * How an operation-hub run that is `waiting_for_approval` continues: the
 * caller decides its pending calls with decideToolCalls(sessionUuid, runUuid,
 * decisions). One conditional write (the run's decision gate in tool_calls)
 * lets exactly one decision in; the same run (same runUuid, thread and
 * query) then runs again in this request: its stored model turns replay,
 * approved calls run, rejected ones answer the model with the reason, and the
 * answer comes back like an ask's (streamed over WebSocket).
 */
export async function continueAfterDecisions(
  hub: HubInternals,
  caller: AskCaller,
  input: DecideRunInput,
  options: AskOptions,
): Promise<AskResult> {
  const { tenant } = caller;
  const run = await hub.repos.sessionRuns.get(tenant, input.sessionUuid, input.runUuid);
  const pending = run.pending_tool_calls ?? [];
  if (run.status !== 'waiting_for_approval' || pending.length === 0) {
    throw new ConflictError(`run is ${run.status ?? 'unknown'}, not waiting for approval`, {
      run_uuid: input.runUuid,
    });
  }
  if (!hub.tools) throw new Error('decideToolCalls: tools are not wired on this hub');
  const decisions = decisionsFor(pending, input.decisions);
  const gate = `decided#${pending
    .map((p) => p.call_id)
    .sort()
    .join(',')}`;
  const calls = hub.tools.calls;
  if (!(await calls.claimOnce(tenant, input.runUuid, gate, { decisions }))) {
    throw new ConflictError('the tool calls were decided already', { run_uuid: input.runUuid });
  }
  let started = false;
  try {
    return await continueDecided(hub, caller, run, decisions, gate, input, options, () => {
      started = true;
    });
  } catch (error) {
    // Refused before the run went on (the session is busy, per its double-texting policy): the
    // decision did not happen, so the gate is given back and the caller may decide again.
    if (!started) await calls.releaseOnce(tenant, input.runUuid, gate);
    throw error;
  }
}

async function continueDecided(
  hub: HubInternals,
  caller: AskCaller,
  run: SessionRun,
  decisions: Record<string, Decision>,
  gate: string,
  input: DecideRunInput,
  options: AskOptions,
  onStart: () => void,
): Promise<AskResult> {
  const { tenant } = caller;
  const [coordination, session] = await Promise.all([
    hub.repos.coordinations.get(tenant, run.coordination_uuid),
    hub.repos.sessions.get(tenant, run.coordination_uuid, run.session_uuid),
  ]);
  const agent = coordination.agents.find((a) => a.agent_uuid === run.agent_uuid);
  if (!agent) throw new NotFoundError('Agent', { agent_uuid: run.agent_uuid });
  const decided = toolCallsDecidedEvent({
    run_uuid: input.runUuid,
    decisions: input.decisions.map((d) => ({
      call_id: d.callId,
      approve: d.approve,
      edited: d.arguments !== undefined && d.arguments !== null,
      ...(d.reason && { reason: d.reason }),
    })),
  });
  const userId = run.user_id ?? caller.userId;
  return runAndRecord(hub, caller, {
    coordination,
    session,
    agent,
    runUuid: run.run_uuid,
    threadUuid: run.thread_uuid,
    newThread: false,
    userId,
    query: run.user_query ?? '',
    triage: (run.triage as TriageDecision | null | undefined) ?? {
      method: 'explicit',
      agent_uuid: agent.agent_uuid,
      confidence: 1,
      reason: 'continued after tool decisions',
    },
    decisions,
    ...(run.ask_budget && { budget: BudgetSchema.parse(run.ask_budget) }),
    continued: { run, key: gate },
    // The session is this run's now: the decision stands (recorded), the run goes on.
    markRunning: async () => {
      onStart();
      await hub.record(tenant, session.session_uuid, decided);
      return hub.repos.sessionRuns.update(tenant, run.session_uuid, run.run_uuid, {
        status: 'running',
        pending_tool_calls: null,
        updated_by: userId,
      });
    },
    startEvent: sessionEvent.runContinued({ run_uuid: run.run_uuid, agent_uuid: agent.agent_uuid }),
    onChunk: options.onChunk,
    onToolEvent: options.onToolEvent,
  });
}
