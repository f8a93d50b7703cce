import { createEntityRepository, type RepositoryDeps } from '../../db/entity-repository.js';
import type { Condition } from '../../db/expressions.js';
import type { PageRequest } from '../../db/paginate.js';
import type { Tenant } from '../../tenant.js';
import { type Coordination, CoordinationSchema } from './model.js';

export interface CoordinationFilter {
  readonly coordinationName?: string;
  readonly coordinationDescription?: string;
}

/** Coordinations are keyed by the tenant itself (hash `partition_key`). */
export function createCoordinationRepository(deps: RepositoryDeps) {
  const base = createEntityRepository(deps, {
    entity: 'Coordination',
    table: 'coordinations',
    schema: CoordinationSchema,
    hashKey: 'partition_key',
    rangeKey: 'coordination_uuid',
    tenantIsHashKey: true,
  });
  const key = (tenant: Tenant, coordinationUuid: string) => ({
    partition_key: tenant.partitionKey,
    coordination_uuid: coordinationUuid,
  });
  /** The tenant is the table's hash key; name and description match by "contains" (a filter). */
  function target(filter: CoordinationFilter) {
    const conditions: Condition[] = [];
    if (filter.coordinationName) {
      conditions.push({ kind: 'contains', path: ['coordination_name'], value: filter.coordinationName });
    }
    if (filter.coordinationDescription) {
      conditions.push({
        kind: 'contains',
        path: ['coordination_description'],
        value: filter.coordinationDescription,
      });
    }
    return base.tenantTarget(conditions);
  }
  return {
    find: (tenant: Tenant, uuid: string) => base.find(tenant, key(tenant, uuid)),
    get: (tenant: Tenant, uuid: string) => base.get(tenant, key(tenant, uuid)),
    batchGet: (tenant: Tenant, uuids: readonly string[]) =>
      base.batchGet(
        tenant,
        uuids.map((u) => key(tenant, u)),
      ),
    /** Every match (internal callers); GraphQL lists read one page with `page`. */
    list: (tenant: Tenant, filter: CoordinationFilter = {}): Promise<Coordination[]> =>
      base.all(tenant, target(filter)),
    page: (tenant: Tenant, filter: CoordinationFilter, request: PageRequest) =>
      base.page(tenant, target(filter), filter, request),
    insert: (tenant: Tenant, fields: Parameters<typeof base.insert>[1]) => base.insert(tenant, fields),
    update: (tenant: Tenant, uuid: string, fields: Parameters<typeof base.update>[2]) =>
      base.update(tenant, key(tenant, uuid), fields),
    delete: (tenant: Tenant, uuid: string) => base.delete(tenant, key(tenant, uuid)),
  };
}
export type CoordinationRepository = ReturnType<typeof createCoordinationRepository>;
