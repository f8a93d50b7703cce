import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { conditionalUpdate } from '../../db/conditional-write.js';
import type { RepositoryDeps } from '../../db/entity-repository.js';
import { type Condition, where } from '../../db/expressions.js';
import type { Tenant } from '../../tenant.js';
import type { SubtaskQuery } from '../task/model.js';
import { type SessionKey, sessionKey } from './keys.js';
import type { SessionStatus } from './model.js';

/**
 * The executor's conditional transitions of a session: one UpdateItem each,
 * no transactions, every one conditional on the caller's tenant. A failed
 * condition is an answer ("not in that state", "someone else did it"),
 * returned as false.
 */
export function createSessionTransitions(deps: RepositoryDeps) {
  const table = deps.tables.sessions;
  const now = () => (deps.now?.() ?? new Date()).toISOString();
  const ofTenant = (tenant: Tenant, ...conditions: Condition[]) =>
    where.and(where.eq('partition_key', tenant.partitionKey), ...conditions);
  const update = async (
    label: string,
    key: SessionKey,
    change: Parameters<typeof conditionalUpdate>[1]['update'],
    condition: Condition,
  ) =>
    (await conditionalUpdate(deps, {
      label,
      table,
      key: sessionKey(key.coordination_uuid, key.session_uuid),
      update: change,
      condition,
    })) !== false;

  return {
    /** `from -> to`; false when the session was in none of `from`. */
    setStatus(
      tenant: Tenant,
      key: SessionKey,
      from: readonly SessionStatus[],
      to: SessionStatus,
      extra: { logs?: string; agent_count?: number } = {},
    ): Promise<boolean> {
      return update(
        `session_${to}`,
        key,
        { set: { status: to, updated_at: now(), logs: extra.logs, agent_count: extra.agent_count } },
        ofTenant(tenant, where.in('status', from)),
      );
    },

    /** Stores decomposed subtask queries, only if none are stored yet (the first answer wins). */
    setSubtaskQueries(tenant: Tenant, key: SessionKey, queries: readonly SubtaskQuery[]): Promise<boolean> {
      return update(
        'session_subtasks',
        key,
        { set: { subtask_queries: queries, updated_at: now() } },
        ofTenant(tenant, where.or(where.notExists('subtask_queries'), where.sizeEq('subtask_queries', 0))),
      );
    },

    /**
     * Takes one of the session's max_parallel slots for this agent. Idempotent:
     * an agent that already holds a slot keeps it (a duplicate delivery).
     */
    acquireSlot(tenant: Tenant, key: SessionKey, sessionAgentUuid: string, max: number): Promise<boolean> {
      return update(
        'slot_acquire',
        key,
        { add: { running_agents: new Set([sessionAgentUuid]) } },
        ofTenant(
          tenant,
          where.or(
            where.notExists('running_agents'),
            where.sizeLt('running_agents', max),
            where.contains('running_agents', sessionAgentUuid),
          ),
        ),
      );
    },

    /** Releases the agent's slot; deleting a member that is absent changes nothing, so it is idempotent. */
    async releaseSlot(tenant: Tenant, key: SessionKey, sessionAgentUuid: string): Promise<void> {
      await update(
        'slot_release',
        key,
        { delete: { running_agents: new Set([sessionAgentUuid]) } },
        ofTenant(tenant),
      );
    },

    /**
     * Stores what the prefetch stage fetched (and its warnings), once: the
     * first delivery's prefetch wins; false when one was stored already.
     */
    setPrefetched(
      tenant: Tenant,
      key: SessionKey,
      prefetched: Record<string, unknown>,
      warnings: readonly string[],
    ): Promise<boolean> {
      return update(
        'session_prefetched',
        key,
        { set: { prefetched, updated_at: now() }, append: { warnings } },
        ofTenant(tenant, where.notExists('prefetched')),
      );
    },

    /** A session's key by its uuid alone, through the tenant index (eventually consistent). */
    async findKey(tenant: Tenant, sessionUuid: string): Promise<SessionKey | undefined> {
      const { Items } = await deps.doc.send(
        new QueryCommand({
          TableName: table,
          IndexName: 'partition_key-index',
          KeyConditionExpression: 'partition_key = :pk AND session_uuid = :s',
          ExpressionAttributeValues: { ':pk': tenant.partitionKey, ':s': sessionUuid },
          ProjectionExpression: 'coordination_uuid',
          Limit: 1,
        }),
      );
      const item = Items?.[0];
      return item ? sessionKey(String(item.coordination_uuid), sessionUuid) : undefined;
    },
  };
}
