import type { RepositoryDeps } from '../../db/entity-repository.js';
import { where } from '../../db/expressions.js';
import type { Tenant } from '../../tenant.js';
import type { SessionAgentKey } from './keys.js';
import { createSessionAgentTransition } from './transition.js';

/**
 * Steering a running session (docs/EXECUTOR.md, "Leases", "Cancel",
 * "Redrive"): heartbeat leases and the transitions cancel and redrive make.
 * One conditional UpdateItem each; a failed condition is an answer (false).
 */
export function createSessionAgentSteering(deps: RepositoryDeps) {
  const heldBy = (token: string) => where.and(where.eq('state', 'executing'), where.eq('claim_token', token));

  const update = createSessionAgentTransition(deps);
  const transition = async (...args: Parameters<typeof update>) => (await update(...args)) !== false;

  return {
    /**
     * The heartbeat: extends the holder's lease. False when the claim is no
     * longer this holder's (taken over, finished) or cancel asked it to stop:
     * either way the holder aborts its runtime call.
     */
    renewLease(tenant: Tenant, key: SessionAgentKey, token: string, leaseUntil: number): Promise<boolean> {
      return transition(
        'lease_renew',
        tenant,
        key,
        { set: { lease_until: leaseUntil } },
        where.and(
          where.eq('state', 'executing'),
          where.eq('claim_token', token),
          where.notExists('abort_requested'),
        ),
      );
    },

    /**
     * A worker about to stop (Lambda near its timeout) gives its claim up:
     * the lease ends now, so the next delivery takes the agent over at once.
     */
    releaseClaim(tenant: Tenant, key: SessionAgentKey, token: string): Promise<boolean> {
      return transition('lease_release', tenant, key, { set: { lease_until: 0 } }, heldBy(token));
    },

    /** Cancel reaching a running agent: its holder's next heartbeat fails and aborts the call. */
    requestAbort(tenant: Tenant, key: SessionAgentKey, reason: string): Promise<boolean> {
      return transition(
        'agent_abort_requested',
        tenant,
        key,
        { set: { abort_requested: reason } },
        where.and(where.eq('state', 'executing'), where.notExists('abort_requested')),
      );
    },

    /**
     * `initial | wait_for_user_input | pending -> cancelled`, and an executing
     * agent whose holder is gone (lease expired) too. A running holder is
     * reached through requestAbort instead.
     */
    cancel(tenant: Tenant, key: SessionAgentKey, notes: string, nowMs: number): Promise<boolean> {
      return transition(
        'agent_cancelled',
        tenant,
        key,
        {
          set: { state: 'cancelled', notes },
          // Calls that waited for approval are cancelled with the agent: nothing is left to decide.
          remove: ['lease_until', 'action_lease_until', 'pending_tool_calls'],
        },
        where.or(
          where.in('state', ['initial', 'wait_for_user_input', 'pending']),
          where.and(where.eq('state', 'executing'), where.lt('lease_until', nowMs)),
        ),
      );
    },

    /**
     * Redrive: a failed or cancelled agent (or one whose dead holder left it
     * executing) runs again. Its in-degree and counted predecessors stay as
     * they are: every decrement kept counting while it was failed, so they
     * are exact (a failed predecessor never decremented it).
     */
    resetForRedrive(tenant: Tenant, key: SessionAgentKey, nowMs: number): Promise<boolean> {
      return transition(
        'agent_redriven',
        tenant,
        key,
        {
          set: { state: 'initial' },
          increment: { redrives: 1 },
          // A new run: a new run uuid (its tool calls start afresh), no decisions or escalation of the last.
          remove: [
            'notes',
            'abort_requested',
            'lease_until',
            'claim_token',
            'action_lease_until',
            'run_uuid',
            'pending_tool_calls',
            'tool_decisions',
            'guardrail_escalation',
          ],
        },
        where.or(
          where.in('state', ['failed', 'cancelled']),
          where.and(where.eq('state', 'executing'), where.lt('lease_until', nowMs)),
        ),
      );
    },

    /** Redrive of a session whose agent still runs: a pending abort is withdrawn. */
    withdrawAbort(tenant: Tenant, key: SessionAgentKey): Promise<boolean> {
      return transition(
        'agent_abort_withdrawn',
        tenant,
        key,
        { remove: ['abort_requested'] },
        where.and(where.eq('state', 'executing'), where.exists('abort_requested')),
      );
    },
  };
}
