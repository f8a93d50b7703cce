import * as z from 'zod';
import { SessionSchema } from '../../domain/session/model.js';
import { SessionAgentSchema } from '../../domain/session-agent/model.js';
import { DecisionSchema } from '../../tools/call-store.js';

const StringSet = z
  .union([z.set(z.string()), z.array(z.string())])
  .transform((v) => [...v])
  .optional();

/**
 * A SessionAgent row as the executor reads it: the domain model plus the
 * executor's bookkeeping (edges by session_agent_uuid, the claim lease).
 * Extra attributes are harmless to the Python engine, which ignores them.
 */
export const AgentRecordSchema = SessionAgentSchema.extend({
  agent_name: z.string().optional().nullable(),
  /** The coordination's agent entry as it was when the session started: one read less per run, and stable. */
  agent_config: z.looseObject({}).optional().nullable(),
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
  /** Tool calls waiting for a person's approval (state wait_for_user_input). */
  pending_tool_calls: z
    .array(z.object({ call_id: z.string(), tool: z.string(), arguments: z.unknown() }))
    .optional()
    .nullable(),
  /** The decisions of the latest decideToolCalls, by call id: the resumed run applies them. */
  tool_decisions: z.record(z.string(), DecisionSchema).optional().nullable(),
});
export type AgentRecord = z.infer<typeof AgentRecordSchema>;

export const SessionRecordSchema = SessionSchema.extend({
  /** SessionAgents holding one of the session's max_parallel slots. */
  running_agents: StringSet,
  agent_count: z.number().int().min(0).optional(),
});
export type SessionRecord = z.infer<typeof SessionRecordSchema>;

export type SessionEventType =
  | 'session_status'
  | 'agent_state'
  | 'run_recorded'
  | 'agent_output'
  | 'user_input'
  | 'tool_call'
  | 'tool_result'
  | 'tool_approval_requested'
  | 'tool_calls_decided';
