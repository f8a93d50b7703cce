import * as z from 'zod';
import { RunUsageFields } from '../../usage/fields.js';
import { AuditFields, IdSchema, LargeTextSchema } from '../common/fields.js';

export const SessionRunSchema = z.object({
  session_uuid: IdSchema,
  run_uuid: IdSchema,
  thread_uuid: z.string().min(1).max(128),
  agent_uuid: IdSchema,
  coordination_uuid: IdSchema,
  async_task_uuid: z.string().max(128).optional().nullable(),
  session_agent_uuid: IdSchema.optional().nullable(),
  user_query: LargeTextSchema.optional().nullable(),
  answer: LargeTextSchema.optional().nullable(),
  status: z.string().max(64).optional().nullable(),
  /** Operation hub: how the agent was chosen ({method, agent_uuid, confidence, reason}). */
  triage: z.looseObject({}).optional().nullable(),
  user_id: z.string().max(256).optional().nullable(),
  ...RunUsageFields,
  /** Operation hub, status waiting_for_approval: the tool calls to decide ({call_id, tool, arguments}). */
  pending_tool_calls: z
    .array(z.object({ call_id: z.string(), tool: z.string(), arguments: z.unknown() }))
    .optional()
    .nullable(),
  ...AuditFields,
});
export type SessionRun = z.infer<typeof SessionRunSchema>;

/** Stored in S3 behind a reference when over the inline limit. */
export const SESSION_RUN_LARGE_FIELDS = ['user_query', 'answer'] as const;
