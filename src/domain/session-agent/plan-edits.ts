import { conditionalDelete, conditionalUpdate } from '../../db/conditional-write.js';
import type { RepositoryDeps } from '../../db/entity-repository.js';
import { type Condition, type UpdateSpec, where } from '../../db/expressions.js';
import type { Tenant } from '../../tenant.js';
import { type SessionAgentKey, sessionAgentKeyOf } from './keys.js';
import type { SessionAgentState } from './model.js';

const UPDATED_BY = 'procedure-hub';

/**
 * The writes a plan modification makes (docs/EXECUTOR.md, "Modification").
 * Edge lists change optimistically: conditional on `edges_version`, so two
 * modifications of the same agent never lose each other's edge. In-degrees
 * change only by per-edge idempotent steps (an added edge +1 with its
 * predecessor; a removed edge counted like a completion, by `decrement`).
 */
export function createSessionAgentPlanEdits(deps: RepositoryDeps) {
  const table = deps.tables.sessionAgents;
  // Not started: never claimed. A claim fixes run_uuid for good, so an agent back in `initial` after
  // tool decisions (its run goes on) is not a not-started one.
  const notStarted = where.and(where.eq('state', 'initial'), where.notExists('run_uuid'));
  const now = () => (deps.now?.() ?? new Date()).toISOString();
  const atVersion = (version: number) =>
    version === 0 ? where.notExists('edges_version') : where.eq('edges_version', version);

  const update = (
    label: string,
    tenant: Tenant,
    key: SessionAgentKey,
    change: UpdateSpec,
    condition: Condition,
  ) =>
    conditionalUpdate(deps, {
      label,
      table,
      key: sessionAgentKeyOf(key),
      update: { ...change, set: { ...change.set, updated_at: now(), updated_by: UPDATED_BY } },
      condition: where.and(where.eq('partition_key', tenant.partitionKey), condition),
      returnValues: 'ALL_NEW',
    });

  return {
    /**
     * A not-started agent's predecessors: the new list, +1 in-degree per
     * added edge (a re-added edge is uncounted first). False when the agent
     * started or its edges changed since `version` was read.
     */
    async setPredecessors(
      tenant: Tenant,
      key: SessionAgentKey,
      change: { version: number; predecessors: string[]; added: number; uncount: string[] },
    ): Promise<boolean> {
      const result = await update(
        'plan_predecessors',
        tenant,
        key,
        {
          set: { predecessor_uuids: change.predecessors },
          increment: { in_degree: change.added, edges_version: 1 },
          ...(change.uncount.length > 0 && { delete: { completed_predecessors: new Set(change.uncount) } }),
        },
        where.and(notStarted, atVersion(change.version)),
      );
      return result !== false;
    },

    /**
     * Any agent's successor list (a predecessor may be running or done). The
     * state in the answer says whether it completed before this write: then
     * the caller counts the edge itself; otherwise its completion will.
     */
    async setSuccessors(
      tenant: Tenant,
      key: SessionAgentKey,
      change: { version: number; successors: string[] },
    ): Promise<{ state: SessionAgentState } | undefined> {
      const result = await update(
        'plan_successors',
        tenant,
        key,
        { set: { successor_uuids: change.successors }, increment: { edges_version: 1 } },
        atVersion(change.version),
      );
      return result === false ? undefined : { state: String(result.state) as SessionAgentState };
    },

    /** A not-started agent's fields (subtask query, agent, action): false once it started. */
    async modifyNotStarted(
      tenant: Tenant,
      key: SessionAgentKey,
      fields: Record<string, unknown>,
    ): Promise<boolean> {
      return (await update('plan_modify', tenant, key, { set: fields }, notStarted)) !== false;
    },

    /** Deletes a not-started agent; false once it started (the claim and this race on one item). */
    removeNotStarted(tenant: Tenant, key: SessionAgentKey): Promise<boolean> {
      return conditionalDelete(deps, {
        label: 'plan_remove',
        table,
        key: sessionAgentKeyOf(key),
        condition: where.and(where.eq('partition_key', tenant.partitionKey), notStarted),
      });
    },
  };
}
