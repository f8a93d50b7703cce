import { createEntityRepository, type QueryTarget, type RepositoryDeps } from '../../db/entity-repository.js';
import type { Condition } from '../../db/expressions.js';
import { inCondition } from '../../db/expressions.js';
import type { PageRequest } from '../../db/paginate.js';
import type { Tenant } from '../../tenant.js';
import { sessionKey } from './keys.js';
import { type Session, SessionSchema } from './model.js';
import { createSessionTransitions } from './transitions.js';

/** Sessions of one user across coordinations (tenant-filtered: user ids may repeat across tenants). */
const USER_INDEX = 'user_id-session_uuid-index';

export interface SessionFilter {
  readonly coordinationUuid?: string;
  readonly taskUuid?: string;
  readonly userId?: string;
  readonly statuses?: readonly string[];
}

export interface SessionRelations {
  /** A task's coordination (undefined if the task is gone): lets a task filter use the task LSI. */
  readonly coordinationOfTask?: (tenant: Tenant, taskUuid: string) => Promise<string | undefined>;
}

export function createSessionRepository(deps: RepositoryDeps, related: SessionRelations = {}) {
  const base = createEntityRepository(deps, {
    entity: 'Session',
    table: 'sessions',
    schema: SessionSchema,
    hashKey: 'coordination_uuid',
    rangeKey: 'session_uuid',
  });
  const key = sessionKey;
  /**
   * The cheapest read for a filter: a coordination is the table's hash key and
   * pins the task / user LSIs; a task alone is looked up for its coordination
   * (one request) to use the task LSI; a user alone has its GSI; otherwise the
   * tenant GSI. Statuses change on every transition and stay a filter.
   */
  async function target(tenant: Tenant, filter: SessionFilter): Promise<QueryTarget> {
    const conditions: Condition[] = [];
    if (filter.statuses?.length) conditions.push(inCondition(['status'], filter.statuses));
    const coordinationUuid = filter.coordinationUuid ?? (await coordinationOfTask(tenant, filter.taskUuid));
    if (coordinationUuid) {
      const hash = { name: 'coordination_uuid', value: coordinationUuid };
      if (filter.taskUuid) {
        if (filter.userId) conditions.push({ kind: 'eq', path: ['user_id'], value: filter.userId });
        const key = [hash, { name: 'task_uuid', value: filter.taskUuid }];
        return { index: 'task_uuid-index', key, conditions };
      }
      if (filter.userId) {
        const key = [hash, { name: 'user_id', value: filter.userId }];
        return { index: 'user_id-index', key, conditions };
      }
      return { key: [hash], conditions };
    }
    if (filter.taskUuid) conditions.push({ kind: 'eq', path: ['task_uuid'], value: filter.taskUuid });
    if (filter.userId) {
      return { index: USER_INDEX, key: [{ name: 'user_id', value: filter.userId }], conditions };
    }
    return base.tenantTarget(conditions);
  }
  const coordinationOfTask = async (tenant: Tenant, taskUuid: string | undefined) =>
    taskUuid && related.coordinationOfTask ? related.coordinationOfTask(tenant, taskUuid) : undefined;
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
    /** Every match (internal callers); GraphQL lists read one page with `page`. */
    list: async (tenant: Tenant, filter: SessionFilter = {}): Promise<Session[]> =>
      base.all(tenant, await target(tenant, filter)),
    page: async (tenant: Tenant, filter: SessionFilter, request: PageRequest) =>
      base.page(tenant, await target(tenant, filter), filter, request),
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
