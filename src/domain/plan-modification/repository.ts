import { conditionalPut, conditionalUpdate } from '../../db/conditional-write.js';
import { createEntityRepository, type RepositoryDeps } from '../../db/entity-repository.js';
import { where } from '../../db/expressions.js';
import type { Tenant } from '../../tenant.js';
import { type ModificationStatus, type PlanModification, PlanModificationSchema } from './model.js';

type NewModification = Omit<PlanModification, 'partition_key' | 'created_at' | 'updated_at' | 'updated_by'>;

/** The plan_modifications table's one access path: records and their conditional status changes. */
export function createPlanModificationRepository(deps: RepositoryDeps) {
  const table = deps.tables.planModifications;
  const base = createEntityRepository(deps, {
    entity: 'PlanModification',
    table: 'planModifications',
    schema: PlanModificationSchema,
    hashKey: 'session_uuid',
    rangeKey: 'modification_uuid',
  });
  const now = () => (deps.now?.() ?? new Date()).toISOString();
  const key = (sessionUuid: string, modificationUuid: string) => ({
    session_uuid: sessionUuid,
    modification_uuid: modificationUuid,
  });
  const ofTenant = (tenant: Tenant) => where.eq('partition_key', tenant.partitionKey);

  return {
    /** Stores a record unless it exists (a retried request stores nothing twice). */
    insertIfAbsent(tenant: Tenant, record: NewModification): Promise<boolean> {
      const stamp = now();
      return conditionalPut(deps, {
        label: 'plan_modification_insert',
        table,
        item: {
          ...record,
          partition_key: tenant.partitionKey,
          created_at: stamp,
          updated_at: stamp,
          updated_by: record.requested_by,
        },
        condition: where.notExists('modification_uuid'),
      });
    },
    find: (tenant: Tenant, sessionUuid: string, modificationUuid: string) =>
      base.find(tenant, key(sessionUuid, modificationUuid)),
    /** Every record of a session, oldest request first, in request order. */
    async listOfSession(tenant: Tenant, sessionUuid: string): Promise<PlanModification[]> {
      const rows = await base.queryByHash(tenant, sessionUuid);
      return rows.sort((a, b) => a.created_at.localeCompare(b.created_at) || a.position - b.position);
    },
    /** `from -> to` with who and why; false when it was not in `from` (decided or applied already). */
    async setStatus(
      tenant: Tenant,
      sessionUuid: string,
      modificationUuid: string,
      from: readonly ModificationStatus[],
      to: ModificationStatus,
      decision: { by?: string; reason?: string } = {},
    ): Promise<boolean> {
      const stamp = now();
      const result = await conditionalUpdate(deps, {
        label: `plan_modification_${to}`,
        table,
        key: key(sessionUuid, modificationUuid),
        update: {
          set: {
            status: to,
            updated_at: stamp,
            ...(decision.by !== undefined && {
              decided_by: decision.by,
              decision_reason: decision.reason ?? '',
              decided_at: stamp,
            }),
            ...(to === 'applied' && { applied_at: stamp }),
          },
        },
        condition: where.and(ofTenant(tenant), where.in('status', from)),
      });
      return result !== false;
    },
  };
}
export type PlanModificationRepository = ReturnType<typeof createPlanModificationRepository>;
