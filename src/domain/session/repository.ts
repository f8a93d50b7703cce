import { createEntityRepository, type RepositoryDeps } from '../../db/entity-repository.js';
import type { Condition } from '../../db/expressions.js';
import { inCondition } from '../../db/expressions.js';
import type { Tenant } from '../../tenant.js';
import { sessionKey } from './keys.js';
import { type Session, SessionSchema } from './model.js';
import { createSessionTransitions } from './transitions.js';

export interface SessionFilter {
  readonly coordinationUuid?: string;
  readonly taskUuid?: string;
  readonly userId?: string;
  readonly statuses?: readonly string[];
}

export function createSessionRepository(deps: RepositoryDeps) {
  const base = createEntityRepository(deps, {
    entity: 'Session',
    table: 'sessions',
    schema: SessionSchema,
    hashKey: 'coordination_uuid',
    rangeKey: 'session_uuid',
  });
  const key = sessionKey;
  return {
    base,
    ...createSessionTransitions(deps),
    find: (tenant: Tenant, coordinationUuid: string, sessionUuid: string) =>
      base.find(tenant, key(coordinationUuid, sessionUuid)),
    get: (tenant: Tenant, coordinationUuid: string, sessionUuid: string) =>
      base.get(tenant, key(coordinationUuid, sessionUuid)),
    batchGet: (tenant: Tenant, keys: readonly { coordinationUuid: string; sessionUuid: string }[]) =>
      base.batchGet(
        tenant,
        keys.map((k) => key(k.coordinationUuid, k.sessionUuid)),
      ),
    /** Uses the LSIs where a coordination is given with a task or a user; the tenant GSI otherwise. */
    list(tenant: Tenant, filter: SessionFilter = {}): Promise<Session[]> {
      const conditions: Condition[] = [];
      if (filter.statuses?.length) conditions.push(inCondition(['status'], filter.statuses));
      if (filter.coordinationUuid) {
        if (filter.taskUuid) {
          if (filter.userId) conditions.push({ kind: 'eq', path: ['user_id'], value: filter.userId });
          return base.queryByHash(tenant, filter.coordinationUuid, {
            index: 'task_uuid-index',
            rangeEquals: filter.taskUuid,
            conditions,
          });
        }
        if (filter.userId) {
          return base.queryByHash(tenant, filter.coordinationUuid, {
            index: 'user_id-index',
            rangeEquals: filter.userId,
            conditions,
          });
        }
        return base.queryByHash(tenant, filter.coordinationUuid, { conditions });
      }
      if (filter.taskUuid) conditions.push({ kind: 'eq', path: ['task_uuid'], value: filter.taskUuid });
      if (filter.userId) conditions.push({ kind: 'eq', path: ['user_id'], value: filter.userId });
      return base.queryTenant(tenant, conditions);
    },
    /** A row by its uuid alone (the tenant index), for callers that lack its coordination. */
    getByUuid: (tenant: Tenant, uuid: string) => base.getByRange(tenant, uuid),
    countByCoordination: (tenant: Tenant, coordinationUuid: string) =>
      base.countByHash(tenant, coordinationUuid),
    insert: (tenant: Tenant, fields: Parameters<typeof base.insert>[1]) => base.insert(tenant, fields),
    update: (
      tenant: Tenant,
      coordinationUuid: string,
      sessionUuid: string,
      fields: Parameters<typeof base.update>[2],
    ) => base.update(tenant, key(coordinationUuid, sessionUuid), fields),
    delete: (tenant: Tenant, coordinationUuid: string, sessionUuid: string) =>
      base.delete(tenant, key(coordinationUuid, sessionUuid)),
  };
}
export type SessionRepository = ReturnType<typeof createSessionRepository>;
