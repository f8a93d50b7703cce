import * as z from 'zod';
import type { Agent } from '../domain/coordination/model.js';
import { AgentRuntimeError } from './port.js';

export const RuntimeKindSchema = z.enum(['scripted', 'openai', 'bedrock', 'core_engine']);
export type RuntimeKind = z.infer<typeof RuntimeKindSchema>;

/**
 * Model settings read from a coordination's agent entry (snake_case, as
 * stored). Only non-secret choices live there: which model, how long to wait,
 * and which *credential profile* to use. Keys and endpoints come from the
 * environment (see credentials.ts), so a tenant who edits its agents can
 * never point the engine's API keys at a host of its choosing.
 */
export const ModelSettingsSchema = z.looseObject({
  model: z.string().min(1).max(256).optional(),
  system_prompt: z.string().max(32_768).optional(),
  temperature: z.number().min(0).max(2).optional(),
  max_tokens: z.number().int().min(1).max(200_000).optional(),
  timeout_ms: z.number().int().min(100).max(900_000).optional(),
  max_retries: z.number().int().min(0).max(10).optional(),
  credentials: z
    .string()
    .regex(/^[A-Za-z0-9_]{1,64}$/)
    .optional(),
  history_max_messages: z.number().int().min(0).max(1000).optional(),
  history_max_chars: z.number().int().min(0).max(2_000_000).optional(),
});
export type ModelSettings = z.infer<typeof ModelSettingsSchema>;

export function runtimeKindOf(agent: Agent): RuntimeKind {
  const parsed = RuntimeKindSchema.safeParse(agent.runtime ?? 'scripted');
  if (!parsed.success) {
    throw new AgentRuntimeError(
      `agent ${agent.agent_uuid} names an unknown runtime: ${String(agent.runtime)}`,
      false,
    );
  }
  return parsed.data;
}

export function modelSettingsOf(agent: Agent): ModelSettings {
  const parsed = ModelSettingsSchema.safeParse(agent);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new AgentRuntimeError(`agent ${agent.agent_uuid} has invalid model settings: ${detail}`, false);
  }
  return parsed.data;
}

/** The history budget an agent asked for, where it asked for one. */
export function historyBudgetOf(settings: ModelSettings) {
  return {
    ...(settings.history_max_messages !== undefined && { maxMessages: settings.history_max_messages }),
    ...(settings.history_max_chars !== undefined && { maxChars: settings.history_max_chars }),
  };
}
