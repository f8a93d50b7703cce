import type * as z from 'zod';
import { conditionalPut } from '../../db/conditional-write.js';
import type { RepositoryDeps } from '../../db/entity-repository.js';
import { where } from '../../db/expressions.js';
import type { Tenant } from '../../tenant.js';
import type { SessionAgentKey } from './keys.js';
import { type SessionAgent, SessionAgentSchema, type SessionAgentState } from './model.js';
import { createSessionAgentTransition } from './transition.js';

type PendingToolCalls = NonNullable<z.infer<typeof SessionAgentSchema>['pending_tool_calls']>;
type ToolDecisions = NonNullable<z.infer<typeof SessionAgentSchema>['tool_decisions']>;

export type DecrementResult = 'reached_zero' | 'decremented' | 'already_counted';
export interface Decrement {
  readonly result: DecrementResult;
  /** The successor's state after the write (unknown when the edge was already counted). */
  readonly state?: string;
  /**
   * The successor as this write left it (ALL_NEW of the same request), when it reached 0: whoever
   * runs it next needs no read of its own (docs/EXECUTOR.md, "A hop").
   */
  readonly row?: SessionAgent;
}

/** What a terminal write returns: the row's state and edges at that moment (ALL_NEW of the same request). */
export interface RowAfter {
  readonly state: SessionAgentState;
  readonly successor_uuids: string[];
  readonly predecessor_uuids: string[];
  readonly run_uuid: string | null;
}

/**
 * The executor's conditional transitions of a SessionAgent (docs/EXECUTOR.md):
 * one UpdateItem or PutItem each, every one conditional on the caller's
 * tenant and on the state it leaves. A failed condition is an answer
 * (a duplicate delivery, a lost race), returned as false.
 */
