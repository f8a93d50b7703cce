import * as z from 'zod';
import { IdSchema } from '../domain/common/fields.js';
import { FireScheduleMessageSchema } from '../schedules/messages.js';
import { type Tenant, tenantOf } from '../tenant.js';
import { GraphqlOperationMessageSchema } from './operation-message.js';

/**
 * Queue envelopes: JSON `{type, v: 1, endpoint_id, part_id, ...}`. Each
 * feature defines its own message schemas; this file unions them so one SQS
 * handler validates every message at the edge.
 */
const TenantFields = {
  v: z.literal(1),
  endpoint_id: z
    .string()
    .min(1)
    .max(256)
    .regex(/^[^#]+$/),
  part_id: z
    .string()
    .min(1)
    .max(256)
    .regex(/^[^#]+$/),
};

/**
 * Public: other services enqueue task executions with it (docs/QUEUE_MESSAGES.md).
 * A repeated idempotency_key never starts a second session.
 */
export const ExecuteTaskMessageSchema = z
  .object({
    type: z.literal('execute_task'),
    ...TenantFields,
    coordination_uuid: IdSchema,
    task_uuid: IdSchema,
    task_query: z.string().max(32_768).optional(),
    user_id: z.string().min(1).max(256).optional(),
    /** The principal's roles, checked like a token's (docs/GOVERNANCE.md); absent: the default roles. */
    roles: z.array(z.string().min(1).max(64)).max(50).optional(),
    idempotency_key: z.string().min(1).max(256),
  })
  .meta({
    title: 'execute_task',
    description:
      'Start one execution of a task (a procedure-hub session). Duplicate idempotency keys are ignored.',
  });

/** Internal: build the session's agents (decomposing first if needed) and dispatch the ready ones. */
export const StartSessionMessageSchema = z.object({
  type: z.literal('start_session'),
  ...TenantFields,
  coordination_uuid: IdSchema,
  session_uuid: IdSchema,
});

/** Internal: run one SessionAgent (or its pending action function). */
export const ExecuteAgentMessageSchema = z.object({
  type: z.literal('execute_agent'),
  ...TenantFields,
  coordination_uuid: IdSchema,
  session_uuid: IdSchema,
  session_agent_uuid: IdSchema,
});

/** Internal: re-derive what is ready from stored state and dispatch it. */
export const ResumeSessionMessageSchema = z.object({
  type: z.literal('resume_session'),
  ...TenantFields,
  session_uuid: IdSchema,
});

/**
 * The self-healing sweep (EventBridge Scheduler rate(1 minute) on AWS, a
 * timer locally): resume what an expired lease or a lost dispatch left
 * behind, across tenants. It carries no tenant: it reads the sparse sweep
 * index and acts for each session's own tenant.
 */
export const SweepSessionsMessageSchema = z
  .object({ type: z.literal('sweep_sessions'), v: z.literal(1) })
  .meta({
    title: 'sweep_sessions',
    description:
      'Resume stuck sessions (expired leases, lost dispatches). Sent every minute by the scheduler.',
  });
export type SweepSessionsMessage = z.infer<typeof SweepSessionsMessageSchema>;

export const ProcedureMessageSchema = z.discriminatedUnion('type', [
  ExecuteTaskMessageSchema,
  StartSessionMessageSchema,
  ExecuteAgentMessageSchema,
  ResumeSessionMessageSchema,
]);
export type ProcedureMessage = z.infer<typeof ProcedureMessageSchema>;
export type ExecuteTaskMessage = z.infer<typeof ExecuteTaskMessageSchema>;
export type ExecuteAgentMessage = z.infer<typeof ExecuteAgentMessageSchema>;

/**
 * Every message the work queue carries. Teammates add their schemas here
 * (ask operation hub, fire schedule, ...) as members of this union.
 */
export const QueueMessageSchema = z.discriminatedUnion('type', [
  ExecuteTaskMessageSchema,
  StartSessionMessageSchema,
  ExecuteAgentMessageSchema,
  ResumeSessionMessageSchema,
  SweepSessionsMessageSchema,
  // A WebSocket operation too long for API Gateway's 29 s (src/transport, docs/TRANSPORTS.md).
  GraphqlOperationMessageSchema,
  // An EventBridge Scheduler (or local scheduler) occurrence of a TaskSchedule (src/schedules).
  FireScheduleMessageSchema,
]);
export type QueueMessage = z.infer<typeof QueueMessageSchema>;
export type QueueMessageType = QueueMessage['type'];

export const PROCEDURE_MESSAGE_TYPES = [
  'execute_task',
  'start_session',
  'execute_agent',
  'resume_session',
] as const;

export function tenantOfMessage(message: { endpoint_id: string; part_id: string }): Tenant {
  return tenantOf(message.endpoint_id, message.part_id);
}

export function tenantFields(tenant: Tenant): { v: 1; endpoint_id: string; part_id: string } {
  return { v: 1, endpoint_id: tenant.endpointId, part_id: tenant.partId };
}
