/**
 * The caller's tenant. It always comes from the authenticated connection or
 * request (JWT claims, the stored WebSocket connection, a queue message the
 * engine itself signed off), never from a GraphQL argument.
 */
export interface Tenant {
  readonly endpointId: string;
  readonly partId: string;
  /** `{endpoint_id}#{part_id}`: the value stored in every item's `partition_key`. */
  readonly partitionKey: string;
}

export function tenantOf(endpointId: string, partId: string): Tenant {
  if (!endpointId || !partId || endpointId.includes('#') || partId.includes('#')) {
    throw new Error('endpoint_id and part_id must be non-empty and contain no "#"');
  }
  return Object.freeze({ endpointId, partId, partitionKey: `${endpointId}#${partId}` });
}

export function tenantFromPartitionKey(partitionKey: string): Tenant {
  const [endpointId = '', partId = ''] = partitionKey.split('#');
  return tenantOf(endpointId, partId);
}
