import { ValidationError } from '../errors.js';
import type { Tenant } from '../tenant.js';
import type { MemoryRecord } from './model.js';

/**
 * Pure key builders of the agent_memory table (src/db/tables.ts). The tenant
 * is inside every hash key, so no query can reach another tenant's records.
 */
export const memoryKeys = {
  namespace: (tenant: Tenant, namespace: string) => `${tenant.partitionKey}|${namespace}`,
  agent: (tenant: Tenant, agentUuid: string) => `${tenant.partitionKey}|${agentUuid}`,
  session: (tenant: Tenant, sessionUuid: string) => `${tenant.partitionKey}|${sessionUuid}`,
  /** The GSIs' range key: a type, then the creation time (lists by type and date are range conditions). */
  typeDate: (memoryType: string, createdAt: string) => `${memoryType}#${createdAt}`,
};

/** The stored item: the record plus the attributes its indexes need (absent ones keep it off an index). */
export function memoryItem(tenant: Tenant, record: MemoryRecord): Record<string, unknown> {
  return {
    ...Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined && v !== null)),
    namespace_key: memoryKeys.namespace(tenant, record.namespace),
    memory_key: record.key,
    // The key makes it unique: records created in the same millisecond still list in one stable order.
    type_date: `${memoryKeys.typeDate(record.memory_type, record.created_at)}#${record.key}`,
    ...(record.agent_uuid && { agent_scope: memoryKeys.agent(tenant, record.agent_uuid) }),
    ...(record.session_uuid && { session_scope: memoryKeys.session(tenant, record.session_uuid) }),
  };
}

/**
 * Scopes an agent may declare for injection and its tools: the namespace a
 * record lives in. An agent's own memory is per user when the session has one,
 * so two users of one agent never read each other's records.
 */
export type MemoryScope = 'agent' | 'user' | 'coordination' | 'session';

export interface ScopeContext {
  readonly agentUuid: string;
  readonly coordinationUuid: string;
  readonly sessionUuid: string;
  readonly userId?: string | null;
}

export function namespaceForScope(scope: MemoryScope, at: ScopeContext): string {
  switch (scope) {
    case 'agent':
      return at.userId ? `agent:${at.agentUuid}/user:${at.userId}` : `agent:${at.agentUuid}`;
    case 'user':
      return `user:${at.userId ?? 'system'}`;
    case 'coordination':
      return `coordination:${at.coordinationUuid}`;
    case 'session':
      return `session:${at.sessionUuid}`;
  }
}

/** Date bounds as a range condition on `type_date` within one type. */
export function typeDateRange(memoryType: string, from?: string, to?: string) {
  return {
    low: memoryKeys.typeDate(memoryType, from ?? ''),
    // "~" sorts after every character of an ISO timestamp: `to` itself is included.
    high: memoryKeys.typeDate(memoryType, `${to ?? ''}~`),
  };
}

/** A page position as an opaque token; decoding checks it belongs to this query's partition. */
export function encodePageToken(key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

export function decodePageToken(
  token: string | undefined,
  hashName: string,
  hashValue: string,
): Record<string, string> | undefined {
  if (token === undefined) return undefined;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw new ValidationError('nextToken is not a token this query gave');
  }
  const valid =
    typeof decoded === 'object' &&
    decoded !== null &&
    Object.values(decoded).every((v) => typeof v === 'string') &&
    (decoded as Record<string, string>)[hashName] === hashValue;
  if (!valid) throw new ValidationError('nextToken is not a token this query gave');
  return decoded as Record<string, string>;
}
