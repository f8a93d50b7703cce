import type { Repositories } from '../../domain/repositories.js';
import type { SessionRun } from '../../domain/session-run/model.js';
import { newId } from '../../ids.js';
import type { Tenant } from '../../tenant.js';

export interface ThreadChoice {
  readonly threadUuid: string;
  /** True when this ask opens the thread (a runtime with server-side threads may then assign its own). */
  readonly newThread: boolean;
  readonly reason: 'given' | 'reused' | 'new';
}

export interface ThreadChoiceInput {
  readonly coordinationUuid: string;
  readonly agentUuid: string;
  readonly userId: string;
  readonly threadUuid?: string | null;
  readonly threadLifeMinutes: number;
  readonly now: Date;
}

/**
 * The newest thread whose first run is younger than `lifeMinutes`, among
 * (agent, user) runs; threads that never completed a run are ignored. Pure.
 */
export function newestLiveThread(
  runs: readonly SessionRun[],
  lifeMinutes: number,
  now: Date,
): string | undefined {
  const startedAt = new Map<string, number>();
  for (const run of runs) {
    if (run.status && run.status !== 'completed') continue;
    const at = Date.parse(run.created_at);
    const known = startedAt.get(run.thread_uuid);
    if (known === undefined || at < known) startedAt.set(run.thread_uuid, at);
  }
  const cutoff = now.getTime() - lifeMinutes * 60_000;
  let best: { thread: string; at: number } | undefined;
  for (const [thread, at] of startedAt) {
    if (at >= cutoff && (!best || at > best.at)) best = { thread, at };
  }
  return best?.thread;
}

/**
 * The given thread; else the user's newest live thread with that agent (the
 * Python core engine's rule: created within threadLifeMinutes); else a new
 * one. Runs are found through the user's sessions of the coordination
 * (sessions LSI user_id-index) and each session's agent LSI.
 */
export async function chooseThread(
  repos: Repositories,
  tenant: Tenant,
  input: ThreadChoiceInput,
): Promise<ThreadChoice> {
  if (input.threadUuid) return { threadUuid: input.threadUuid, newThread: false, reason: 'given' };
  if (input.threadLifeMinutes > 0) {
    const sessions = await repos.sessions.list(tenant, {
      coordinationUuid: input.coordinationUuid,
      userId: input.userId,
    });
    const cutoff = input.now.getTime() - input.threadLifeMinutes * 60_000;
    // A session untouched since before the cutoff holds no run young enough to matter.
    const recent = sessions.filter((s) => Date.parse(s.updated_at) >= cutoff);
    const runs = (
      await Promise.all(
        recent.map((s) =>
          repos.sessionRuns.list(tenant, { sessionUuid: s.session_uuid, agentUuid: input.agentUuid }),
        ),
      )
    ).flat();
    const mine = runs.filter((r) => !r.user_id || r.user_id === input.userId);
    const live = newestLiveThread(mine, input.threadLifeMinutes, input.now);
    if (live) return { threadUuid: live, newThread: false, reason: 'reused' };
  }
  return { threadUuid: newId(), newThread: true, reason: 'new' };
}
