import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type BudgetCounters, createBudgetCounters } from '../budgets/counters.js';
import type { TableNames } from '../db/tables.js';
import type { Agent, Coordination } from '../domain/coordination/model.js';
import type { ApplyBedrockGuardrail } from '../guardrails/bedrock-guardrail.js';
import { type Guardrails, GuardrailsSchema } from '../guardrails/model.js';
import { createUsageLedger, type UsageLedger } from '../usage/ledger.js';
import { DEFAULT_MODEL_PRICES, type PriceTable } from '../usage/prices.js';

/** What both hubs need to meter, bound and guard agent calls. */
export interface Governance {
  readonly ledger: UsageLedger;
  readonly counters: BudgetCounters;
  /** Bedrock Guardrails (ApplyGuardrail); checks of type `bedrock` fail without it. */
  readonly bedrock?: ApplyBedrockGuardrail;
  /** How often a running call polls for a budget with `on_budget_exceeded: abort`. */
  readonly abortPollMs?: number;
}

export function createGovernance(deps: {
  doc: DynamoDBDocumentClient;
  tables: TableNames;
  prices?: PriceTable;
  bedrock?: ApplyBedrockGuardrail;
  abortPollMs?: number;
}): Governance {
  return {
    ledger: createUsageLedger({
      doc: deps.doc,
      tables: deps.tables,
      prices: deps.prices ?? DEFAULT_MODEL_PRICES,
    }),
    counters: createBudgetCounters(deps.doc),
    ...(deps.bedrock && { bedrock: deps.bedrock }),
    ...(deps.abortPollMs !== undefined && { abortPollMs: deps.abortPollMs }),
  };
}

/** The agent's guardrails, else the coordination's default; undefined when there are none. */
export function guardrailsOf(
  agent: Agent,
  coordination?: Pick<Coordination, 'guardrails'> | null,
): Guardrails | undefined {
  const raw = (agent as Record<string, unknown>).guardrails ?? coordination?.guardrails;
  if (!raw) return undefined;
  const parsed = GuardrailsSchema.parse(raw);
  return parsed.input.length || parsed.output.length ? parsed : undefined;
}

/** The snapshot of an agent a session keeps: the coordination's default guardrails filled in. */
export function withDefaultGuardrails(agent: Agent, coordination: Pick<Coordination, 'guardrails'>): Agent {
  if ((agent as Record<string, unknown>).guardrails || !coordination.guardrails) return agent;
  return { ...agent, guardrails: coordination.guardrails };
}

export const outputSchemaOf = (agent: Agent) => {
  const schema = (agent as Record<string, unknown>).output_schema;
  return schema && typeof schema === 'object' ? (schema as Record<string, unknown>) : undefined;
};
