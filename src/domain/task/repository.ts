import { createEntityRepository, type QueryTarget, type RepositoryDeps } from '../../db/entity-repository.js';
import type { Condition } from '../../db/expressions.js';
import type { PageRequest } from '../../db/paginate.js';
import type { Tenant } from '../../tenant.js';
import { type Task, TaskSchema } from './model.js';

export interface TaskFilter {
  readonly coordinationUuid?: string;
  readonly taskName?: string;
  readonly taskDescription?: string;
  readonly initialTaskQuery?: string;
}

export function createTaskRepository(deps: RepositoryDeps) {
  const base = createEntityRepository(deps, {
    entity: 'Task',
    table: 'tasks',
    schema: TaskSchema,
    hashKey: 'coordination_uuid',
    rangeKey: 'task_uuid',
  });
  const key = (coordinationUuid: string, taskUuid: string) => ({
    coordination_uuid: coordinationUuid,
    task_uuid: taskUuid,
  });
  /** A coordination is the table's hash key; text filters match by "contains" (a filter). */
  function target(filter: TaskFilter): QueryTarget {
    const conditions: Condition[] = [];
    if (filter.taskName) conditions.push({ kind: 'contains', path: ['task_name'], value: filter.taskName });
    if (filter.taskDescription) {
      conditions.push({ kind: 'contains', path: ['task_description'], value: filter.taskDescription });
    }
    if (filter.initialTaskQuery) {
      conditions.push({ kind: 'contains', path: ['initial_task_query'], value: filter.initialTaskQuery });
    }
    return filter.coordinationUuid
      ? { key: [{ name: 'coordination_uuid', value: filter.coordinationUuid }], conditions }
      : base.tenantTarget(conditions);
  }
  return {
    find: (tenant: Tenant, coordinationUuid: string, taskUuid: string) =>
      base.find(tenant, key(coordinationUuid, taskUuid)),
    get: (tenant: Tenant, coordinationUuid: string, taskUuid: string) =>
      base.get(tenant, key(coordinationUuid, taskUuid)),
    batchGet: (tenant: Tenant, keys: readonly { coordinationUuid: string; taskUuid: string }[]) =>
      base.batchGet(
        tenant,
        keys.map((k) => key(k.coordinationUuid, k.taskUuid)),
      ),
    /** Every match (internal callers); GraphQL lists read one page with `page`. */
    list: (tenant: Tenant, filter: TaskFilter = {}): Promise<Task[]> => base.all(tenant, target(filter)),
    page: (tenant: Tenant, filter: TaskFilter, request: PageRequest) =>
      base.page(tenant, target(filter), filter, request),
    /** A task's coordination from the tenant index (undefined if there is no such task). */
    coordinationOf: async (tenant: Tenant, uuid: string): Promise<string | undefined> =>
      (await base.all(tenant, base.tenantTarget([], uuid)))[0]?.coordination_uuid,
    /** A row by its uuid alone (the tenant index), for callers that lack its coordination. */
    getByUuid: (tenant: Tenant, uuid: string) => base.getByRange(tenant, uuid),
    countByCoordination: (tenant: Tenant, coordinationUuid: string) =>
      base.countByHash(tenant, coordinationUuid),
    insert: (tenant: Tenant, fields: Parameters<typeof base.insert>[1]) => base.insert(tenant, fields),
    update: (
      tenant: Tenant,
      coordinationUuid: string,
      taskUuid: string,
      fields: Parameters<typeof base.update>[2],
    ) => base.update(tenant, key(coordinationUuid, taskUuid), fields),
    delete: (tenant: Tenant, coordinationUuid: string, taskUuid: string) =>
      base.delete(tenant, key(coordinationUuid, taskUuid)),
  };
}
export type TaskRepository = ReturnType<typeof createTaskRepository>;
