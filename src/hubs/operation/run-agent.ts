import type { Agent } from '../../domain/coordination/model.js';
import type { Session } from '../../domain/session/model.js';
import { sessionEvent } from '../../events/session-events.js';
import type { AgentRunResult, AgentRuntime } from '../../runtimes/port.js';
import { withCorrelation } from '../../telemetry/correlation.js';
import { invokeAgentSpan } from '../../telemetry/genai.js';
import type { Decision } from '../../tools/call-store.js';
import type { ToolRunContext } from '../../tools/context.js';
import type { AskCaller, AskOptions, HubInternals } from './types.js';

export interface RunSpec {
  /** The agent's runtime as this ask runs it (metered, guarded). */
  readonly runtime?: AgentRuntime;
  readonly runUuid: string;
  readonly threadUuid: string;
  readonly newThread: boolean;
  readonly userId: string;
  readonly query: string;
  readonly inputFiles?: readonly unknown[];
  /** A person's decisions on the run's pending tool calls (a run continued by decideToolCalls). */
  readonly decisions?: Readonly<Record<string, Decision>>;
}

export type RunOutcome =
  | { readonly ok: true; readonly result: AgentRunResult }
  | {
      readonly ok: false;
      readonly error: unknown;
      readonly interrupted: boolean;
      readonly timedOut: boolean;
    };

/**
 * Runs the agent under the hub's timeout and the interrupt switch; forwards
 * chunks to the caller and logs them as `token` events in batches. Never
 * throws: the outcome says how it ended.
 *
 * An `interrupt` from this instance aborts the run at once (inFlight). One
 * from another instance (each queued ask runs in its own Lambda) only moves
 * the session lock, so the run also checks every `ownershipCheckMs` that it
 * still holds the lock, and stops when it does not.
 */
export async function runAgent(
  hub: HubInternals,
  caller: AskCaller,
  agent: Agent,
  session: Session,
  run: RunSpec,
  onChunk: AskOptions['onChunk'],
  onToolEvent?: AskOptions['onToolEvent'],
): Promise<RunOutcome> {
  const { tenant } = caller;
  const { inFlight, settings, record } = hub;
  const controller = new AbortController();
  inFlight.set(run.runUuid, controller);
  const signal = AbortSignal.any([controller.signal, AbortSignal.timeout(settings.agentTimeoutMs)]);
  const ownership = setInterval(() => {
    hub.locks
      .holder(tenant, session.session_uuid)
      .then((holder) => {
        if (holder?.runUuid !== run.runUuid) controller.abort(new Error('interrupted by another ask'));
      })
      .catch(() => undefined); // a failed check is not an interrupt: the next one decides
  }, settings.ownershipCheckMs);
  let pending: string[] = [];
  let index = 0;
  const flushTokens = async () => {
    if (pending.length === 0) return;
    const chunks = pending;
    pending = [];
    await record(
      tenant,
      session.session_uuid,
      sessionEvent.token({ run_uuid: run.runUuid, from_index: index - chunks.length, chunks }),
    );
  };
  // Tool events go to the session's log (subscribers) and, as they happen, to this ask's caller.
  const tools: ToolRunContext | undefined = hub.tools && {
    runUuid: run.runUuid,
    tenant,
    sessionUuid: session.session_uuid,
    toolbox: hub.tools.toolbox,
    calls: hub.tools.calls,
    ...(run.decisions && { decisions: run.decisions }),
    record: async (events) => {
      for (const event of events) {
        await record(tenant, session.session_uuid, event);
        await onToolEvent?.(event);
      }
    },
  };
  try {
    const spanInfo = {
      agentName: agent.agent_name ?? agent.agent_uuid,
      agentUuid: agent.agent_uuid,
      runtime: String(agent.runtime ?? 'scripted'),
      ...(typeof agent.model === 'string' && { model: agent.model }),
      sessionUuid: session.session_uuid,
    };
    const ids = { session_uuid: session.session_uuid, run_uuid: run.runUuid };
    const runOnce = () =>
      // The governed runtime meters and budgets the tool calls it is handed here.
      (run.runtime ?? hub.runtimes.forAgent(agent)).run({
        ...(tools && { tools }),
        agent,
        threadUuid: run.threadUuid,
        newThread: run.newThread,
        input: run.query,
        userId: run.userId,
        tenant,
        signal,
        ...(run.inputFiles && { inputFiles: run.inputFiles }),
        onChunk: async (chunk) => {
          if (signal.aborted) return;
          const meta = {
            sessionUuid: session.session_uuid,
            runUuid: run.runUuid,
            agentUuid: agent.agent_uuid,
            index,
          };
          index++;
          pending.push(chunk);
          if (pending.length >= settings.tokenEventBatch) await flushTokens();
          await onChunk?.(chunk, meta);
        },
      });
    const result = await withCorrelation(ids, () => invokeAgentSpan(spanInfo, runOnce));
    await flushTokens();
    return { ok: true as const, result };
  } catch (error) {
    await flushTokens();
    const interrupted = controller.signal.aborted;
    const timedOut = !interrupted && signal.aborted;
    return { ok: false as const, error, interrupted, timedOut };
  } finally {
    clearInterval(ownership);
    inFlight.delete(run.runUuid);
  }
}
