import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { TableNames } from '../db/tables.js';
import type { Agent } from '../domain/coordination/model.js';
import type { Task } from '../domain/task/model.js';
import type { Tenant } from '../tenant.js';
import { costOf, type PriceTable } from '../usage/prices.js';
import { agentSums } from './report.js';

/**
 * The cost estimate of one execution of a task: per agent, the mean of its
 * past runs (per-run sums and sums of squares in the rollups) with a 95%
 * prediction interval for one more run; agents without history get a stated
 * assumption and a wide range. The task's range adds the agents' variances
 * (runs taken as independent) for agents with history, and their ranges for
 * the others.
 */
export interface EstimateRange {
  readonly expected: number;
  readonly low: number;
  readonly high: number;
}

export interface AgentEstimate {
  readonly agentUuid: string;
  readonly agentName: string | null;
  /** SessionAgents this agent gets per execution (one per subtask query). */
  readonly runsPerExecution: number;
  readonly basis: 'history' | 'assumption';
  readonly sampleRuns: number;
  readonly modelCalls: EstimateRange;
  readonly tokens: EstimateRange;
  readonly costUsd: EstimateRange | null;
}

export interface TaskEstimate {
  readonly coordinationUuid: string;
  readonly taskUuid: string;
  readonly confidence: number;
  readonly historyDays: number;
  readonly agents: AgentEstimate[];
  readonly modelCalls: EstimateRange;
  readonly tokens: EstimateRange;
  /** Null when an agent's cost cannot be priced (no history with prices, unknown model). */
  readonly costUsd: EstimateRange | null;
  readonly assumptions: string[];
}

export const ESTIMATE_CONFIDENCE = 0.95;
/** Student's t, two-sided 95%, by degrees of freedom 1..30 (then the normal 1.96). */
const T_975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131,
  2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];
export const tQuantile = (df: number) => (df >= 1 ? (T_975[df - 1] ?? 1.96) : Number.POSITIVE_INFINITY);

/** Mean and sample variance from n, sum and sum of squares. */
export function moments(n: number, sum: number, sq: number) {
  const mean = n > 0 ? sum / n : 0;
  const variance = n > 1 ? Math.max(0, (sq - n * mean * mean) / (n - 1)) : 0;
  return { mean, variance };
}

/** Assumed for an agent without history: 1 call (2 with tools), ~4 characters a token, 500 output tokens. */
const ASSUMED_OUTPUT_TOKENS = 500;
const ASSUMED_PROMPT_OVERHEAD = 400;
const ASSUMED_RANGE = { low: 0.5, high: 3 };

interface Metric {
  readonly mean: number;
  readonly variance: number;
}

const r6 = (v: number) => Math.round(v * 1e6) / 1e6;
const rangeOf = (expected: number, halfWidth: number): EstimateRange => ({
  expected: r6(expected),
  low: r6(Math.max(0, expected - halfWidth)),
  high: r6(expected + halfWidth),
});
const scaled = (expected: number): EstimateRange => ({
  expected: r6(expected),
  low: r6(expected * ASSUMED_RANGE.low),
  high: r6(expected * ASSUMED_RANGE.high),
});

