import { createEntityRepository, type QueryTarget, type RepositoryDeps } from '../../db/entity-repository.js';
import type { Condition } from '../../db/expressions.js';
import { inCondition } from '../../db/expressions.js';
import type { PageRequest } from '../../db/paginate.js';
import type { Tenant } from '../../tenant.js';
import { type TaskSchedule, TaskScheduleSchema } from './model.js';

export interface TaskScheduleFilter {
  readonly taskUuid?: string;
  readonly coordinationUuid?: string;
  readonly statuses?: readonly string[];
}

export function createTaskScheduleRepository(deps: RepositoryDeps) {
  const base = createEntityRepository(deps, {
    entity: 'TaskSchedule',
    table: 'taskSchedules',
    schema: TaskScheduleSchema,
    hashKey: 'task_uuid',
    rangeKey: 'schedule_uuid',
  });
  const key = (taskUuid: string, scheduleUuid: string) => ({
    task_uuid: taskUuid,
    schedule_uuid: scheduleUuid,
  });
  /** A task is the table's hash key; coordination and statuses are filters (a tenant has few schedules). */
  function target(filter: TaskScheduleFilter): QueryTarget {
    const conditions: Condition[] = [];
    if (filter.coordinationUuid) {
      conditions.push({ kind: 'eq', path: ['coordination_uuid'], value: filter.coordinationUuid });
    }
    if (filter.statuses?.length) conditions.push(inCondition(['status'], filter.statuses));
    return filter.taskUuid
      ? { key: [{ name: 'task_uuid', value: filter.taskUuid }], conditions }
      : base.tenantTarget(conditions);
  }
  return {
    find: (tenant: Tenant, taskUuid: string, scheduleUuid: string) =>
      base.find(tenant, key(taskUuid, scheduleUuid)),
    get: (tenant: Tenant, taskUuid: string, scheduleUuid: string) =>
      base.get(tenant, key(taskUuid, scheduleUuid)),
    /** Every match (internal callers); GraphQL lists read one page with `page`. */
    list: (tenant: Tenant, filter: TaskScheduleFilter = {}): Promise<TaskSchedule[]> =>
      base.all(tenant, target(filter)),
    page: (tenant: Tenant, filter: TaskScheduleFilter, request: PageRequest) =>
      base.page(tenant, target(filter), filter, request),
    countByTask: (tenant: Tenant, taskUuid: string) => base.countByHash(tenant, taskUuid),
    insert: (tenant: Tenant, fields: Parameters<typeof base.insert>[1]) => base.insert(tenant, fields),
    update: (
      tenant: Tenant,
      taskUuid: string,
      scheduleUuid: string,
      fields: Parameters<typeof base.update>[2],
    ) => base.update(tenant, key(taskUuid, scheduleUuid), fields),
    delete: (tenant: Tenant, taskUuid: string, scheduleUuid: string) =>
      base.delete(tenant, key(taskUuid, scheduleUuid)),
  };
}
export type TaskScheduleRepository = ReturnType<typeof createTaskScheduleRepository>;
