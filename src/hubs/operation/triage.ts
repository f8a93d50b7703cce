import * as z from 'zod';
import type { Agent, Coordination } from '../../domain/coordination/model.js';
import { ValidationError } from '../../errors.js';
import { newId } from '../../ids.js';
import type { RuntimeResolver } from '../../runtimes/port.js';
import type { Tenant } from '../../tenant.js';
import { createLexicalRouter } from './router.js';

/** How the agent was chosen; recorded on the SessionRun (`triage`) and returned to the client. */
export interface TriageDecision {
  readonly method: 'explicit' | 'llm' | 'router' | 'none';
  readonly agent_uuid: string | null;
  /** 0..1 where the method gives one (router, or an LLM that reports one); null otherwise. */
  readonly confidence: number | null;
  readonly reason: string;
  /** The triage agent asked, and its raw answer (truncated), when an LLM was consulted. */
  readonly triage_agent_uuid?: string;
  readonly triage_answer?: string;
}

/** The Python engine's prompt, word for word. */
export function triagePrompt(userQuery: string, taskAgents: readonly Agent[]): string {
  const available = JSON.stringify(
    taskAgents.map((a) => ({
      agent_uuid: a.agent_uuid,
      agent_name: a.agent_name,
      agent_description: a.agent_description ?? '',
    })),
  );
  return (
    'Based on the following user query, please analyze and select the most appropriate agent:\n' +
    `User Query: ${userQuery}\n` +
    `Available Agents: ${available}\n` +
    "Please assess the intent behind the query and align it with the agent's most appropriate capabilities, " +
    'then export the results in JSON format.'
  );
}

export const TriageAnswerSchema = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('assigned'),
    agent_uuid: z.string().min(1),
    message: z.string().optional(),
    confidence: z.number().min(0).max(1).optional(),
  }),
  z.object({ status: z.literal('unassigned'), message: z.string().optional() }),
  z.object({ status: z.literal('error'), message: z.string().optional() }),
]);
export type TriageAnswer = z.infer<typeof TriageAnswerSchema>;

/**
 * Reads the triage agent's answer: the JSON object itself, or the first one
 * inside prose or a ```json fence (models like to wrap). Undefined when no
 * object validates.
 */
export function parseTriageAnswer(text: string): TriageAnswer | undefined {
  const candidates = [text.trim()];
  const fenced = text.match(/```(?:json)?\s*([\s\S]*?)```/);
  if (fenced?.[1]) candidates.push(fenced[1].trim());
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start >= 0 && end > start) candidates.push(text.slice(start, end + 1));
  for (const candidate of candidates) {
    try {
      const parsed = TriageAnswerSchema.safeParse(JSON.parse(candidate));
      if (parsed.success) return parsed.data;
    } catch {
      // not JSON: try the next candidate
    }
  }
  return undefined;
}

export interface TriageInput {
  readonly tenant: Tenant;
  readonly userId: string;
  readonly coordination: Coordination;
  readonly userQuery: string;
  readonly agentUuid?: string | null;
  readonly runtimes: RuntimeResolver;
  readonly timeoutMs: number;
}

const MAX_RECORDED_ANSWER = 2_000;

/**
 * Explicit agent > triage LLM (validated JSON) > lexical router. Never
 * throws for a model's failure: every fallback is recorded in `reason`.
 */
export async function decideAgent(input: TriageInput): Promise<TriageDecision> {
  const agents = input.coordination.agents;
  if (input.agentUuid) {
    const chosen = agents.find((a) => a.agent_uuid === input.agentUuid);
    if (!chosen) throw new ValidationError(`agent ${input.agentUuid} is not part of this coordination`);
    return {
      method: 'explicit',
      agent_uuid: chosen.agent_uuid,
      confidence: 1,
      reason: 'agentUuid given by the caller',
    };
  }
  const taskAgents = agents.filter((a) => a.agent_type === 'task');
  const triageAgent = agents.find((a) => a.agent_type === 'triage');

  let why = 'no triage agent in the coordination';
  let consulted: Pick<TriageDecision, 'triage_agent_uuid' | 'triage_answer'> = {};
  let llmMessage: string | undefined;
  if (triageAgent && taskAgents.length > 0) {
    try {
      const result = await input.runtimes.forAgent(triageAgent).run({
        agent: triageAgent,
        threadUuid: newId(),
        newThread: true,
        input: triagePrompt(input.userQuery, taskAgents),
        userId: input.userId,
        tenant: input.tenant,
        signal: AbortSignal.timeout(input.timeoutMs),
      });
      consulted = {
        triage_agent_uuid: triageAgent.agent_uuid,
        triage_answer: result.output.slice(0, MAX_RECORDED_ANSWER),
      };
      const answer = parseTriageAnswer(result.output);
      if (!answer) {
        why = 'triage answer was not valid JSON of the expected shape';
      } else if (answer.status === 'assigned') {
        if (taskAgents.some((a) => a.agent_uuid === answer.agent_uuid)) {
          return {
            method: 'llm',
            agent_uuid: answer.agent_uuid,
            confidence: answer.confidence ?? null,
            reason: answer.message ?? 'assigned by the triage agent',
            ...consulted,
          };
        }
        why = `triage agent assigned ${answer.agent_uuid}, which is not a task agent of this coordination`;
      } else {
        llmMessage = answer.message;
        why = `triage agent answered ${answer.status}${answer.message ? `: ${answer.message}` : ''}`;
      }
    } catch (error) {
      consulted = { triage_agent_uuid: triageAgent.agent_uuid };
      why = `triage agent failed: ${error instanceof Error ? error.message : String(error)}`;
    }
  }

  const match = createLexicalRouter(taskAgents).route(input.userQuery);
  if (match) {
    return {
      method: 'router',
      agent_uuid: match.agentUuid,
      confidence: match.confidence,
      reason: `${why}; lexical router matched ${match.matchedTerms.join(', ')}`,
      ...consulted,
    };
  }
  return {
    method: 'none',
    agent_uuid: null,
    confidence: null,
    reason: `${why}; lexical router found no agent for the query${llmMessage ? ` (${llmMessage})` : ''}`,
    ...consulted,
  };
}

/** The answer a client gets when no agent fits: says so, and what the coordination can do. */
export function noAgentAnswer(coordination: Coordination): string {
  const names = coordination.agents.filter((a) => a.agent_type === 'task').map((a) => a.agent_name);
  return names.length
    ? `No agent of "${coordination.coordination_name}" handles this request. It can help with: ${names.join(', ')}.`
    : `"${coordination.coordination_name}" has no task agents to answer this request.`;
}
