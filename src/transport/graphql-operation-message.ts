import type { GraphqlOperationMessage } from '../queue/operation-message.js';
import { tenantOf } from '../tenant.js';
import type { ConnectionStore } from './connection-store.js';
import { formatErrors, type OperationPayload, prepareOperation } from './operation.js';
import type { Poster } from './poster.js';
import type { WsOperationRuntime } from './ws-protocol.js';

export interface GraphqlOperationDeps extends WsOperationRuntime {
  readonly store: ConnectionStore;
  readonly poster: Poster;
}

/**
 * Runs one queued operation. Returns normally when there is nothing to do (the
 * client completed the operation or left, or a redelivery finds it claimed).
 * A failure while executing is reported to the client as an error result, not
 * retried: the operation may have side effects (an agent call) already made.
 */
export async function handleGraphqlOperation(
  message: GraphqlOperationMessage,
  deps: GraphqlOperationDeps,
): Promise<void> {
  const { store, poster, logger } = deps;
  const { connection_id: connectionId, operation_id: operationId } = message;
  const row = await store.getSubscription(connectionId, operationId);
  const tenant = tenantOf(message.endpoint_id, message.part_id);
  if (row?.kind !== 'queued_operation' || row.partition_key !== tenant.partitionKey) return;
  if (!(await store.claimOperation(connectionId, operationId))) return;
  try {
    const context = deps.contextFor(
      { tenant, userId: message.user_id, ...(message.roles && { roles: message.roles }) },
      connectionId,
      operationId,
      async (payload) => {
        await poster.post(connectionId, { id: operationId, type: 'next', payload });
      },
    );
    const payload: OperationPayload = {
      query: message.query,
      variables: message.variables ?? null,
      operationName: message.operation_name ?? null,
    };
    const prepared = prepareOperation(deps.yoga, context, payload);
    if (!prepared.ok) {
      await poster.post(connectionId, { id: operationId, type: 'error', payload: prepared.errors });
      return;
    }
    let result: Record<string, unknown>;
    try {
      result = { ...(await prepared.run()) };
    } catch (error) {
      result = { data: null, errors: formatErrors([error], logger) };
    }
    if (await poster.post(connectionId, { id: operationId, type: 'next', payload: result })) {
      await poster.post(connectionId, { id: operationId, type: 'complete' });
    }
  } finally {
    await store.deleteSubscription(connectionId, operationId);
  }
}
