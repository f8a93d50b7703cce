import * as z from 'zod';
import { BudgetFields } from '../../budgets/model.js';
import { PresetNameSchema } from '../../policies/presets.js';
import { PrefetchListSchema } from '../../prefetch/spec.js';
import { AuditFields, DescriptionSchema, IdSchema, NameSchema, QueryTextSchema } from '../common/fields.js';

export const SubtaskQuerySchema = z.object({ agent_uuid: IdSchema, subtask_query: QueryTextSchema });
export type SubtaskQuery = z.infer<typeof SubtaskQuerySchema>;

/**
 * An action function: a built-in by name (`{name: "merge_outputs"}`), a
 * webhook, or another Lambda (`{type: "lambda", function_name}`). Kept loose:
 * the procedure hub validates it against its registry when it runs.
 */
export const ActionFunctionSchema = z.looseObject({}).nullable().optional();

export const AgentActionSchema = z.looseObject({
  predecessors: z.array(IdSchema).max(200).default([]),
  primary_path: z.boolean().default(true),
  user_in_the_loop: z.unknown().optional(),
  action_function: ActionFunctionSchema,
});
export type AgentAction = z.infer<typeof AgentActionSchema>;

export const FailureModeSchema = z.enum(['fail_fast', 'continue']);

/** Execution policy of a task (overridable per execution). */
export const ExecutionPolicySchema = z.object({
  max_parallel: z.number().int().min(1).max(1000).optional(),
  agent_timeout_ms: z.number().int().min(100).max(900_000).optional(),
  max_retries: z.number().int().min(0).max(10).optional(),
  failure_mode: FailureModeSchema.optional(),
  /** Operation hub: a second ask while one runs on the session is rejected, enqueued, or interrupts it. */
  double_texting: z.enum(['reject', 'enqueue', 'interrupt']).optional(),
  /** The whole prefetch stage (every spec, concurrently) is cut after this long; default 25 000. */
  prefetch_timeout_ms: z.number().int().min(100).max(300_000).optional(),
  /** A complexity preset (simple, medium, complex, crisis) under this policy's own fields. */
  preset: PresetNameSchema.optional(),
  ...BudgetFields,
});
export type ExecutionPolicy = z.infer<typeof ExecutionPolicySchema>;

export const TaskSchema = z.object({
  coordination_uuid: IdSchema,
  task_uuid: IdSchema,
  task_name: NameSchema,
  task_description: DescriptionSchema.optional().nullable(),
  initial_task_query: QueryTextSchema.optional().nullable(),
  subtask_queries: z.array(SubtaskQuerySchema).max(500).default([]),
  agent_actions: z.record(IdSchema, AgentActionSchema).default({}),
  execution_policy: ExecutionPolicySchema.optional().nullable(),
  /** Data fetched once before the first agents run (src/prefetch/spec.ts). */
  prefetch: PrefetchListSchema.optional().nullable(),
  ...AuditFields,
});
export type Task = z.infer<typeof TaskSchema>;