export function createSessionAgentTransitions(deps: RepositoryDeps) {
  const table = deps.tables.sessionAgents;
  const now = () => (deps.now?.() ?? new Date()).toISOString();
  const state = (s: SessionAgentState) => where.eq('state', s);

  const transition = createSessionAgentTransition(deps);
  const held = async (result: Promise<Record<string, unknown> | false>) => (await result) !== false;
  /** A whole row a write returned: references resolved, validated, as a read would give it. */
  const rowOf = async (tenant: Tenant, item: Record<string, unknown>): Promise<SessionAgent> =>
    SessionAgentSchema.parse(
      deps.payloads ? await deps.payloads.getFields(tenant, item) : item,
    ) as SessionAgent;
  /**
   * The row as the winning write left it (ALL_NEW, same request): the
   * successors a completion decrements are the ones stored at the moment of
   * its terminal write, so an edge a plan modification added before that
   * write is never missed (docs/EXECUTOR.md, "Modification").
   */
  const after = async (result: Promise<Record<string, unknown> | false>): Promise<RowAfter | undefined> => {
    const item = await result;
    if (item === false) return undefined;
    // Only the bookkeeping: large fields may be S3 references here, resolved by readers, not by this.
    const strings = (value: unknown) => (Array.isArray(value) ? value.map(String) : []);
    return {
      state: String(item.state) as SessionAgentState,
      successor_uuids: strings(item.successor_uuids),
      predecessor_uuids: strings(item.predecessor_uuids),
      run_uuid: typeof item.run_uuid === 'string' ? item.run_uuid : null,
    };
  };

  return {
    /** Creates a SessionAgent unless it exists (a duplicate start creates nothing). */
    insertIfAbsent(
      tenant: Tenant,
      record: Omit<SessionAgent, 'partition_key' | 'created_at' | 'updated_at'>,
    ) {
      const stamp = now();
      return conditionalPut(deps, {
        label: 'insert_agent',
        table,
        item: { ...record, partition_key: tenant.partitionKey, created_at: stamp, updated_at: stamp },
        condition: where.notExists('session_agent_uuid'),
      });
    },

    /**
     * `initial -> executing` (or takes over an executing agent whose lease expired). Returns the
     * run's uuid, kept from the first claim on (`runUuid` is used only by that one), so a resumed run
     * finds its tool calls; false when the claim was lost.
     */
    async claim(
      tenant: Tenant,
      key: SessionAgentKey,
      token: string,
      leaseUntil: number,
      nowMs: number,
      runUuid: string,
    ): Promise<string | false> {
      const result = await transition(
        'agent_claim',
        tenant,
        key,
        {
          set: { state: 'executing', lease_until: leaseUntil, claim_token: token },
          increment: { attempts: 1 },
          setIfAbsent: { run_uuid: runUuid },
        },
        // Flat on purpose: dynalite's expression parser slows down sharply with each nesting level
        // (the duplicate-delivery test took 1.8x as long with the abort check nested in the OR).
        // abort_requested only ever exists on an executing agent, so checking it here is the same.
        where.and(
          where.eq('in_degree', 0),
          where.notExists('abort_requested'),
          where.or(state('initial'), where.and(state('executing'), where.lt('lease_until', nowMs))),
        ),
        'UPDATED_NEW',
      );
      return result === false ? false : String(result.run_uuid ?? runUuid);
    },

    /** `executing -> state` with the run's output, only by the claim's holder; the row after the write. */
    finishRun(
      tenant: Tenant,
      key: SessionAgentKey,
      token: string,
      fields: {
        state: SessionAgentState;
        agent_input?: string;
        agent_output?: string;
        thread_uuid?: string;
        run_uuid?: string;
        notes?: string;
        /** Calls waiting for a person (state wait_for_user_input): shown on the SessionAgent. */
        pending_tool_calls?: PendingToolCalls;
      },
    ) {
      // Any other end of the run clears calls a previous run left waiting.
      const remove = fields.pending_tool_calls ? ['lease_until'] : ['lease_until', 'pending_tool_calls'];
      return after(
        transition(
          `agent_${fields.state}`,
          tenant,
          key,
          { set: { ...fields }, remove },
          where.and(state('executing'), where.eq('claim_token', token)),
          'ALL_NEW',
        ),
      );
    },

    /** Claims a pending agent's action function (a lease, so a crashed run is retried later). */
    claimAction(tenant: Tenant, key: SessionAgentKey, leaseUntil: number, nowMs: number) {
      return held(
        transition(
          'action_claim',
          tenant,
          key,
          { set: { action_lease_until: leaseUntil } },
          where.and(
            state('pending'),
            where.or(where.notExists('action_lease_until'), where.lt('action_lease_until', nowMs)),
          ),
        ),
      );
    },

    /** `pending -> completed|failed` once the action function ran; the row after the write. */
    finishAction(
      tenant: Tenant,
      key: SessionAgentKey,
      fields: { state: 'completed' | 'failed'; agent_output?: string; notes?: string },
    ) {
      return after(
        transition(
          `action_${fields.state}`,
          tenant,
          key,
          { set: { ...fields } },
          state('pending'),
          'ALL_NEW',
        ),
      );
    },

    /** `wait_for_user_input -> pending|completed` with the user's input; the row after the write. */
    submitUserInput(tenant: Tenant, key: SessionAgentKey, userInput: string, next: 'pending' | 'completed') {
      return after(
        transition(
          'user_input',
          tenant,
          key,
          { set: { state: next, user_input: userInput } },
          // An agent waiting for tool approvals is answered by decideToolCalls, not by user input.
          where.and(state('wait_for_user_input'), where.notExists('pending_tool_calls')),
          'ALL_NEW',
        ),
      );
    },

    /**
     * `wait_for_user_input -> initial` with a person's decisions on the pending tool calls (one
     * conditional write: deciding twice finds no pending calls and changes nothing).
     */
    decideToolCalls(tenant: Tenant, key: SessionAgentKey, decisions: ToolDecisions) {
      return held(
        transition(
          'tool_decisions',
          tenant,
          key,
          { set: { state: 'initial', tool_decisions: decisions }, remove: ['pending_tool_calls'] },
          where.and(state('wait_for_user_input'), where.exists('pending_tool_calls')),
        ),
      );
    },

    /**
     * `executing -> wait_for_user_input` with the output a guardrail held for a person (the
     * escalation's findings and run), only by the claim's holder.
     */
    escalate(
      tenant: Tenant,
      key: SessionAgentKey,
      token: string,
      fields: {
        agent_input: string;
        agent_output: string;
        guardrail_escalation: Record<string, unknown>;
        thread_uuid: string;
        run_uuid: string;
        notes: string;
      },
    ) {
      return held(
        transition(
          'agent_escalated',
          tenant,
          key,
          { set: { state: 'wait_for_user_input', ...fields }, remove: ['lease_until'] },
          where.and(state('executing'), where.eq('claim_token', token)),
        ),
      );
    },

    /**
     * `wait_for_user_input -> completed|pending|failed` for an escalated output, with the decided
     * output; the row after the write (its successors as they are then).
     */
    decideEscalation(
      tenant: Tenant,
      key: SessionAgentKey,
      fields: {
        state: 'completed' | 'pending' | 'failed';
        agent_output: string;
        notes: string;
      },
    ) {
      return after(
        transition(
          'escalation_decided',
          tenant,
          key,
          { set: { ...fields }, remove: ['guardrail_escalation'] },
          where.and(state('wait_for_user_input'), where.exists('guardrail_escalation')),
          'ALL_NEW',
        ),
      );
    },

    /** `initial -> failed`: a successor of a failed agent that can never run (failure mode continue). */
    skip(tenant: Tenant, key: SessionAgentKey, notes: string) {
      return held(
        transition('agent_skipped', tenant, key, { set: { state: 'failed', notes } }, state('initial')),
      );
    },

    /**
     * One edge (predecessor -> successor): decrements in_degree once per
     * predecessor, whatever the number of deliveries. The write that reaches 0
     * is told so, and only that caller dispatches the successor.
     */
    async decrement(tenant: Tenant, successor: SessionAgentKey, predecessorUuid: string): Promise<Decrement> {
      const result = await transition(
        'decrement',
        tenant,
        successor,
        { increment: { in_degree: -1 }, add: { completed_predecessors: new Set([predecessorUuid]) } },
        where.and(
          where.not(where.contains('completed_predecessors', predecessorUuid)),
          where.gt('in_degree', 0),
        ),
        'ALL_NEW',
      );
      if (result === false) return { result: 'already_counted' };
      const after = String(result.state);
      // A successor already failed (skipped) is never dispatched, whatever its in-degree.
      if (result.in_degree !== 0 || after !== 'initial') return { result: 'decremented', state: after };
      return { result: 'reached_zero', state: after, row: await rowOf(tenant, result) };
    },
  };
}
