import * as z from 'zod';
import { AgentRuntimeError } from '../runtimes/port.js';

/**
 * Budgets of a whole session (every agent and branch), in an execution
 * policy (snake_case as stored; GraphQL takes camelCase).
 */
export const BudgetFields = {
  max_tokens: z.number().int().min(1).optional(),
  max_cost_usd: z.number().positive().optional(),
  max_model_calls: z.number().int().min(1).optional(),
  max_tool_calls: z.number().int().min(0).optional(),
  max_duration_ms: z.number().int().min(1).optional(),
  /** When a budget is reached: calls already running `finish` (default) or are `abort`ed. */
  on_budget_exceeded: z.enum(['finish', 'abort']).optional(),
};
export const BudgetSchema = z.object(BudgetFields);
export type Budget = z.infer<typeof BudgetSchema>;

/** The names the issue and the API use for each limit (camelCase, as in GraphQL). */
export const BUDGET_NAMES = {
  max_tokens: 'maxTokens',
  max_cost_usd: 'maxCostUsd',
  max_model_calls: 'maxModelCalls',
  max_tool_calls: 'maxToolCalls',
  max_duration_ms: 'maxDurationMs',
} as const;
export type BudgetName = (typeof BUDGET_NAMES)[keyof typeof BUDGET_NAMES];

export const hasBudget = (b: Budget | null | undefined): boolean =>
  !!b &&
  (b.max_tokens !== undefined ||
    b.max_cost_usd !== undefined ||
    b.max_model_calls !== undefined ||
    b.max_tool_calls !== undefined ||
    b.max_duration_ms !== undefined);

/** A call refused because a budget is spent; not retryable. */
export class BudgetExceededError extends AgentRuntimeError {
  constructor(
    readonly budget: BudgetName,
    readonly limit: number,
    readonly used: number,
  ) {
    super(`budget ${budget} exceeded (limit ${limit}, used ${used})`, false);
    this.name = 'BudgetExceededError';
  }
}
