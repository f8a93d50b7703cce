import * as z from 'zod';
import { DoubleTextingSchema, type OperationHubSettings } from './types.js';

const blankIsUnset = (value: unknown) => (value === '' ? undefined : value);
const int = (min: number, max: number) =>
  z.preprocess(blankIsUnset, z.coerce.number().int().min(min).max(max).optional());

const EnvSchema = z.object({
  ACE_THREAD_LIFE_MINUTES: int(0, 525_600),
  ACE_DOUBLE_TEXTING: z.preprocess(blankIsUnset, DoubleTextingSchema.optional()),
  ACE_AGENT_TIMEOUT_MS: int(100, 900_000),
  ACE_TRIAGE_TIMEOUT_MS: int(100, 900_000),
  ACE_ENQUEUE_WAIT_MS: int(0, 900_000),
});

/**
 * The operation hub's defaults from the environment (the stack sets them per
 * deployment); unset variables keep the built-in defaults. A bad value fails
 * at start-up, naming the variable.
 */
export function operationHubSettingsFromEnv(
  env: Record<string, string | undefined> = process.env,
): Partial<OperationHubSettings> {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid operation hub configuration: ${detail}`);
  }
  const e = parsed.data;
  return {
    ...(e.ACE_THREAD_LIFE_MINUTES !== undefined && { threadLifeMinutes: e.ACE_THREAD_LIFE_MINUTES }),
    ...(e.ACE_DOUBLE_TEXTING && { doubleTexting: e.ACE_DOUBLE_TEXTING }),
    ...(e.ACE_AGENT_TIMEOUT_MS !== undefined && { agentTimeoutMs: e.ACE_AGENT_TIMEOUT_MS }),
    ...(e.ACE_TRIAGE_TIMEOUT_MS !== undefined && { triageTimeoutMs: e.ACE_TRIAGE_TIMEOUT_MS }),
    ...(e.ACE_ENQUEUE_WAIT_MS !== undefined && { enqueueWaitMs: e.ACE_ENQUEUE_WAIT_MS }),
  };
}
