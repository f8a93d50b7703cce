import * as z from 'zod';

const Count = z.number().int().min(0);

/**
 * What one or more model calls used. `inputTokens` includes the cached ones
 * (OpenAI counts them inside prompt_tokens; the Bedrock adapter adds its cache
 * reads), `outputTokens` includes reasoning tokens: the details are breakdowns,
 * never added on top.
 */
export const ModelUsageSchema = z.object({
  model: z.string().max(256).nullable().default(null),
  inputTokens: Count.default(0),
  outputTokens: Count.default(0),
  cachedTokens: Count.default(0),
  reasoningTokens: Count.default(0),
  modelCalls: Count.default(0),
});
export type ModelUsage = z.infer<typeof ModelUsageSchema>;

export const emptyUsage = (model: string | null = null): ModelUsage => ({
  model,
  inputTokens: 0,
  outputTokens: 0,
  cachedTokens: 0,
  reasoningTokens: 0,
  modelCalls: 0,
});

/** Sums usages (the model of the last one that names one is kept). */
export function addUsage(a: ModelUsage, b: ModelUsage): ModelUsage {
  return {
    model: b.model ?? a.model,
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    cachedTokens: a.cachedTokens + b.cachedTokens,
    reasoningTokens: a.reasoningTokens + b.reasoningTokens,
    modelCalls: a.modelCalls + b.modelCalls,
  };
}

const n = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);

/** One chat completion's `usage` object (OpenAI-compatible servers; the details are optional). */
export function usageFromOpenAI(model: string, usage: unknown): ModelUsage {
  const u = (usage ?? {}) as Record<string, Record<string, unknown> | number | undefined>;
  const prompt = u.prompt_tokens_details as Record<string, unknown> | undefined;
  const completion = u.completion_tokens_details as Record<string, unknown> | undefined;
  return {
    model,
    inputTokens: n(u.prompt_tokens),
    outputTokens: n(u.completion_tokens),
    cachedTokens: n(prompt?.cached_tokens),
    reasoningTokens: n(completion?.reasoning_tokens),
    modelCalls: 1,
  };
}

/** Bedrock Converse's `metadata.usage` (cache reads and writes are reported beside inputTokens). */
export function usageFromBedrock(model: string, usage: unknown): ModelUsage {
  const u = (usage ?? {}) as Record<string, unknown>;
  const cacheRead = n(u.cacheReadInputTokens);
  return {
    model,
    inputTokens: n(u.inputTokens) + cacheRead + n(u.cacheWriteInputTokens),
    outputTokens: n(u.outputTokens),
    cachedTokens: cacheRead,
    reasoningTokens: 0,
    modelCalls: 1,
  };
}
