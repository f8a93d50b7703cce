import { createEntityRepository, type RepositoryDeps } from '../../db/entity-repository.js';
import type { Condition } from '../../db/expressions.js';
import type { Tenant } from '../../tenant.js';
import { SESSION_RUN_LARGE_FIELDS, type SessionRun, SessionRunSchema } from './model.js';

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
  return {
    base,
    find: (tenant: Tenant, sessionUuid: string, runUuid: string) =>
      base.find(tenant, key(sessionUuid, runUuid)),
    get: (tenant: Tenant, sessionUuid: string, runUuid: string) =>
      base.get(tenant, key(sessionUuid, runUuid)),
    /** Uses the thread / agent LSIs when a session is given. */
    list(tenant: Tenant, filter: SessionRunFilter = {}): Promise<SessionRun[]> {
      const conditions: Condition[] = [];
      if (filter.coordinationUuid) {
        conditions.push({ kind: 'eq', path: ['coordination_uuid'], value: filter.coordinationUuid });
      }
      if (filter.sessionUuid) {
        if (filter.threadUuid) {
          if (filter.agentUuid)
            conditions.push({ kind: 'eq', path: ['agent_uuid'], value: filter.agentUuid });
          return base.queryByHash(tenant, filter.sessionUuid, {
            index: 'thread_uuid-index',
            rangeEquals: filter.threadUuid,
            conditions,
          });
        }
        if (filter.agentUuid) {
          return base.queryByHash(tenant, filter.sessionUuid, {
            index: 'agent_uuid-index',
            rangeEquals: filter.agentUuid,
            conditions,
          });
        }
        return base.queryByHash(tenant, filter.sessionUuid, { conditions });
      }
      if (filter.agentUuid) conditions.push({ kind: 'eq', path: ['agent_uuid'], value: filter.agentUuid });
      if (filter.threadUuid) conditions.push({ kind: 'eq', path: ['thread_uuid'], value: filter.threadUuid });
      return base.queryTenant(tenant, conditions);
    },
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
  };
}
export type SessionRunRepository = ReturnType<typeof createSessionRunRepository>;
