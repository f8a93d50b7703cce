import type { ExecuteTaskMessage } from '../queue/messages.js';
import { tenantOf } from '../tenant.js';
import { type AccessControl, requirePermission } from './access-control.js';
import { ROOT_FIELD_PERMISSIONS } from './permissions.js';

/** Who an execute_task message acts for when it names no user. */
export const QUEUE_PRINCIPAL = 'queue';

/**
 * The public execute_task message names its principal (user_id, roles): it
 * needs the same permission as executeProcedureTaskSession. Who may send it at
 * all is the queue's IAM policy; the roles it names are checked here against
 * the operator's role table (absent: the default roles).
 */
export function authorizeExecuteTask(access: AccessControl, message: ExecuteTaskMessage): void {
  const caller = {
    tenant: tenantOf(message.endpoint_id, message.part_id),
    userId: message.user_id ?? QUEUE_PRINCIPAL,
    ...(message.roles && { roles: message.roles }),
  };
  requirePermission(
    access,
    caller,
    ROOT_FIELD_PERMISSIONS.executeProcedureTaskSession ?? '*',
    'execute_task',
  );
}
