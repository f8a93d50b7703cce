import * as z from 'zod';
import { AgentActionSchema } from '../domain/task/model.js';

/** What the edge derivation reads of a Python-engine SessionAgent row. */
export const LegacyAgentRowSchema = z.looseObject({
  session_uuid: z.string(),
  session_agent_uuid: z.string(),
  agent_uuid: z.string(),
  state: z.string().optional(),
  agent_action: AgentActionSchema.optional(),
});
export type LegacyAgentRow = z.infer<typeof LegacyAgentRowSchema>;

export interface Edges {
  readonly predecessor_uuids: string[];
  readonly successor_uuids: string[];
  /** Predecessors already completed: the Python engine counted them in in_degree. */
  readonly completed_predecessors: string[];
}

/**
 * The executor's edges (by session_agent_uuid) of one row, derived from the
 * Python engine's edges by agent uuid (`agent_action.predecessors`) among the
 * agents of its session. Pure.
 */
export function edgesOf(row: LegacyAgentRow, sessionRows: readonly LegacyAgentRow[]): Edges {
  const predecessorAgents = new Set(row.agent_action?.predecessors ?? []);
  const predecessors = sessionRows.filter((r) => predecessorAgents.has(r.agent_uuid));
  const successors = sessionRows.filter((r) => (r.agent_action?.predecessors ?? []).includes(row.agent_uuid));
  return {
    predecessor_uuids: predecessors.map((r) => r.session_agent_uuid),
    successor_uuids: successors.map((r) => r.session_agent_uuid),
    completed_predecessors: predecessors
      .filter((r) => r.state === 'completed')
      .map((r) => r.session_agent_uuid),
  };
}
