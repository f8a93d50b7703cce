import * as z from 'zod';
import { PrefetchListSchema } from '../../prefetch/spec.js';
import { UsageTotalFields } from '../../usage/fields.js';
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
  /** A budget of the execution policy was reached: nothing new started (the budget is named in logs). */
  'budget_exceeded',
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
  /** Degradations that did not fail the session (a prefetch that failed or ran late), in order. */
  warnings: z.array(z.string().max(4096)).max(200).optional().nullable(),
  /** This execution's own prefetch specs (run after the task's). */
  prefetch: PrefetchListSchema.optional().nullable(),
  /** What the prefetch stage fetched, by cache key; set once, before the first agents run. */
  prefetched: z
    .record(
      z.string(),
      z.object({ fn: z.string(), value: z.unknown(), agents: z.array(z.string()).optional() }),
    )
    .optional()
    .nullable(),
  ...UsageTotalFields,
  /** SessionAgents holding one of the session's max_parallel slots (a string set). */
  running_agents: StringSetSchema.optional(),
  agent_count: z.number().int().min(0).optional(),
  ...AuditFields,
});
export type Session = z.infer<typeof SessionSchema>;
