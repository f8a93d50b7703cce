import * as z from 'zod';

/**
 * Queue message for a WebSocket operation that may outlast API Gateway's 29 s
 * integration timeout (askOperationHub). The $default handler stores the
 * operation, enqueues this and returns; the SQS consumer runs it with an
 * `emit` that pushes intermediate `next` messages, then the final `next` and
 * `complete`. Tenant and user were taken from the stored connection.
 */
export const GraphqlOperationMessageSchema = z.object({
  type: z.literal('graphql_operation'),
  v: z.literal(1),
  connection_id: z.string().min(1).max(128),
  operation_id: z.string().min(1).max(256),
  query: z.string().min(1).max(100_000),
  variables: z.record(z.string(), z.unknown()).nullish(),
  operation_name: z.string().max(256).nullish(),
  endpoint_id: z.string().min(1),
  part_id: z.string().min(1),
  user_id: z.string().min(1),
  /** The token's roles, from the stored connection (absent: the default roles apply). */
  roles: z.array(z.string().max(64)).max(100).optional(),
});
export type GraphqlOperationMessage = z.infer<typeof GraphqlOperationMessageSchema>;
