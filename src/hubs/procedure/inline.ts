import type { Session } from '../../domain/session/model.js';
import type { SessionAgent } from '../../domain/session-agent/model.js';
import type { NewSessionEvent } from '../../events/session-events.js';
import type { Tenant } from '../../tenant.js';
import type { HubContext, Invocation } from './context.js';
import type { ResolvedPolicy } from './policy.js';
import { checkSessionCompletion, decrementSuccessors, dispatchAgents, sessionKeyOf } from './progress.js';

// Inline continuation (docs/EXECUTOR.md, "A hop, and inline continuation").

/** Ready agents this worker runs next, with the session as read beside the hop's decrements. */
export interface Continuation {
  readonly session: Session;
  readonly agents: readonly SessionAgent[];
  /**
   * The predecessor's completion events, appended in one item with the `executing` events of the
   * agents claimed here (or alone, if none starts).
   */
  readonly carried?: readonly NewSessionEvent[];
  /** Per agent (same order), the worker place held for it until its claim settles (RunRegistry.reserve). */
  readonly places?: readonly (() => void)[];
}

/**
 * Agents one worker runs at once (its own deliveries' and the inline ones):
 * beyond it, ready successors go through the queue to other workers. Agent
 * calls mostly wait on a model, so a worker holds several cheaply; the bound
 * keeps one Lambda from taking a whole wide DAG on itself.
 */
export const DEFAULT_INLINE_RUNS_PER_WORKER = 8;

/** How many of a completion's ready successors this worker keeps: at least one, up to its free room. */
function inlineRoom(ctx: HubContext): number {
  return Math.max(1, ctx.inlineRunsPerWorker - ctx.running.size());
}

/**
 * Below this remaining time (Lambda's), a ready successor goes through the
 * queue to a fresh worker rather than inline. Not the agent timeout itself:
 * with the defaults (a 120 s worker, 120 s agent timeout) nothing would ever
 * run inline, though most agent calls take seconds; a run that does outlast
 * the worker is handed back at the deadline (heartbeat `released`) and
 * dispatched again, as any claim is.
 */
const INLINE_MIN_REMAINING_MS = 30_000;

export function mayContinueInline(invocation: Invocation, policy: ResolvedPolicy): boolean {
  if (invocation.deadlineMs === undefined) return true;
  return invocation.deadlineMs - Date.now() > Math.min(policy.agent_timeout_ms, INLINE_MIN_REMAINING_MS);
}

/**
 * The successors' decrements, the first `room` successors made ready kept for
 * this worker instead of queue messages (no queue hop, no read of their rows:
 * the decrements returned them). The session is read beside the decrements,
 * so the kept ones start only if the session still runs, as a delivery would
 * have checked; if that read fails, they are dispatched. The completion's
 * events go with the kept ones' `executing` events, in one append; without a
 * kept one they are appended here, before the session-completion check (its
 * event comes last).
 */
export async function completeAndKeep(
  ctx: HubContext,
  tenant: Tenant,
  done: SessionAgent,
  completion: readonly NewSessionEvent[],
): Promise<Continuation | undefined> {
  // The room is held from now on, so completions at once in this worker do not count it twice.
  const places = Array.from({ length: Math.min(inlineRoom(ctx), done.successor_uuids.length) }, () =>
    ctx.running.reserve(),
  );
  const [{ kept, someoneElseChecks }, session] = await Promise.all([
    decrementSuccessors(ctx, tenant, done, { keep: places.length }),
    ctx.repos.sessions.find(tenant, done.coordination_uuid, done.session_uuid).catch((error: unknown) => {
      ctx.logger.warn({ err: error, session_uuid: done.session_uuid }, 'session read for inline failed');
      return null;
    }),
  ]).catch((error: unknown) => {
    for (const release of places) release(); // a failed decrement must not shrink this worker's room for good
    throw error;
  });
  for (const release of places.slice(kept.length)) release();
  if (kept.length > 0 && session?.status === 'in_progress')
    return { session, agents: kept, carried: completion, places: places.slice(0, kept.length) };
  for (const release of places) release();
  await ctx.record(tenant, done.session_uuid, completion);
  if (kept.length > 0 && session === null)
    await dispatchAgents(
      ctx,
      tenant,
      sessionKeyOf(done),
      kept.map((a) => a.session_agent_uuid),
    );
  // Paused, cancelled or failed since: the kept ones stay ready (resume dispatches them), as a delivery would.
  if (!someoneElseChecks) await checkSessionCompletion(ctx, tenant, sessionKeyOf(done));
  return undefined;
}
