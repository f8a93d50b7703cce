import type { Budget } from '../../budgets/model.js';
import type { Agent, Coordination } from '../../domain/coordination/model.js';
import type { Session } from '../../domain/session/model.js';
import type { SessionRun } from '../../domain/session-run/model.js';
import { type RunContinuedEvent, type RunStartedEvent, sessionEvent } from '../../events/session-events.js';
import { GuardrailEscalation } from '../../guardrails/evaluate.js';
import { AgentRuntimeError } from '../../runtimes/port.js';
import type { Decision } from '../../tools/call-store.js';
import { toolApprovalRequestedEvent } from '../../tools/events.js';
import { takeSession } from './double-texting.js';
import { escalationOf, governAsk, governedStatus } from './governed-run.js';
import { runAgent } from './run-agent.js';
import type { TriageDecision } from './triage.js';
import type { AskCaller, AskOptions, AskResult, HubInternals, RunStatus } from './types.js';

export interface RunPlan {
  readonly coordination: Coordination;
  readonly session: Session;
  readonly agent: Agent;
  readonly runUuid: string;
  readonly threadUuid: string;
  readonly newThread: boolean;
  readonly userId: string;
  readonly query: string;
  readonly inputFiles?: readonly unknown[];
  readonly triage: TriageDecision;
  /** Writes the run row as `running` (an insert for a new ask, an update for a continued one). */
  readonly markRunning: () => Promise<unknown>;
  /** Event data of run_started (a new ask) or run_continued (after tool decisions). */
  readonly startEvent: RunStartedEvent | RunContinuedEvent;
  readonly decisions?: Readonly<Record<string, Decision>>;
  /** The ask's own budget (the session's comes from its execution policy). */
  readonly budget?: Budget;
  /** A run continued after tool decisions: its row so far (usage is added to it, its calls keep their ids). */
  readonly continued?: { readonly run: SessionRun; readonly key: string };
  readonly onChunk: AskOptions['onChunk'];
  readonly onToolEvent?: AskOptions['onToolEvent'];
}

/**
 * Holds the session (double-texting policy), runs the agent, records the run
 * and the session's status: the common end of an ask and of a run continued
 * after decideToolCalls. A run that stops for tool approvals is recorded
 * `waiting_for_approval` with its pending calls and lets the session go.
 */
export async function runAndRecord(hub: HubInternals, caller: AskCaller, plan: RunPlan): Promise<AskResult> {
  const { tenant } = caller;
  const { locks, repos, record } = hub;
  let session = plan.session;
  const { runUuid, agent, userId } = plan;
  await takeSession(hub, tenant, session, runUuid, hub.settings.agentTimeoutMs + 30_000);
  try {
    await plan.markRunning();
    await record(tenant, session.session_uuid, plan.startEvent);
    const governed = governAsk(
      hub,
      caller,
      plan.coordination,
      agent,
      session,
      runUuid,
      plan.budget,
      plan.continued,
    );
    const outcome = await runAgent(
      hub,
      caller,
      agent,
      session,
      {
        runtime: governed.runtime,
        runUuid,
        threadUuid: plan.threadUuid,
        newThread: plan.newThread,
        userId,
        query: plan.query,
        ...(plan.inputFiles && { inputFiles: plan.inputFiles }),
        ...(plan.decisions && { decisions: plan.decisions }),
      },
      plan.onChunk,
      plan.onToolEvent,
    );
    // Lost the session to an `interrupt` (here or on another instance): record, never overwrite the successor.
    const stillOwner = (await locks.holder(tenant, session.session_uuid))?.runUuid === runUuid;
    let status: Exclude<RunStatus, 'unassigned'>;
    let answer: string | null = null;
    let error: string | null = null;
    let threadUuid = plan.threadUuid;
    let asyncTaskUuid: string | null = null;
    const pending = outcome.ok ? (outcome.result.pendingToolCalls ?? null) : null;
    if (outcome.ok) {
      answer = pending ? null : outcome.result.output;
      threadUuid = outcome.result.threadUuid;
      asyncTaskUuid = outcome.result.asyncTaskUuid ?? null;
      status = !stillOwner ? 'cancelled' : pending ? 'waiting_for_approval' : 'completed';
    } else {
      error = outcome.error instanceof Error ? outcome.error.message : String(outcome.error);
      status = outcome.interrupted || !stillOwner ? 'cancelled' : outcome.timedOut ? 'timeout' : 'failed';
      status = governedStatus(outcome.error) ?? status;
      if (!(outcome.error instanceof AgentRuntimeError)) {
        hub.logger?.error({ err: outcome.error, runUuid }, 'agent run failed unexpectedly');
      }
    }
    await repos.sessionRuns.update(tenant, session.session_uuid, runUuid, {
      status,
      answer,
      thread_uuid: threadUuid,
      async_task_uuid: asyncTaskUuid,
      pending_tool_calls: status === 'waiting_for_approval' && pending ? [...pending] : null,
      updated_by: userId,
      ...governed.runFields(),
      // An escalated answer waits on the run for a person; it is not the ask's answer.
      ...(outcome.ok === false &&
        outcome.error instanceof GuardrailEscalation && { answer: outcome.error.heldOutput }),
    });
    if (status === 'waiting_for_approval' && pending) {
      const event = toolApprovalRequestedEvent({ run_uuid: runUuid, pending_tool_calls: pending });
      await record(tenant, session.session_uuid, event);
    }
    await record(
      tenant,
      session.session_uuid,
      sessionEvent.runFinished(status, {
        run_uuid: runUuid,
        agent_uuid: agent.agent_uuid,
        thread_uuid: threadUuid,
        ...(error && { error }),
        ...(answer !== null && { answer_chars: answer.length }),
      }),
    );
    if (stillOwner) {
      const sessionStatus =
        status === 'failed'
          ? 'failed'
          : status === 'timeout'
            ? 'timeout'
            : status === 'budget_exceeded' && governed.sessionBudgetSpent()
              ? 'budget_exceeded'
              : 'active';
      const previousStatus = session.status;
      session = await repos.sessions.update(tenant, session.coordination_uuid, session.session_uuid, {
        status: sessionStatus,
        updated_by: userId,
      });
      if (previousStatus !== sessionStatus) {
        await record(tenant, session.session_uuid, sessionEvent.sessionStatus(sessionStatus));
      }
    }
    return {
      coordinationUuid: plan.coordination.coordination_uuid,
      sessionUuid: session.session_uuid,
      runUuid,
      threadUuid,
      agentUuid: agent.agent_uuid,
      asyncTaskUuid,
      status,
      answer,
      error,
      triage: plan.triage,
      session,
      pendingToolCalls: status === 'waiting_for_approval' ? pending : null,
      escalation: escalationOf(outcome),
    };
  } finally {
    await locks.release(tenant, session.session_uuid, runUuid);
  }
}
