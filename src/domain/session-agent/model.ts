import * as z from 'zod';
import { UsageTotalFields } from '../../usage/fields.js';
import { AuditFields, IdSchema } from '../common/fields.js';
import { AgentActionSchema } from '../task/model.js';

export const SessionAgentStateSchema = z.enum([
  'initial',
  'executing',
  'wait_for_user_input',
  'pending',
  'completed',
  'failed',
]);
export type SessionAgentState = z.infer<typeof SessionAgentStateSchema>;
export const TERMINAL_STATES: readonly SessionAgentState[] = ['completed', 'failed'];

export const SessionAgentSchema = z.object({
  session_uuid: IdSchema,
  session_agent_uuid: IdSchema,
  coordination_uuid: IdSchema,
  agent_uuid: IdSchema,
  agent_action: AgentActionSchema.default({ predecessors: [], primary_path: true }),
  user_input: z.string().max(100_000).optional().nullable(),
  agent_input: z.string().max(400_000).optional().nullable(),
  agent_output: z.string().max(400_000).optional().nullable(),
  in_degree: z.number().int().min(0).default(0),
  state: SessionAgentStateSchema.default('initial'),
  notes: z.string().max(100_000).optional().nullable(),
  /** Predecessors whose completion already decremented in_degree (makes each decrement idempotent). */
  completed_predecessors: z
    .union([z.set(z.string()), z.array(z.string())])
    .transform((v) => [...v])
    .optional(),
  subtask_query: z.string().max(32_768).optional().nullable(),
  thread_uuid: z.string().max(128).optional().nullable(),
  attempts: z.number().int().min(0).optional(),
  ...UsageTotalFields,
  /** Tool calls waiting for a person's approval (state wait_for_user_input): {call_id, tool, arguments}. */
  pending_tool_calls: z
    .array(z.object({ call_id: z.string(), tool: z.string(), arguments: z.unknown() }))
    .optional()
    .nullable(),
  ...AuditFields,
});
export type SessionAgent = z.infer<typeof SessionAgentSchema>;
