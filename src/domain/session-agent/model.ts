import * as z from 'zod';
import { DecisionSchema } from '../../tools/call-store.js';
import { UsageTotalFields } from '../../usage/fields.js';
import { AuditFields, IdSchema, LargeTextSchema, StringSetSchema } from '../common/fields.js';
import { AgentSchema } from '../coordination/model.js';
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

/**
 * A SessionAgent row: the Python engine's attributes plus the executor's
 * bookkeeping (edges by session_agent_uuid, the claim lease). Extra
 * attributes are harmless to the Python engine, which ignores them.
 */
export const SessionAgentSchema = z.object({
  session_uuid: IdSchema,
  session_agent_uuid: IdSchema,
  coordination_uuid: IdSchema,
  agent_uuid: IdSchema,
  agent_action: AgentActionSchema.default({ predecessors: [], primary_path: true }),
  user_input: LargeTextSchema.optional().nullable(),
  agent_input: LargeTextSchema.optional().nullable(),
  agent_output: LargeTextSchema.optional().nullable(),
  in_degree: z.number().int().min(0).default(0),
  state: SessionAgentStateSchema.default('initial'),
  notes: z.string().max(100_000).optional().nullable(),
  /** Predecessors whose completion already decremented in_degree (makes each decrement idempotent). */
  completed_predecessors: StringSetSchema.optional(),
  subtask_query: z.string().max(32_768).optional().nullable(),
  thread_uuid: z.string().max(128).optional().nullable(),
  attempts: z.number().int().min(0).optional(),
  ...UsageTotalFields,
  agent_name: z.string().optional().nullable(),
  /** The coordination's agent entry as it was when the session started: one read less per run, and stable. */
  agent_config: AgentSchema.optional().nullable(),
  /** Position in the session (plan order): deterministic input and report order. */
  position: z.number().int().min(0).optional(),
  predecessor_uuids: z.array(z.string()).default([]),
  successor_uuids: z.array(z.string()).default([]),
  /** Epoch ms until which the current claim holds; an expired claim may be taken over (crash). */
  lease_until: z.number().optional().nullable(),
  claim_token: z.string().optional().nullable(),
  action_lease_until: z.number().optional().nullable(),
  /** Set by the first claim and kept: the key of the run's tool calls across redeliveries and resumes. */
  run_uuid: z.string().optional().nullable(),
  /** Set while a guardrail holds the agent's output for a person ({findings, run_uuid}). */
  guardrail_escalation: z.looseObject({}).optional().nullable(),
  /** Tool calls waiting for a person's approval (state wait_for_user_input): {call_id, tool, arguments}. */
  pending_tool_calls: z
    .array(z.object({ call_id: z.string(), tool: z.string(), arguments: z.unknown() }))
    .optional()
    .nullable(),
  /** The decisions of the latest decideToolCalls, by call id: the resumed run applies them. */
  tool_decisions: z.record(z.string(), DecisionSchema).optional().nullable(),
  ...AuditFields,
});
export type SessionAgent = z.infer<typeof SessionAgentSchema>;

/** Stored in S3 behind a reference when over the inline limit. */
export const SESSION_AGENT_LARGE_FIELDS = ['user_input', 'agent_input', 'agent_output'] as const;
