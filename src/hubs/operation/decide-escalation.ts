import type { Agent, Coordination } from '../../domain/coordination/model.js';
import type { SessionRun } from '../../domain/session-run/model.js';
import { ConflictError } from '../../errors.js';
import { sessionEvent } from '../../events/session-events.js';
import { guardrailsOf } from '../../governance/governance.js';
import { decisionNotes, type EscalationDecision } from '../../guardrails/escalation-decision.js';
import { evaluate } from '../../guardrails/evaluate.js';
import { runtimeKindOf } from '../../runtimes/settings.js';
import type { TriageDecision } from './triage.js';
import type { AskCaller, AskResult, DecideEscalationInput, HubInternals } from './types.js';

/** Runtimes whose conversation lives in the engine's thread store (the others keep their own). */
const THREAD_KEEPING_RUNTIMES = new Set(['openai', 'bedrock']);

/**
 * decideEscalation on an askOperationHub run that a guardrail escalated
 * (status `escalated`, the held answer on the run): approve it, edit it or
 * reject it. One conditional write on the run picks the one decision that
 * counts; then an approved or edited answer joins the thread (as the
 * runtime would have written it had the answer passed) and the run ends
 * `completed`, a rejected one `failed`. No model call is made: the usage
 * of the run is what it used before it waited.
 */
export async function decideEscalatedRun(
  hub: HubInternals,
  caller: AskCaller,
  input: DecideEscalationInput,
): Promise<AskResult> {
  const { tenant } = caller;
  const run = await hub.repos.sessionRuns.get(tenant, input.sessionUuid, input.runUuid);
  if (run.status !== 'escalated' || run.session_agent_uuid) {
    throw new ConflictError(
      run.session_agent_uuid
        ? 'a procedure-hub run is decided on its SessionAgent (sessionAgentUuid)'
        : `run is ${run.status ?? 'unknown'}, not escalated`,
      { run_uuid: input.runUuid },
    );
  }
  const { decision } = input;
  const approved = decision.decision !== 'reject';
  const answer = decision.decision === 'edit' ? decision.output : approved ? (run.answer ?? '') : null;
  const status = approved ? 'completed' : 'failed';
  const decided = await hub.repos.sessionRuns.decideEscalation(tenant, run.session_uuid, run.run_uuid, {
    status,
    answer,
    escalation_decision: {
      decision: decision.decision,
      decided_by: caller.userId,
      decided_at: new Date().toISOString(),
      ...(decision.decision === 'reject' && decision.reason && { reason: decision.reason }),
    },
    updated_by: caller.userId,
  });
  if (!decided)
    throw new ConflictError('the escalated answer was decided already', { run_uuid: run.run_uuid });

  const [coordination, session] = await Promise.all([
    hub.repos.coordinations.get(tenant, run.coordination_uuid),
    hub.repos.sessions.get(tenant, run.coordination_uuid, run.session_uuid),
  ]);
  const agent = coordination.agents.find((a) => a.agent_uuid === run.agent_uuid);
  if (answer !== null && agent) await keepInThread(hub, caller, coordination, agent, run, answer);
  const error = approved ? null : decisionNotes(decision);
  await recordDecision(hub, caller, run, decision, status, answer, error);
  return {
    coordinationUuid: run.coordination_uuid,
    sessionUuid: run.session_uuid,
    runUuid: run.run_uuid,
    threadUuid: run.thread_uuid,
    agentUuid: run.agent_uuid,
    asyncTaskUuid: run.async_task_uuid ?? null,
    status,
    answer,
    error,
    triage: (run.triage as TriageDecision | null | undefined) ?? {
      method: 'explicit',
      agent_uuid: run.agent_uuid,
      confidence: 1,
      reason: 'decided after escalation',
    },
    session,
    escalation: null,
  };
}

/** The exchange the runtime held back, now with the answer a person let through. */
async function keepInThread(
  hub: HubInternals,
  caller: AskCaller,
  coordination: Coordination,
  agent: Agent,
  run: SessionRun,
  answer: string,
) {
  if (!hub.threads || !THREAD_KEEPING_RUNTIMES.has(runtimeKindOf(agent))) return;
  // The run keeps the query as asked; the thread gets it as the model saw it (input redactions applied).
  let query = run.user_query ?? '';
  const inputChecks = guardrailsOf(agent, coordination)?.input ?? [];
  if (inputChecks.length) {
    const bedrock = hub.governance?.bedrock;
    query = (await evaluate(inputChecks, query, 'input', { ...(bedrock && { bedrock }) })).text;
  }
  await hub.threads.append(caller.tenant, run.thread_uuid, [
    { role: 'user', content: query },
    { role: 'assistant', content: answer },
  ]);
}

async function recordDecision(
  hub: HubInternals,
  caller: AskCaller,
  run: SessionRun,
  decision: EscalationDecision,
  status: 'completed' | 'failed',
  answer: string | null,
  error: string | null,
) {
  await hub.record(
    caller.tenant,
    run.session_uuid,
    sessionEvent.escalationDecided({
      run_uuid: run.run_uuid,
      decision: decision.decision,
      decided_by: caller.userId,
      ...(decision.decision === 'reject' && decision.reason && { reason: decision.reason }),
    }),
  );
  await hub.record(
    caller.tenant,
    run.session_uuid,
    sessionEvent.runFinished(status, {
      run_uuid: run.run_uuid,
      agent_uuid: run.agent_uuid,
      thread_uuid: run.thread_uuid,
      ...(error && { error }),
      ...(answer !== null && { answer_chars: answer.length }),
    }),
  );
}
