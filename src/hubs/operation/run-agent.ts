import type { Agent } from '../../domain/coordination/model.js';
import type { Session } from '../../domain/session/model.js';
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
 * Runs the agent under the hub's timeout and this instance's interrupt
 * switch; forwards chunks to the caller and logs them as `token` events in
 * batches. Never throws: the outcome says how it ended.
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
  let pending: string[] = [];
  let index = 0;
  const flushTokens = async () => {
    if (pending.length === 0) return;
    const chunks = pending;
    pending = [];
    await record(tenant, session.session_uuid, 'token', {
      run_uuid: run.runUuid,
      from_index: index - chunks.length,
      chunks,
    });
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
    inFlight.delete(run.runUuid);
  }
}
