import type { Budget } from '../../budgets/model.js';
import type { ExecutionPolicy } from '../../domain/task/model.js';
import { expandPreset, type PresetName } from '../../policies/presets.js';

/** The effective policy of a session: task policy over hub defaults, overridden per execution. */
export interface ResolvedPolicy extends Budget {
  readonly preset?: PresetName;
  readonly max_parallel?: number;
  /** Per attempt: each call to the agent runtime is aborted after this long. */
  readonly agent_timeout_ms: number;
  readonly max_retries: number;
  readonly failure_mode: 'fail_fast' | 'continue';
}

export const BUILTIN_POLICY: ResolvedPolicy = {
  agent_timeout_ms: 120_000,
  max_retries: 2,
  failure_mode: 'fail_fast',
};

const defined = <T extends object>(value: T | null | undefined): Partial<T> =>
  Object.fromEntries(
    Object.entries(value ?? {}).filter(([, v]) => v !== undefined && v !== null),
  ) as Partial<T>;

export function resolvePolicy(
  defaults: Partial<ResolvedPolicy> | undefined,
  task?: ExecutionPolicy | null,
  override?: ExecutionPolicy | null,
): ResolvedPolicy {
  // A preset sits under the fields of the policy that names it (task or execution).
  return {
    ...BUILTIN_POLICY,
    ...defined(defaults),
    ...defined(expandPreset(task)),
    ...defined(expandPreset(override)),
  };
}

/** How long a claim holds: every attempt timing out, plus backoff and margin. */
export function claimLeaseMs(policy: ResolvedPolicy): number {
  return (policy.max_retries + 1) * (policy.agent_timeout_ms + 30_000) + 60_000;
}
