import * as z from 'zod';
import { AuditFields, IdSchema, JsonValueSchema } from '../common/fields.js';
import { AgentActionSchema } from '../task/model.js';

/** One change of a running session's plan, as requested (GraphQL `modifications`). */
const Target = { sessionAgentUuid: IdSchema };
const Edges = z.array(IdSchema).max(100);
export const ModificationRequestSchema = z.discriminatedUnion('operation', [
  z
    .object({
      operation: z.literal('add_agent'),
      /** Optional: lets later modifications of the same request name the new agent. */
      sessionAgentUuid: IdSchema.optional(),
      agentUuid: IdSchema,
      subtaskQuery: z.string().min(1).max(32_768),
      predecessors: Edges.default([]),
      successors: Edges.default([]),
      userInTheLoop: z.boolean().optional(),
      actionFunction: AgentActionSchema.shape.action_function.optional(),
    })
    .strict(),
  z.object({ operation: z.literal('remove_agent'), ...Target }).strict(),
  z
    .object({
      operation: z.literal('modify_agent'),
      ...Target,
      subtaskQuery: z.string().min(1).max(32_768).optional(),
      userInTheLoop: z.boolean().optional(),
      actionFunction: AgentActionSchema.shape.action_function.optional(),
    })
    .strict(),
  z.object({ operation: z.literal('reassign_agent'), ...Target, agentUuid: IdSchema }).strict(),
  z.object({ operation: z.literal('change_predecessors'), ...Target, predecessors: Edges }).strict(),
]);
export type ModificationRequest = z.infer<typeof ModificationRequestSchema>;
export type ModificationOperation = ModificationRequest['operation'];

export const ModificationStatusSchema = z.enum(['requested', 'approved', 'rejected', 'applied']);
export type ModificationStatus = z.infer<typeof ModificationStatusSchema>;

/** The stored record: the audit trail of a plan change (the seed's PlanModification). */
export const PlanModificationSchema = z.object({
  session_uuid: IdSchema,
  modification_uuid: IdSchema,
  coordination_uuid: IdSchema,
  /** Modifications requested together share it (and were validated together). */
  request_uuid: IdSchema,
  /** Position within its request: applied in this order. */
  position: z.number().int().min(0),
  operation: z.enum(['add_agent', 'remove_agent', 'modify_agent', 'reassign_agent', 'change_predecessors']),
  session_agent_uuid: IdSchema,
  /** The request as given (replayed on approval). */
  request: JsonValueSchema,
  old_value: JsonValueSchema.optional().nullable(),
  new_value: JsonValueSchema.optional().nullable(),
  reason: z.string().max(4096).default(''),
  requested_by: z.string().max(256),
  status: ModificationStatusSchema,
  decided_by: z.string().max(256).optional().nullable(),
  decision_reason: z.string().max(4096).optional().nullable(),
  decided_at: z.string().optional().nullable(),
  applied_at: z.string().optional().nullable(),
  ...AuditFields,
});
export type PlanModification = z.infer<typeof PlanModificationSchema>;
