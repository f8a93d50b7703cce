import { SWEEP_SHARDS, type SweepEntry } from '../../domain/session/transitions.js';
import { tenantFromPartitionKey } from '../../tenant.js';
import type { HubContext } from './context.js';
import { resumeSession } from './resume.js';

export interface SweepOptions {
  /**
   * Re-dispatch ready agents whatever their age: the local stack's first
   * sweep after a start (its queue lived in memory and is gone).
   */
  readonly everything?: boolean;
}

export interface SweepReport {
  /** Sessions read from the sparse sweep index (running ones only). */
  readonly sessions: number;
  /** Of those, resumed (in_progress, or dispatched and stale). */
  readonly resumed: number;
  /** SessionAgents put back on the queue. */
  readonly dispatched: number;
  readonly failures: number;
}

/**
 * The self-healing sweep: every session that may still need the executor
 * (the sparse index holds dispatched, in_progress and paused sessions, never
 * finished ones) is resumed with the sweeper's restraint: agents whose lease
 * expired (a dead worker) and ready agents nothing touched for
 * `sweepStaleMs` (a lost dispatch) go back on the queue. Paused sessions are
 * left alone: resuming them is a person's decision.
 */
export async function sweepSessions(ctx: HubContext, options: SweepOptions = {}): Promise<SweepReport> {
  const staleBeforeMs = options.everything ? undefined : ctx.clock.now() - ctx.sweepStaleMs;
  let sessions = 0;
  let resumed = 0;
  let dispatched = 0;
  let failures = 0;
  const sweepOne = async (entry: SweepEntry) => {
    sessions++;
    if (entry.status !== 'in_progress' && entry.status !== 'dispatched') return;
    try {
      const report = await resumeSession(
        ctx,
        tenantFromPartitionKey(entry.partition_key),
        entry.session_uuid,
        {
          ...(staleBeforeMs !== undefined && { staleBeforeMs }),
        },
      );
      resumed++;
      dispatched += report.dispatched;
    } catch (error) {
      // One broken session never stops the sweep of the others; the next sweep tries it again.
      failures++;
      ctx.logger.warn({ err: error, session_uuid: entry.session_uuid }, 'sweep could not resume a session');
    }
  };
  await Promise.all(
    Array.from({ length: SWEEP_SHARDS }, async (_, shard) => {
      let nextKey: Record<string, unknown> | undefined;
      do {
        const page = await ctx.repos.sessions.listSweepable(`sweep#${shard}`, nextKey);
        nextKey = page.nextKey;
        // A page's sessions are resumed a few at a time: a large backlog does not flood the table.
        for (let i = 0; i < page.items.length; i += 10) {
          await Promise.all(page.items.slice(i, i + 10).map(sweepOne));
        }
      } while (nextKey);
    }),
  );
  if (dispatched > 0 || failures > 0) {
    ctx.logger.info({ sessions, resumed, dispatched, failures }, 'sweep re-dispatched stuck work');
  }
  return { sessions, resumed, dispatched, failures };
}
