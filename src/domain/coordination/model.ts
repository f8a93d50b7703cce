import * as z from 'zod';
import { GuardrailsSchema } from '../../guardrails/model.js';
import { AuditFields, DescriptionSchema, IdSchema, NameSchema } from '../common/fields.js';

export const AgentTypeSchema = z.enum(['triage', 'task', 'decompose', 'planning']);
export type AgentType = z.infer<typeof AgentTypeSchema>;

/**
 * One agent of a coordination. Extra keys (runtime, model settings, scripted
 * answers, example queries) are kept as stored: runtimes read them.
 */
export const AgentSchema = z.looseObject({
  agent_uuid: IdSchema,
  agent_name: NameSchema,
  agent_description: DescriptionSchema.optional().nullable(),
  agent_type: AgentTypeSchema,
});
export type Agent = z.infer<typeof AgentSchema>;

export const CoordinationSchema = z.object({
  coordination_uuid: IdSchema,
  coordination_name: NameSchema,
  coordination_description: DescriptionSchema.optional().nullable(),
  agents: z.array(AgentSchema).max(200).default([]),
  /** Default guardrails of every agent that declares none of its own. */
  guardrails: GuardrailsSchema.optional().nullable(),
  ...AuditFields,
});
export type Coordination = z.infer<typeof CoordinationSchema>;
