import type { Agent } from '../domain/coordination/model.js';
import { type AgentRuntime, AgentRuntimeError, type RuntimeResolver } from '../runtimes/port.js';
import { modelSettingsOf, type RuntimeKind, runtimeKindOf } from '../runtimes/settings.js';

/**
 * The operator's limits on what a tenant's agent entry may ask of a model
 * runtime: which models (per runtime), which Bedrock regions, and caps on
 * max_tokens and retries. Checked before every run; an agent outside them
 * fails with the reason (not retried). Unset lists allow any value; the IAM
 * grant (infra) limits Bedrock to the listed models on AWS either way.
 */
export interface ModelPolicy {
  readonly allowedModels: Partial<Record<RuntimeKind, readonly string[]>>;
  readonly allowedBedrockRegions?: readonly string[];
  readonly maxTokensCap: number;
  readonly maxRetriesCap: number;
}

const list = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);

export function modelPolicyFromConfig(config: {
  ACE_OPENAI_ALLOWED_MODELS?: string | undefined;
  ACE_BEDROCK_ALLOWED_MODELS?: string | undefined;
  ACE_CORE_ENGINE_ALLOWED_MODELS?: string | undefined;
  ACE_BEDROCK_ALLOWED_REGIONS?: string | undefined;
  ACE_MAX_TOKENS_CAP: number;
  ACE_MAX_RETRIES_CAP: number;
}): ModelPolicy {
  const models: Partial<Record<RuntimeKind, readonly string[]>> = {};
  for (const [kind, value] of [
    ['openai', config.ACE_OPENAI_ALLOWED_MODELS],
    ['bedrock', config.ACE_BEDROCK_ALLOWED_MODELS],
    ['core_engine', config.ACE_CORE_ENGINE_ALLOWED_MODELS],
  ] as const) {
    if (list(value).length) models[kind] = list(value);
  }
  const regions = list(config.ACE_BEDROCK_ALLOWED_REGIONS);
  return {
    allowedModels: models,
    ...(regions.length && { allowedBedrockRegions: regions }),
    maxTokensCap: config.ACE_MAX_TOKENS_CAP,
    maxRetriesCap: config.ACE_MAX_RETRIES_CAP,
  };
}

/** Why the policy refuses this agent's settings, or null. */
export function modelPolicyRefusal(policy: ModelPolicy, agent: Agent): string | null {
  const kind = runtimeKindOf(agent);
  const settings = modelSettingsOf(agent);
  const models = policy.allowedModels[kind];
  if (models && !(settings.model && models.includes(settings.model)))
    return `model ${JSON.stringify(settings.model ?? null)} is not on the operator's list for the ${kind} runtime (${models.join(', ')})`;
  const region = typeof agent.region === 'string' ? agent.region : undefined;
  if (
    kind === 'bedrock' &&
    region &&
    policy.allowedBedrockRegions &&
    !policy.allowedBedrockRegions.includes(region)
  )
    return `Bedrock region ${region} is not allowed (${policy.allowedBedrockRegions.join(', ')})`;
  if (settings.max_tokens !== undefined && settings.max_tokens > policy.maxTokensCap)
    return `max_tokens ${settings.max_tokens} is above the operator's cap of ${policy.maxTokensCap}`;
  if (settings.max_retries !== undefined && settings.max_retries > policy.maxRetriesCap)
    return `max_retries ${settings.max_retries} is above the operator's cap of ${policy.maxRetriesCap}`;
  return null;
}

/** Wraps a resolver so every run is checked against the policy first (scripted agents included: caps apply to all). */
export function withModelPolicy(resolver: RuntimeResolver, policy: ModelPolicy): RuntimeResolver {
  return {
    ...resolver,
    forAgent(agent: Agent): AgentRuntime {
      const runtime = resolver.forAgent(agent);
      return {
        ...runtime,
        async run(request) {
          const refusal = modelPolicyRefusal(policy, request.agent);
          if (refusal) throw new AgentRuntimeError(`agent ${request.agent.agent_uuid}: ${refusal}`, false);
          return runtime.run(request);
        },
      };
    },
  };
}