export async function estimateTask(
  deps: { doc: DynamoDBDocumentClient; tables: TableNames; prices: PriceTable },
  tenant: Tenant,
  input: {
    task: Task;
    agents: readonly Agent[];
    taskQuery?: string | null;
    historyDays?: number;
    now?: Date;
  },
): Promise<TaskEstimate> {
  const historyDays = input.historyDays ?? 30;
  const now = input.now ?? new Date();
  const from = new Date(now.getTime() - historyDays * 86_400_000).toISOString();
  const { byAgent } = await agentSums(deps, tenant, {
    coordinationUuid: input.task.coordination_uuid,
    from,
    to: now.toISOString(),
  });
  const agents = participants(input.task, input.agents);
  const assumptions: string[] = [];
  const estimates: AgentEstimate[] = [];
  // The task's totals: statistical parts (mean, variance, smallest sample) and assumed parts (ranges).
  const totals = { calls: [0, 0], tokens: [0, 0], cost: [0, 0] } as Record<
    'calls' | 'tokens' | 'cost',
    [number, number]
  >;
  const assumed = { calls: [0, 0, 0], tokens: [0, 0, 0], cost: [0, 0, 0] } as Record<
    'calls' | 'tokens' | 'cost',
    number[]
  >;
  let minSample = Number.POSITIVE_INFINITY;
  let unpriced = false;

  for (const { agent, runs } of agents) {
    const sums = byAgent.get(agent.agent_uuid)?.sums ?? {};
    const n = sums.sample_runs ?? 0;
    const pricedRuns = n - (sums.sample_unpriced_runs ?? 0);
    if (n >= 2) {
      minSample = Math.min(minSample, n);
      const calls = moments(n, sums.sample_calls_sum ?? 0, sums.sample_calls_sq ?? 0);
      const tokens = moments(n, sums.sample_tokens_sum ?? 0, sums.sample_tokens_sq ?? 0);
      const cost =
        pricedRuns >= 2
          ? moments(pricedRuns, sums.sample_cost_sum ?? 0, sums.sample_cost_sq ?? 0)
          : undefined;
      const t = tQuantile(n - 1);
      const spread = (m: Metric, k: number) => t * Math.sqrt(m.variance * (1 + 1 / k));
      add(totals.calls, calls, runs, n);
      add(totals.tokens, tokens, runs, n);
      if (cost) add(totals.cost, cost, runs, pricedRuns);
      else unpriced = true;
      estimates.push({
        agentUuid: agent.agent_uuid,
        agentName: agent.agent_name ?? null,
        runsPerExecution: runs,
        basis: 'history',
        sampleRuns: n,
        modelCalls: rangeOf(calls.mean * runs, spread(calls, n) * Math.sqrt(runs)),
        tokens: rangeOf(tokens.mean * runs, spread(tokens, n) * Math.sqrt(runs)),
        costUsd: cost ? rangeOf(cost.mean * runs, spread(cost, pricedRuns) * Math.sqrt(runs)) : null,
      });
      continue;
    }
    const guess = assumedRun(agent, input.task, input.taskQuery, deps.prices);
    assumptions.push(
      `${agent.agent_name ?? agent.agent_uuid}: ${n === 0 ? 'no runs' : 'one run'} in the last ${historyDays} days; assumed ${guess.modelCalls} model call(s) and ~${guess.tokens} tokens a run (prompt length / 4 + ${ASSUMED_PROMPT_OVERHEAD} + ${ASSUMED_OUTPUT_TOKENS} output), range x${ASSUMED_RANGE.low}..x${ASSUMED_RANGE.high}${guess.costUsd === null ? '; no price for its model' : ''}`,
    );
    const calls = scaled(guess.modelCalls * runs);
    const tokens = scaled(guess.tokens * runs);
    const cost = guess.costUsd === null ? null : scaled(guess.costUsd * runs);
    for (const [key, range] of [
      ['calls', calls],
      ['tokens', tokens],
      ['cost', cost],
    ] as const) {
      if (!range) continue;
      assumed[key][0]! += range.expected;
      assumed[key][1]! += range.low;
      assumed[key][2]! += range.high;
    }
    if (!cost) unpriced = true;
    estimates.push({
      agentUuid: agent.agent_uuid,
      agentName: agent.agent_name ?? null,
      runsPerExecution: runs,
      basis: 'assumption',
      sampleRuns: n,
      modelCalls: calls,
      tokens,
      costUsd: cost,
    });
  }
  const t = Number.isFinite(minSample) ? tQuantile(minSample - 1) : 0;
  const total = (key: 'calls' | 'tokens' | 'cost'): EstimateRange => {
    const [mean, variance] = totals[key];
    const half = t * Math.sqrt(variance);
    const [aExpected = 0, aLow = 0, aHigh = 0] = assumed[key];
    return {
      expected: r6(mean + aExpected),
      low: r6(Math.max(0, mean - half) + aLow),
      high: r6(mean + half + aHigh),
    };
  };
  if (estimates.some((e) => e.basis === 'history'))
    assumptions.push(
      `runs of different agents are independent; ${ESTIMATE_CONFIDENCE * 100}% prediction interval for one execution`,
    );
  return {
    coordinationUuid: input.task.coordination_uuid,
    taskUuid: input.task.task_uuid,
    confidence: ESTIMATE_CONFIDENCE,
    historyDays,
    agents: estimates,
    modelCalls: total('calls'),
    tokens: total('tokens'),
    costUsd: unpriced ? null : total('cost'),
    assumptions,
  };
}

/** Adds `runs` runs of an agent with n samples: means add, predictive variances add. */
function add(target: [number, number], m: Metric, runs: number, n: number) {
  target[0] += m.mean * runs;
  target[1] += m.variance * runs * (1 + 1 / n);
}

/** The agents an execution runs: one SessionAgent per subtask query (a decomposer first where there are none). */
function participants(task: Task, agents: readonly Agent[]) {
  const byUuid = new Map(agents.map((a) => [a.agent_uuid, a]));
  const counts = new Map<string, number>();
  for (const q of task.subtask_queries ?? []) counts.set(q.agent_uuid, (counts.get(q.agent_uuid) ?? 0) + 1);
  for (const uuid of Object.keys(task.agent_actions ?? {})) if (!counts.has(uuid)) counts.set(uuid, 1);
  if (!task.subtask_queries?.length) {
    const planner = agents.find((a) => a.agent_type === 'decompose' || a.agent_type === 'planning');
    if (planner) counts.set(planner.agent_uuid, 1);
  }
  return [...counts.entries()].flatMap(([uuid, runs]) => {
    const agent = byUuid.get(uuid);
    return agent ? [{ agent, runs }] : [];
  });
}

function assumedRun(agent: Agent, task: Task, taskQuery: string | null | undefined, prices: PriceTable) {
  const text = [
    ...(task.subtask_queries ?? [])
      .filter((q) => q.agent_uuid === agent.agent_uuid)
      .map((q) => q.subtask_query),
    taskQuery ?? task.initial_task_query ?? '',
    String((agent as Record<string, unknown>).instructions ?? agent.agent_description ?? ''),
  ].join(' ');
  const inputTokens = Math.ceil(text.length / 4) + ASSUMED_PROMPT_OVERHEAD;
  const tools = (agent as Record<string, unknown>).tools;
  const hasTools = Array.isArray(tools) && tools.length > 0;
  const modelCalls = hasTools ? 2 : 1;
  const model = (agent as Record<string, unknown>).model;
  const costUsd =
    typeof model === 'string'
      ? costOf(prices, {
          model,
          inputTokens: inputTokens * modelCalls,
          outputTokens: ASSUMED_OUTPUT_TOKENS * modelCalls,
          cachedTokens: 0,
          reasoningTokens: 0,
          modelCalls,
        })
      : null;
  return { modelCalls, tokens: (inputTokens + ASSUMED_OUTPUT_TOKENS) * modelCalls, costUsd };
}
