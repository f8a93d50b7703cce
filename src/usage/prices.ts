import { readFileSync } from 'node:fs';
import * as z from 'zod';
import type { ModelUsage } from './model.js';

/** USD per 1 million tokens. `cachedInput` defaults to `input` (no cache discount) when absent. */
export const ModelPriceSchema = z.object({
  input: z.number().min(0),
  cachedInput: z.number().min(0).optional(),
  output: z.number().min(0),
});
export type ModelPrice = z.infer<typeof ModelPriceSchema>;

export const PriceTableSchema = z.record(z.string().min(1).max(256), ModelPriceSchema);
export type PriceTable = Readonly<Record<string, ModelPrice>>;

/**
 * Defaults: the providers' published list prices (USD / 1M tokens) when this
 * table was written. Prices change and contracts differ: an operator sets
 * ACE_MODEL_PRICES, whose entries replace these model by model.
 */
export const DEFAULT_MODEL_PRICES: PriceTable = Object.freeze({
  'gpt-4o': { input: 2.5, cachedInput: 1.25, output: 10 },
  'gpt-4o-mini': { input: 0.15, cachedInput: 0.075, output: 0.6 },
  'gpt-4.1': { input: 2, cachedInput: 0.5, output: 8 },
  'gpt-4.1-mini': { input: 0.4, cachedInput: 0.1, output: 1.6 },
  'gpt-4.1-nano': { input: 0.1, cachedInput: 0.025, output: 0.4 },
  'o4-mini': { input: 1.1, cachedInput: 0.275, output: 4.4 },
  'anthropic.claude-3-5-sonnet-20241022-v2:0': { input: 3, cachedInput: 0.3, output: 15 },
  'anthropic.claude-3-5-haiku-20241022-v1:0': { input: 0.8, cachedInput: 0.08, output: 4 },
  'anthropic.claude-3-haiku-20240307-v1:0': { input: 0.25, output: 1.25 },
  'amazon.nova-pro-v1:0': { input: 0.8, cachedInput: 0.2, output: 3.2 },
  'amazon.nova-lite-v1:0': { input: 0.06, cachedInput: 0.015, output: 0.24 },
  'amazon.nova-micro-v1:0': { input: 0.035, cachedInput: 0.00875, output: 0.14 },
});

/**
 * The price table: the defaults, overridden by ACE_MODEL_PRICES, which is
 * either inline JSON (`{"my-model": {"input": 1, "output": 2}}`) or a path to
 * a JSON file. A bad value is a startup error, never a silently empty table.
 */
export function loadPriceTable(setting: string | undefined, defaults: PriceTable = DEFAULT_MODEL_PRICES) {
  if (!setting?.trim()) return defaults;
  const text = setting.trim().startsWith('{') ? setting : readFileSync(setting.trim(), 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`ACE_MODEL_PRICES is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = PriceTableSchema.safeParse(json);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`ACE_MODEL_PRICES is invalid: ${detail}`);
  }
  return Object.freeze({ ...defaults, ...parsed.data });
}

/** Bedrock cross-region inference profiles prefix the model id (`us.`, `eu.`, ...): same price. */
const INFERENCE_PROFILE = /^(us|eu|apac|us-gov|global)\./;

export function priceOf(table: PriceTable, model: string | null | undefined): ModelPrice | undefined {
  if (!model) return undefined;
  return table[model] ?? table[model.replace(INFERENCE_PROFILE, '')];
}

/** The cost in USD, or null for a model the table does not know: never a guessed price. */
export function costOf(table: PriceTable, usage: ModelUsage): number | null {
  const price = priceOf(table, usage.model);
  if (!price) return null;
  const cached = Math.min(usage.cachedTokens, usage.inputTokens);
  const uncached = usage.inputTokens - cached;
  const micro =
    uncached * price.input + cached * (price.cachedInput ?? price.input) + usage.outputTokens * price.output;
  // Rounded to 1e-10 USD: the float noise of the products never reaches DynamoDB's exact decimal sums.
  return Math.round(micro * 1e4) / 1e10;
}
