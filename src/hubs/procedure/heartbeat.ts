import type { SessionAgentKey } from '../../domain/session-agent/keys.js';
import type { Tenant } from '../../tenant.js';
import type { HubContext } from './context.js';

/** Why a claimed run stopped before its runtime call returned. */
export type StopReason =
  /** The heartbeat failed: cancel asked it to stop, or another worker took the claim over. */
  | 'stopped'
  /** This worker is about to end (Lambda near its timeout): the claim is handed back. */
  | 'released';

export interface Heartbeat {
  /** Aborted when the run must stop; passed to the runtime call. */
  readonly signal: AbortSignal;
  readonly stopReason: () => StopReason | undefined;
  /** Stops renewing (the run finished); the registry forgets it. */
  end(): void;
}

/**
 * Keeps a claim alive while its agent runs: renews the short lease every
 * third of it, so a worker that dies loses the claim within one lease. A
 * renewal that fails (cancel set abort_requested, or the claim is someone
 * else's) aborts the run. A deadline (the Lambda's remaining time) aborts it
 * with `released` so the caller hands the claim back before the platform
 * kills the worker.
 */
export function startHeartbeat(
  ctx: HubContext,
  tenant: Tenant,
  key: SessionAgentKey,
  token: string,
  deadlineMs?: number,
): Heartbeat {
  const controller = new AbortController();
  let reason: StopReason | undefined;
  const stop = (why: StopReason) => {
    if (reason) return;
    reason = why;
    controller.abort(new Error(why === 'released' ? 'worker is shutting down' : 'run stopped'));
  };
  const beat = setInterval(() => {
    ctx.repos.sessionAgents
      .renewLease(tenant, key, token, ctx.clock.now() + ctx.leaseMs)
      .then((held) => {
        if (!held) stop('stopped');
      })
      // A failed renewal is retried on the next beat; the lease still holds until then.
      .catch((error: unknown) => ctx.logger.warn({ err: error, key }, 'lease renewal failed'));
  }, ctx.heartbeatMs);
  beat.unref?.();
  const deadline =
    deadlineMs === undefined
      ? undefined
      : setTimeout(() => stop('released'), Math.max(0, deadlineMs - Date.now()));
  deadline?.unref?.();
  const unregister = ctx.running.register(key, () => stop('stopped'));
  return {
    signal: controller.signal,
    stopReason: () => reason,
    end() {
      clearInterval(beat);
      if (deadline) clearTimeout(deadline);
      unregister();
    },
  };
}

/**
 * The runs of this process, by session: cancel aborts the ones it can reach
 * here at once instead of waiting for their next heartbeat.
 */
export function createRunRegistry() {
  const bySession = new Map<string, Map<string, () => void>>();
  const claims = new Map<string, number>();
  let runCount = 0;
  let reserved = 0;
  return {
    register(key: SessionAgentKey, stop: () => void): () => void {
      const runs = bySession.get(key.session_uuid) ?? new Map<string, () => void>();
      bySession.set(key.session_uuid, runs);
      runs.set(key.session_agent_uuid, stop);
      runCount++;
      let done = false;
      return () => {
        // Once only, and only this map: a run that ended twice, after its session's map emptied and a new
        // one was made for a later run, must not drop that later run (holds() and stop() would miss it).
        if (done) return;
        done = true;
        runCount--;
        if (runs.get(key.session_agent_uuid) === stop) runs.delete(key.session_agent_uuid);
        if (runs.size === 0 && bySession.get(key.session_uuid) === runs) bySession.delete(key.session_uuid);
      };
    },
    /**
     * Marks a claim write of this process as in flight, until the returned
     * function is called (the run registered, or the claim lost): a duplicate
     * that reads the row between the claim and the heartbeat's start still
     * knows the agent is this process's.
     */
    claiming(key: SessionAgentKey): () => void {
      const id = `${key.session_uuid}#${key.session_agent_uuid}`;
      claims.set(id, (claims.get(id) ?? 0) + 1);
      let done = false;
      return () => {
        if (done) return;
        done = true;
        const left = (claims.get(id) ?? 1) - 1;
        if (left > 0) claims.set(id, left);
        else claims.delete(id);
      };
    },
    /**
     * How many agents this process runs now (registered and not ended), plus
     * the places reserved for successors kept inline and not yet claimed:
     * bounds inline continuation.
     */
    size(): number {
      return runCount + reserved;
    },
    /**
     * Holds a place for one successor a completion keeps, from its decrement
     * until its claim has settled (the run then registers itself), so two
     * completions at once cannot both count the same free room.
     */
    reserve(): () => void {
      reserved++;
      let done = false;
      return () => {
        if (done) return;
        done = true;
        reserved--;
      };
    },
    /** Whether this process runs the agent (its heartbeat has not ended) or is claiming it. */
    holds(key: SessionAgentKey): boolean {
      return (
        (bySession.get(key.session_uuid)?.has(key.session_agent_uuid) ?? false) ||
        claims.has(`${key.session_uuid}#${key.session_agent_uuid}`)
      );
    },
    /** Stops this process's runs of the session's agents (all of them when none are named). */
    stop(sessionUuid: string, sessionAgentUuids?: readonly string[]): number {
      const runs = bySession.get(sessionUuid);
      if (!runs) return 0;
      let stopped = 0;
      for (const [uuid, stop] of runs) {
        if (sessionAgentUuids && !sessionAgentUuids.includes(uuid)) continue;
        stop();
        stopped++;
      }
      return stopped;
    },
  };
}
export type RunRegistry = ReturnType<typeof createRunRegistry>;
