import { createHash } from 'node:crypto';
import type { Agent } from '../../domain/coordination/model.js';
import type { AgentAction, SubtaskQuery } from '../../domain/task/model.js';
import {
  describeDagProblems,
  findDagProblems,
  hasDagProblems,
} from '../../domain/task/validate-agent-actions.js';
import { ValidationError } from '../../errors.js';

/** Pure DAG logic: validation, the session plan (SessionAgents with edges and in-degrees), inputs. */

export const DEFAULT_AGENT_ACTION: AgentAction = {
  predecessors: [],
  primary_path: true,
  user_in_the_loop: null,
  action_function: {},
};

/**
 * Unknown agents, self-loops and cycles are errors naming the agents: the
 * same check insertUpdateTask runs, repeated at start because a
 * coordination's agents may have changed since the task was written.
 */
export function validateDag(agentActions: Record<string, AgentAction>, agents: readonly Agent[]): void {
  const problems = findDagProblems(
    agents.map((a) => a.agent_uuid),
    agentActions,
  );
  if (hasDagProblems(problems)) {
    throw new ValidationError(describeDagProblems(problems), { ...problems });
  }
}

/** A SessionAgent to create: ids, edges and in-degree fixed at start. */
export interface PlannedAgent {
  readonly session_agent_uuid: string;
  readonly agent_uuid: string;
  readonly agent_name: string;
  readonly position: number;
  readonly subtask_query: string;
  readonly agent_action: AgentAction;
  readonly predecessor_uuids: string[];
  readonly successor_uuids: string[];
  readonly in_degree: number;
}

/**
 * One SessionAgent per (task agent, subtask query), as the Python engine
 * does; edges join every SessionAgent of a predecessor agent to every
 * SessionAgent of its successor. Ids derive from the session, so a repeated
 * start plans the same rows.
 */
export function planSession(input: {
  sessionUuid: string;
  agents: readonly Agent[];
  agentActions: Record<string, AgentAction>;
  subtaskQueries: readonly SubtaskQuery[];
  taskQuery?: string | null;
}): PlannedAgent[] {
  const byUuid = new Map(input.agents.map((a) => [a.agent_uuid, a]));
  const unknown = input.subtaskQueries.filter((q) => !byUuid.has(q.agent_uuid)).map((q) => q.agent_uuid);
  if (unknown.length) throw new ValidationError(`Subtask queries name unknown agents: ${unknown.join(', ')}`);
  const entries = input.subtaskQueries.filter((q) => byUuid.get(q.agent_uuid)?.agent_type === 'task');
  const vars = placeholderValues(input.taskQuery);
  const base = entries.map((entry, position) => {
    const agent = byUuid.get(entry.agent_uuid) as Agent;
    const action = { ...DEFAULT_AGENT_ACTION, ...(input.agentActions[entry.agent_uuid] ?? {}) };
    return {
      session_agent_uuid: derivedId(`${input.sessionUuid}:${entry.agent_uuid}:${position}`),
      agent_uuid: entry.agent_uuid,
      agent_name: agent.agent_name,
      position,
      subtask_query: fillPlaceholders(entry.subtask_query, vars),
      agent_action: action,
    };
  });
  return base.map((agent) => {
    const predecessors = base.filter((other) => agent.agent_action.predecessors.includes(other.agent_uuid));
    const successors = base.filter((other) => other.agent_action.predecessors.includes(agent.agent_uuid));
    return {
      ...agent,
      predecessor_uuids: predecessors.map((p) => p.session_agent_uuid),
      successor_uuids: successors.map((s) => s.session_agent_uuid),
      in_degree: predecessors.length,
    };
  });
}

/** A 20-digit id (the engine's id format) derived from a string. */
export function derivedId(seed: string): string {
  const hex = createHash('sha256').update(seed).digest('hex').slice(0, 32);
  return (BigInt(`0x${hex}`) % 10n ** 20n).toString().padStart(20, '0');
}

/** A JSON object task_query supplies `{placeholder}` values; lists are joined with ",". */
export function placeholderValues(taskQuery?: string | null): Record<string, string> {
  if (!taskQuery) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(taskQuery);
  } catch {
    return {};
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
  const vars: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed)) {
    vars[key] = Array.isArray(value)
      ? value.map(String).join(',')
      : typeof value === 'object' && value !== null
        ? JSON.stringify(value)
        : String(value);
  }
  return vars;
}

/** Unknown placeholders stay as written (the Python engine raised KeyError; a literal is kinder). */
export function fillPlaceholders(template: string, vars: Record<string, string>): string {
  return template.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, name: string) => vars[name] ?? whole);
}

/** The Python engine's input layout: the subtask query, then each predecessor's output and user input. */
export function buildAgentInput(
  subtaskQuery: string,
  predecessors: readonly { agent_name: string; agent_output?: string | null; user_input?: string | null }[],
): string {
  const parts = [subtaskQuery];
  for (const p of predecessors) {
    parts.push(`agent_output(${p.agent_name}): ${p.agent_output ?? ''}`);
    if (p.user_input) parts.push(`user_input: ${p.user_input}`);
  }
  return parts.join('\n\n');
}
