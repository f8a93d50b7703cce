import type { Agent } from '../../domain/coordination/model.js';
import type { Session } from '../../domain/session/model.js';
import { sessionEvent } from '../../events/session-events.js';
import type { AgentRunResult } from '../../runtimes/port.js';
import type { AskCaller, AskOptions, HubInternals } from './types.js';

export interface RunSpec {
  readonly runUuid: string;
  readonly threadUuid: string;
  readonly newThread: boolean;
  readonly userId: string;
  readonly query: string;
  readonly inputFiles?: readonly unknown[];
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
  try {
    const result = await hub.runtimes.forAgent(agent).run({
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
