import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { conditionalUpdate } from '../../db/conditional-write.js';
import type { RepositoryDeps } from '../../db/entity-repository.js';
import { type Condition, where } from '../../db/expressions.js';
import type { Tenant } from '../../tenant.js';
import type { SubtaskQuery } from '../task/model.js';
import { type SessionKey, sessionKey } from './keys.js';
import { FINISHED_SESSION_STATUSES, type SessionStatus } from './model.js';

/** Shards of the sparse sweep index: running sessions spread over a few hash keys (no hot key). */
export const SWEEP_SHARDS = 8;
export const sweepShardOf = (sessionUuid: string): string => {
  let hash = 0;
  for (const char of sessionUuid) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return `sweep#${hash % SWEEP_SHARDS}`;
};

/** Fields a status change may record: the executor's bookkeeping, and who steered it and why. */
export interface StatusChange {
  readonly logs?: string;
  readonly agent_count?: number;
  readonly status_reason?: string;
  readonly status_changed_by?: string;
  /** Redrive counts its runs. */
  readonly countRedrive?: boolean;
}

export interface SweepEntry extends SessionKey {
  readonly partition_key: string;
  readonly status: SessionStatus;
  readonly updated_at: string;
}

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
      extra: StatusChange = {},
    ): Promise<boolean> {
      const finished = FINISHED_SESSION_STATUSES.includes(to);
      const steered = extra.status_changed_by !== undefined;
      return update(
        `session_${to}`,
        key,
        {
          set: {
            status: to,
            updated_at: now(),
            logs: extra.logs,
            agent_count: extra.agent_count,
            ...(steered && {
              status_reason: extra.status_reason ?? '',
              status_changed_by: extra.status_changed_by,
              status_changed_at: now(),
            }),
            // A session the executor still owes work stays in the sparse sweep index, and only then.
            ...(!finished && { sweep_shard: sweepShardOf(key.session_uuid) }),
          },
          ...(extra.countRedrive && { increment: { redrive_count: 1 } }),
          ...(finished && { remove: ['sweep_shard'] }),
        },
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

    /**
     * One page of the sparse sweep index: sessions that may still need the
     * executor (dispatched, in_progress, paused), across tenants. Finished
     * sessions are not in it, so the sweeper never reads them.
     */
    async listSweepable(
      shard: string,
      exclusiveStartKey?: Record<string, unknown>,
    ): Promise<{ items: SweepEntry[]; nextKey?: Record<string, unknown> }> {
      const { Items, LastEvaluatedKey } = await deps.doc.send(
        new QueryCommand({
          TableName: table,
          IndexName: 'sweep-index',
          KeyConditionExpression: 'sweep_shard = :s',
          ExpressionAttributeValues: { ':s': shard },
          ExclusiveStartKey: exclusiveStartKey,
          Limit: 100,
        }),
      );
      return {
        items: (Items ?? []).map((item) => ({
          partition_key: String(item.partition_key),
          coordination_uuid: String(item.coordination_uuid),
          session_uuid: String(item.session_uuid),
          status: String(item.status) as SessionStatus,
          updated_at: String(item.updated_at ?? ''),
        })),
        ...(LastEvaluatedKey && { nextKey: LastEvaluatedKey }),
      };
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
