import * as z from 'zod';
import type { Agent } from '../../domain/coordination/model.js';
import type { SubtaskQuery } from '../../domain/task/model.js';
import { newId } from '../../ids.js';
import type { HubContext } from './context.js';
import type { ResolvedPolicy } from './policy.js';
import { errorMessage, runAgentWithPolicy } from './run-agent.js';

const DecomposeAnswerSchema = z.object({
  subtask_queries: z
    .array(z.object({ agent_uuid: z.string().min(1), subtask_query: z.string().min(1).max(32_768) }))
    .min(1),
});

/** The Python engine's decompose prompt (planning agents get the same contract: JSON subtask_queries). */
export function decomposePrompt(taskQuery: string, agents: readonly Agent[], planning: boolean): string {
  const list = JSON.stringify(
    agents.map((a) => ({
      agent_uuid: a.agent_uuid,
      agent_name: a.agent_name,
      agent_description: a.agent_description,
    })),
  );
  const planningNote = planning ? '\n- Write 5 distinct subqueries plus 1 more for summarization' : '';
  return (
    `Analyze agents: ${list}\n\nDecompose task: '${taskQuery}' into subtasks for available agents.\n\n` +
    `Consider:\n- Match agent capabilities\n- Follow dependencies\n- Make subtasks clear and actionable\n` +
    `- Maintain workflow order${planningNote}\n\nReturn the results in JSON format: ` +
    `{"subtask_queries": [{"agent_uuid": "...", "subtask_query": "..."}]}.`
  );
}

/** The first JSON object in an answer (models wrap JSON in prose or code fences). */
export function extractJson(answer: string): unknown {
  const fenced = answer.match(/```(?:json)?\s*([\s\S]*?)```/);
  const text = fenced?.[1] ?? answer;
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start < 0 || end <= start) throw new Error('no JSON object in the answer');
  return JSON.parse(text.slice(start, end + 1));
}

export type DecomposeOutcome = { ok: true; queries: SubtaskQuery[] } | { ok: false; reason: string };

/** Asks the coordination's decompose (else planning) agent for subtask queries; validates its answer. */
export async function decompose(
  ctx: HubContext,
  input: { agents: readonly Agent[]; taskQuery: string; userId: string; policy: ResolvedPolicy },
): Promise<DecomposeOutcome> {
  const planner =
    input.agents.find((a) => a.agent_type === 'decompose') ??
    input.agents.find((a) => a.agent_type === 'planning');
  if (!planner) {
    return {
      ok: false,
      reason: 'the task has no subtask queries and the coordination has no decompose or planning agent',
    };
  }
  const taskAgents = input.agents.filter((a) => a.agent_type === 'task');
  let answer: string;
  try {
    const result = await runAgentWithPolicy(
      ctx.deps.runtimes.forAgent(planner),
      {
        agent: planner,
        threadUuid: newId(),
        input: decomposePrompt(input.taskQuery, taskAgents, planner.agent_type === 'planning'),
        userId: input.userId,
      },
      input.policy,
      ctx.retryBaseMs,
    );
    answer = result.output;
  } catch (error) {
    return {
      ok: false,
      reason: `${planner.agent_type} agent ${planner.agent_name} failed: ${errorMessage(error)}`,
    };
  }
  try {
    const parsed = DecomposeAnswerSchema.parse(extractJson(answer));
    const known = new Set(taskAgents.map((a) => a.agent_uuid));
    const unknown = parsed.subtask_queries.filter((q) => !known.has(q.agent_uuid)).map((q) => q.agent_uuid);
    if (unknown.length) throw new Error(`unknown task agents ${unknown.join(', ')}`);
    return { ok: true, queries: parsed.subtask_queries };
  } catch (error) {
    const detail = error instanceof z.ZodError ? z.prettifyError(error) : errorMessage(error);
    return {
      ok: false,
      reason: `${planner.agent_type} agent ${planner.agent_name} gave an invalid answer: ${detail}`,
    };
  }
}
