import * as z from 'zod';
import { AuditFields, IdSchema, QueryTextSchema, StringSetSchema } from '../common/fields.js';
import { ExecutionPolicySchema, SubtaskQuerySchema } from '../task/model.js';

/** Procedure-hub and operation-hub statuses; the Python engine's strings keep their meaning. */
export const SessionStatusSchema = z.enum([
  'initial',
  'dispatched',
  'in_progress',
  'completed',
  'failed',
  'cancelled',
  'active',
  'in_transit',
  'timeout',
]);
export type SessionStatus = z.infer<typeof SessionStatusSchema>;

export const SessionSchema = z.object({
  coordination_uuid: IdSchema,
  session_uuid: IdSchema,
  task_uuid: IdSchema.optional().nullable(),
  user_id: z.string().max(256).optional().nullable(),
  task_query: QueryTextSchema.optional().nullable(),
  input_files: z.array(z.unknown()).max(100).optional().nullable(),
  iteration_count: z.number().int().min(0).default(0),
  subtask_queries: z.array(SubtaskQuerySchema).default([]),
  status: SessionStatusSchema.default('initial'),
  /** JSON-encoded list of {run_uuid|agent_uuid, log} or {error}, as the Python engine stores it. */
  logs: z.string().max(400_000).optional().nullable(),
  execution_policy: ExecutionPolicySchema.optional().nullable(),
  schedule_uuid: IdSchema.optional().nullable(),
  /** SessionAgents holding one of the session's max_parallel slots (a string set). */
  running_agents: StringSetSchema.optional(),
  agent_count: z.number().int().min(0).optional(),
  ...AuditFields,
});
export type Session = z.infer<typeof SessionSchema>;
