import { conditionalUpdate } from '../../db/conditional-write.js';
import { createEntityRepository, type QueryTarget, type RepositoryDeps } from '../../db/entity-repository.js';
import { type Condition, where } from '../../db/expressions.js';
import type { PageRequest } from '../../db/paginate.js';
import type { Tenant } from '../../tenant.js';
import { SESSION_RUN_LARGE_FIELDS, type SessionRun, SessionRunSchema } from './model.js';

/** A thread's runs across sessions (tenant-filtered). */
const THREAD_INDEX = 'thread_uuid-run_uuid-index';

export interface SessionRunFilter {
  readonly sessionUuid?: string;
  readonly coordinationUuid?: string;
  readonly agentUuid?: string;
  readonly threadUuid?: string;
}

export function createSessionRunRepository(deps: RepositoryDeps) {
  const base = createEntityRepository(deps, {
    entity: 'SessionRun',
    table: 'sessionRuns',
    schema: SessionRunSchema,
    hashKey: 'session_uuid',
    rangeKey: 'run_uuid',
    largeFields: SESSION_RUN_LARGE_FIELDS,
  });
  const key = (sessionUuid: string, runUuid: string) => ({ session_uuid: sessionUuid, run_uuid: runUuid });
  /**
   * A session is the table's hash key and pins the thread / agent LSIs; a thread
   * alone has its GSI (tenant-filtered); an agent alone is a filter on the tenant GSI.
   */
  function target(filter: SessionRunFilter): QueryTarget {
    const conditions: Condition[] = [];
    if (filter.coordinationUuid) {
      conditions.push({ kind: 'eq', path: ['coordination_uuid'], value: filter.coordinationUuid });
    }
    if (filter.sessionUuid) {
      const hash = { name: 'session_uuid', value: filter.sessionUuid };
      if (filter.threadUuid) {
        if (filter.agentUuid) conditions.push({ kind: 'eq', path: ['agent_uuid'], value: filter.agentUuid });
        const key = [hash, { name: 'thread_uuid', value: filter.threadUuid }];
        return { index: 'thread_uuid-index', key, conditions };
      }
      if (filter.agentUuid) {
        const key = [hash, { name: 'agent_uuid', value: filter.agentUuid }];
        return { index: 'agent_uuid-index', key, conditions };
      }
      return { key: [hash], conditions };
    }
    if (filter.agentUuid) conditions.push({ kind: 'eq', path: ['agent_uuid'], value: filter.agentUuid });
    if (filter.threadUuid) {
      return { index: THREAD_INDEX, key: [{ name: 'thread_uuid', value: filter.threadUuid }], conditions };
    }
    return base.tenantTarget(conditions);
  }
  return {
    base,
    find: (tenant: Tenant, sessionUuid: string, runUuid: string) =>
      base.find(tenant, key(sessionUuid, runUuid)),
    get: (tenant: Tenant, sessionUuid: string, runUuid: string) =>
      base.get(tenant, key(sessionUuid, runUuid)),
    /** Every match (internal callers); GraphQL lists read one page with `page`. */
    list: (tenant: Tenant, filter: SessionRunFilter = {}): Promise<SessionRun[]> =>
      base.all(tenant, target(filter)),
    page: (tenant: Tenant, filter: SessionRunFilter, request: PageRequest) =>
      base.page(tenant, target(filter), filter, request),
    countBySession: (tenant: Tenant, sessionUuid: string) => base.countByHash(tenant, sessionUuid),
    insert: (tenant: Tenant, fields: Parameters<typeof base.insert>[1]) => base.insert(tenant, fields),
    update: (
      tenant: Tenant,
      sessionUuid: string,
      runUuid: string,
      fields: Parameters<typeof base.update>[2],
    ) => base.update(tenant, key(sessionUuid, runUuid), fields),
    delete: (tenant: Tenant, sessionUuid: string, runUuid: string) =>
      base.delete(tenant, key(sessionUuid, runUuid)),
    /**
     * `escalated -> completed | failed`: a person's decision on a run a guardrail
     * escalated (operation hub). Conditional on the tenant and on the status
     * still being `escalated`, so of two decisions exactly one lands (false: lost).
     */
    async decideEscalation(
      tenant: Tenant,
      sessionUuid: string,
      runUuid: string,
      fields: {
        status: 'completed' | 'failed';
        answer: string | null;
        escalation_decision: Record<string, unknown>;
        updated_by: string;
      },
    ): Promise<boolean> {
      const set = deps.payloads
        ? await deps.payloads.putFields(tenant, fields, SESSION_RUN_LARGE_FIELDS)
        : fields;
      const written = await conditionalUpdate(deps, {
        label: 'run_escalation_decided',
        table: deps.tables.sessionRuns,
        key: key(sessionUuid, runUuid),
        update: { set: { ...set, updated_at: (deps.now?.() ?? new Date()).toISOString() } },
        condition: where.and(where.eq('partition_key', tenant.partitionKey), where.eq('status', 'escalated')),
      });
      return written !== false;
    },
  };
}
export type SessionRunRepository = ReturnType<typeof createSessionRunRepository>;
