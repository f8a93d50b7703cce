import type { Session } from '../../domain/session/model.js';
import type { SessionAgent } from '../../domain/session-agent/model.js';
import type { NewSessionEvent } from '../../events/session-events.js';
import type { Tenant } from '../../tenant.js';
import type { HubContext, Invocation } from './context.js';
import type { ResolvedPolicy } from './policy.js';
import { checkSessionCompletion, decrementSuccessors, dispatchAgents, sessionKeyOf } from './progress.js';

// Inline continuation (docs/EXECUTOR.md, "A hop, and inline continuation").

/** A ready agent this worker runs next, with the session as read beside the hop's decrement. */
export interface Continuation {
  readonly session: Session;
  readonly agent: SessionAgent;
  /** The predecessor's completion events, appended with this agent's `executing` (or alone, if it does not start). */
  readonly carried?: readonly NewSessionEvent[];
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
 * The successors' decrements, the first successor made ready kept for this
 * worker instead of a queue message (no queue hop, no read of its row: the
 * decrement returned it). The session is read beside the decrements, so the
 * kept one starts only if the session still runs, as a delivery would have
 * checked; if that read fails, the kept one is dispatched. The completion's
 * events go with the kept one's `executing` event, in one append; without a
 * kept one they are appended here, before the session-completion check (its
 * event comes last).
 */
export async function completeAndKeepOne(
  ctx: HubContext,
  tenant: Tenant,
  done: SessionAgent,
  completion: readonly NewSessionEvent[],
): Promise<Continuation | undefined> {
  const [{ kept, someoneElseChecks }, session] = await Promise.all([
    decrementSuccessors(ctx, tenant, done, { keepOne: true }),
    ctx.repos.sessions.find(tenant, done.coordination_uuid, done.session_uuid).catch((error: unknown) => {
      ctx.logger.warn({ err: error, session_uuid: done.session_uuid }, 'session read for inline failed');
      return null;
    }),
  ]);
  if (kept && session?.status === 'in_progress') return { session, agent: kept, carried: completion };
  await ctx.record(tenant, done.session_uuid, completion);
  if (kept && session === null)
    await dispatchAgents(ctx, tenant, sessionKeyOf(kept), [kept.session_agent_uuid]);
  // Paused, cancelled or failed since: the kept one stays ready (resume dispatches it), as a delivery would.
  if (!someoneElseChecks) await checkSessionCompletion(ctx, tenant, sessionKeyOf(done));
  return undefined;
}
