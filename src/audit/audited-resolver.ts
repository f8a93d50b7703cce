import { randomUUID } from 'node:crypto';
import type { GraphQLFieldResolver } from 'graphql';
import { effectiveRoles } from '../access/access-control.js';
import type { GraphQLContext } from '../graphql/context.js';
import { diffItems } from './diff.js';
import { entityUuidOf, loadEntity } from './entities.js';
import { AUDITED_OPERATIONS, type AuditedOperation } from './operations.js';
import { type AuditTrail, auditIdOf } from './trail.js';

declare module '../graphql/context.js' {
  interface Services {
    /** The audit trail; absent (in-process tests), nothing is recorded. */
    audit?: AuditTrail;
  }
}

type Resolver = GraphQLFieldResolver<unknown, GraphQLContext>;
type Args = Record<string, unknown>;

/** One id per request where the transport gives none (HTTP without an Idempotency-Key header). */
const requestIds = new WeakMap<object, string>();

/**
 * The request a write belongs to: the WebSocket operation (a redelivered
 * queued operation keeps it), the HTTP `Idempotency-Key` / `X-Request-Id`
 * header, else a fresh id for this request.
 */
export function requestIdOf(context: GraphQLContext): string {
  if (context.transport === 'ws') return `ws:${context.connectionId}:${context.operationId}`;
  const headers = (context as { request?: { headers?: { get?: (name: string) => string | null } } }).request
    ?.headers;
  const given = headers?.get?.('idempotency-key') ?? headers?.get?.('x-request-id');
  if (given) return `${context.transport}:${given.slice(0, 256)}`;
  const known = requestIds.get(context);
  if (known) return known;
  const id = `${context.transport}:${randomUUID()}`;
  requestIds.set(context, id);
  return id;
}

/**
 * Wraps a root field so that a successful write appends its audit record,
 * after the write (a failed write records nothing) and under a deterministic
 * id (a retried or duplicated one records nothing more). Queries are recorded
 * only when the operator turned read auditing on.
 */
export function auditedResolver(fieldName: string, kind: 'query' | 'mutation', resolve: Resolver): Resolver {
  const operation = AUDITED_OPERATIONS[fieldName];
  if (!operation && kind !== 'query')
    throw new Error(`mutation ${fieldName} is not audited (src/audit/operations.ts)`);
  return async (source, args: Args, context, info) => {
    const trail = context.services.audit;
    const auditRead = !operation && trail?.settings.auditReads;
    if (!trail || (!operation && !auditRead)) return resolve(source, args, context, info);
    const tenant = context.caller.tenant;
    const spec: AuditedOperation = operation ?? { entity: 'session', action: 'insert' };
    const entity = typeof spec.entity === 'function' ? spec.entity(args) : spec.entity;
    const keyBefore = operation ? spec.keyBefore?.(args) : undefined;
    const before = keyBefore ? await loadEntity(context.repos, tenant, entity, keyBefore) : undefined;

    const result = (await resolve(source, args, context, info)) as Record<string, unknown> | null;

    const requestId = requestIdOf(context);
    const idempotencyKey = spec.idempotencyKey?.(args);
    const auditId = idempotencyKey
      ? auditIdOf(tenant, fieldName, 'idempotency', idempotencyKey)
      : auditIdOf(tenant, requestId, String(info.path.key));
    const roles = context.services.access ? effectiveRoles(context.caller, context.services.access) : [];
    if (auditRead) {
      await trail.record(tenant, {
        audit_id: auditId,
        user_id: context.caller.userId,
        roles: [...roles],
        operation: fieldName,
        action: 'read',
        entity_type: 'query',
        entity_uuid: fieldName,
        entity_key: {},
        changes: [],
        details: { arguments: trail.redact(args) as Record<string, unknown> },
        transport: context.transport,
        request_id: requestId,
      });
      return result;
    }
    const key = spec.keyAfter?.(args, result) ?? keyBefore ?? {};
    const after = spec.action === 'delete' ? undefined : await loadEntity(context.repos, tenant, entity, key);
    const action = spec.action === 'insert_update' ? (before ? 'update' : 'insert') : spec.action;
    await trail.record(tenant, {
      audit_id: auditId,
      user_id: context.caller.userId,
      roles: [...roles],
      operation: fieldName,
      action,
      entity_type: entity,
      entity_uuid: entityUuidOf(entity, key),
      entity_key: { ...key },
      changes: diffItems(before, after, trail.redact),
      details: (trail.redact(spec.details?.(args, result) ?? {}) ?? {}) as Record<string, unknown>,
      transport: context.transport,
      request_id: requestId,
    });
    return result;
  };
}
