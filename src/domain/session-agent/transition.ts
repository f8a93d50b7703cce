import { conditionalUpdate } from '../../db/conditional-write.js';
import type { RepositoryDeps } from '../../db/entity-repository.js';
import { type Condition, type UpdateSpec, where } from '../../db/expressions.js';
import type { Tenant } from '../../tenant.js';
import { type SessionAgentKey, sessionAgentKeyOf } from './keys.js';
import { SESSION_AGENT_LARGE_FIELDS } from './model.js';

const UPDATED_BY = 'procedure-hub';

/**
 * The one conditional UpdateItem every SessionAgent transition is made of
 * (the executor's and steering's): scoped to the caller's tenant, stamped,
 * large values (outputs, inputs) sent to S3 first with the item keeping
 * their references. Resolves to the returned attributes, or false when the
 * condition failed (a duplicate, a lost race: an answer, not an error).
 */
export function createSessionAgentTransition(deps: RepositoryDeps) {
  const table = deps.tables.sessionAgents;
  const now = () => (deps.now?.() ?? new Date()).toISOString();
  return async function transition(
    label: string,
    tenant: Tenant,
    key: SessionAgentKey,
    change: UpdateSpec,
    condition: Condition,
    returnValues: 'NONE' | 'ALL_NEW' | 'UPDATED_NEW' = 'NONE',
  ) {
    const set = deps.payloads
      ? await deps.payloads.putFields(tenant, change.set ?? {}, SESSION_AGENT_LARGE_FIELDS)
      : change.set;
    return conditionalUpdate(deps, {
      label,
      table,
      key: sessionAgentKeyOf(key),
      update: { ...change, set: { ...set, updated_at: now(), updated_by: UPDATED_BY } },
      condition: where.and(where.eq('partition_key', tenant.partitionKey), condition),
      returnValues,
    });
  };
}
