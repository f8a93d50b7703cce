import * as z from 'zod';

const Total = z.number().min(0).optional();

/** The ledger's totals as stored on Session, SessionAgent and SessionRun rows (ADDed, never SET). */
export const UsageTotalFields = {
  input_tokens: Total,
  output_tokens: Total,
  cached_tokens: Total,
  reasoning_tokens: Total,
  total_tokens: Total,
  model_calls: Total,
  tool_calls: Total,
  cost_usd: Total,
  unpriced_calls: Total,
  /** Budget counters: calls reserved before they started, and the budget that ended the session. */
  model_calls_started: Total,
  tool_calls_started: Total,
  budget_exceeded: z.string().max(64).optional().nullable(),
};

/** A SessionRun's own record of its calls (SET once when the run is recorded). */
export const RunUsageFields = {
  model: z.string().max(256).optional().nullable(),
  input_tokens: Total,
  output_tokens: Total,
  cached_tokens: Total,
  reasoning_tokens: Total,
  model_calls: Total,
  tool_calls: Total,
  cost_usd: z.number().min(0).optional().nullable(),
  /** The ask's own budget (askOperationHub `budget`), kept so a run continued after tool decisions stays under it. */
  ask_budget: z.looseObject({}).optional().nullable(),
  /** Guardrail findings of the run (input and output checks), as stored. */
  guardrail_findings: z.array(z.looseObject({})).max(200).optional().nullable(),
  /** An escalated run a person decided: {decision, decided_by, decided_at, reason}. */
  escalation_decision: z.looseObject({}).optional().nullable(),
};
