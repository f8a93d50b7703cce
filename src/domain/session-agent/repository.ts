import { createEntityRepository, type QueryTarget, type RepositoryDeps } from '../../db/entity-repository.js';
import type { Condition } from '../../db/expressions.js';
import { inCondition } from '../../db/expressions.js';
import type { PageRequest } from '../../db/paginate.js';
import type { Tenant } from '../../tenant.js';
import { sessionAgentKey } from './keys.js';
import { SESSION_AGENT_LARGE_FIELDS, type SessionAgent, SessionAgentSchema } from './model.js';
import { createSessionAgentTransitions } from './transitions.js';

export interface SessionAgentFilter {
  readonly sessionUuid?: string;
  readonly coordinationUuid?: string;
  readonly primaryPath?: boolean;
  readonly userInTheLoop?: boolean;
  /** agent_action.predecessors contains this agent uuid. */
  readonly predecessor?: string;
  /** agent_uuid IN (...). */
  readonly predecessors?: readonly string[];
  readonly inDegree?: number;
  readonly states?: readonly string[];
}

export function createSessionAgentRepository(deps: RepositoryDeps) {
  const base = createEntityRepository(deps, {
    entity: 'SessionAgent',
    table: 'sessionAgents',
    schema: SessionAgentSchema,
    hashKey: 'session_uuid',
    rangeKey: 'session_agent_uuid',
    largeFields: SESSION_AGENT_LARGE_FIELDS,
  });
  const key = sessionAgentKey;
  /** A session is the table's hash key; every other filter is a filter expression (a session has few agents). */
  function target(filter: SessionAgentFilter): QueryTarget {
    const conditions: Condition[] = [];
    if (filter.coordinationUuid) {
      conditions.push({ kind: 'eq', path: ['coordination_uuid'], value: filter.coordinationUuid });
    }
    if (filter.primaryPath !== undefined) {
      conditions.push({ kind: 'eq', path: ['agent_action', 'primary_path'], value: filter.primaryPath });
    }
    if (filter.userInTheLoop !== undefined) {
      conditions.push({
        kind: 'eq',
        path: ['agent_action', 'user_in_the_loop'],
        value: filter.userInTheLoop,
      });
    }
    if (filter.predecessor) {
      conditions.push({
        kind: 'contains',
        path: ['agent_action', 'predecessors'],
        value: filter.predecessor,
      });
    }
    if (filter.predecessors?.length) conditions.push(inCondition(['agent_uuid'], filter.predecessors));
    if (filter.inDegree !== undefined)
      conditions.push({ kind: 'eq', path: ['in_degree'], value: filter.inDegree });
    if (filter.states?.length) conditions.push(inCondition(['state'], filter.states));
    return filter.sessionUuid
      ? { key: [{ name: 'session_uuid', value: filter.sessionUuid }], conditions }
      : base.tenantTarget(conditions);
  }
  return {
    base,
    ...createSessionAgentTransitions(deps),
    /** Every agent of a session (strongly consistent), in plan order. */
    async listOfSession(tenant: Tenant, sessionUuid: string): Promise<SessionAgent[]> {
      const rows = await base.queryByHash(tenant, sessionUuid);
      return rows.sort((a, b) => (a.position ?? 0) - (b.position ?? 0));
    },
    /** Agents of one session by session_agent_uuid, in the given order (missing ones left out). */
    async batchGetOfSession(
      tenant: Tenant,
      sessionUuid: string,
      uuids: readonly string[],
    ): Promise<SessionAgent[]> {
      if (uuids.length === 0) return [];
      const rows = await base.batchGet(
        tenant,
        uuids.map((uuid) => key(sessionUuid, uuid)),
      );
      return rows.filter((row): row is SessionAgent => row !== undefined);
    },
    find: (tenant: Tenant, sessionUuid: string, sessionAgentUuid: string) =>
      base.find(tenant, key(sessionUuid, sessionAgentUuid)),
    get: (tenant: Tenant, sessionUuid: string, sessionAgentUuid: string) =>
      base.get(tenant, key(sessionUuid, sessionAgentUuid)),
    batchGet: (tenant: Tenant, keys: readonly { sessionUuid: string; sessionAgentUuid: string }[]) =>
      base.batchGet(
        tenant,
        keys.map((k) => key(k.sessionUuid, k.sessionAgentUuid)),
      ),
    /** Every match (internal callers); GraphQL lists read one page with `page`. */
    list: (tenant: Tenant, filter: SessionAgentFilter = {}): Promise<SessionAgent[]> =>
      base.all(tenant, target(filter)),
    page: (tenant: Tenant, filter: SessionAgentFilter, request: PageRequest) =>
      base.page(tenant, target(filter), filter, request),
    countBySession: (tenant: Tenant, sessionUuid: string) => base.countByHash(tenant, sessionUuid),
    insert: (tenant: Tenant, fields: Parameters<typeof base.insert>[1]) => base.insert(tenant, fields),
    update: (
      tenant: Tenant,
      sessionUuid: string,
      sessionAgentUuid: string,
      fields: Parameters<typeof base.update>[2],
    ) => base.update(tenant, key(sessionUuid, sessionAgentUuid), fields),
    delete: (tenant: Tenant, sessionUuid: string, sessionAgentUuid: string) =>
      base.delete(tenant, key(sessionUuid, sessionAgentUuid)),
  };
}
export type SessionAgentRepository = ReturnType<typeof createSessionAgentRepository>;
