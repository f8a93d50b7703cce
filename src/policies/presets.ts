import * as z from 'zod';

/**
 * Seed 001's complexity presets, as named execution policies: a policy that
 * names one starts from it and overrides any field it sets itself.
 */
export const PRESETS = {
  simple: { max_parallel: 1, agent_timeout_ms: 25_000 },
  medium: { max_parallel: 2, agent_timeout_ms: 30_000 },
  complex: { max_parallel: 3, agent_timeout_ms: 30_000 },
  crisis: { max_parallel: 5, agent_timeout_ms: 20_000 },
} as const;

export const PresetNameSchema = z.enum(['simple', 'medium', 'complex', 'crisis']);
export type PresetName = z.infer<typeof PresetNameSchema>;

/** The preset's fields under the policy's own: `{preset: 'crisis', agent_timeout_ms: 10000}` keeps max_parallel 5. */
export function expandPreset<T extends { preset?: PresetName | null }>(policy: T | null | undefined) {
  if (!policy) return policy;
  const { preset, ...own } = policy;
  if (!preset) return own;
  const defined = Object.fromEntries(Object.entries(own).filter(([, v]) => v !== undefined && v !== null));
  return { ...PRESETS[preset], ...defined, preset };
}
