import { type AccessControl, effectiveRoles } from '../access/access-control.js';
import { authorizeExecuteTask, QUEUE_PRINCIPAL } from '../access/queue-principal.js';
import type { Repositories } from '../domain/repositories.js';
import type { ProcedureHub } from '../hubs/procedure/hub.js';
import type { ExecuteTaskMessage } from '../queue/messages.js';
import { tenantOf } from '../tenant.js';
import { diffItems } from './diff.js';
import { loadEntity } from './entities.js';
import { type AuditTrail, auditIdOf } from './trail.js';

/**
 * The public execute_task message: checked like executeProcedureTaskSession
 * (its principal needs session:execute), then run, then audited under the id
 * executeProcedureTaskSession gives the same idempotency key: however often
 * the message is delivered, and whichever door it came through, one record.
 */
export async function handleExecuteTask(
  message: ExecuteTaskMessage,
  deps: { access: AccessControl; audit: AuditTrail; procedure: ProcedureHub; repos: Repositories },
): Promise<void> {
  authorizeExecuteTask(deps.access, message);
  const tenant = tenantOf(message.endpoint_id, message.part_id);
  const session = await deps.procedure.executeProcedureTaskSession(tenant, {
    coordinationUuid: message.coordination_uuid,
    taskUuid: message.task_uuid,
    taskQuery: message.task_query,
    userId: message.user_id,
    idempotencyKey: message.idempotency_key,
  });
  const key = { coordination_uuid: session.coordination_uuid, session_uuid: session.session_uuid };
  const after = await loadEntity(deps.repos, tenant, 'session', key);
  const userId = message.user_id ?? QUEUE_PRINCIPAL;
  await deps.audit.record(tenant, {
    audit_id: auditIdOf(tenant, 'executeProcedureTaskSession', 'idempotency', message.idempotency_key),
    user_id: userId,
    roles: [
      ...effectiveRoles({ tenant, userId, ...(message.roles && { roles: message.roles }) }, deps.access),
    ],
    operation: 'execute_task',
    action: 'execute',
    entity_type: 'session',
    entity_uuid: session.session_uuid,
    entity_key: key,
    changes: diffItems(undefined, after, deps.audit.redact),
    details: { task_uuid: message.task_uuid, task_query: message.task_query ?? null },
    transport: 'sqs',
    request_id: `sqs:${message.idempotency_key}`,
  });
}
