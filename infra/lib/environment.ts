import type { ConfigSchema } from '../../src/config.js';

/**
 * Lambda environment variables, keyed by the engine's own config schema
 * (src/config.ts): a variable the stack sets is a variable the code reads,
 * and a typo is a compile error. AWS_REGION is Lambda's own (reserved).
 */
export type ConfigKey = Exclude<keyof typeof ConfigSchema.shape, 'AWS_REGION'>;
export type LambdaEnvironment = Partial<Record<ConfigKey, string>>;

export function lambdaEnvironment(values: LambdaEnvironment): Record<string, string> {
  return Object.fromEntries(
    Object.entries(values).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}
