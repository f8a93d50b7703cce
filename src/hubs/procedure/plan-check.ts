import type { Agent } from '../../domain/coordination/model.js';
import type { ModificationRequest } from '../../domain/plan-modification/model.js';
import type { SessionAgent } from '../../domain/session-agent/model.js';
import { ValidationError } from '../../errors.js';

/** One validated modification: what it changes, with the old and the new value for the record. */
export interface PlannedChange {
  readonly request: ModificationRequest & { sessionAgentUuid: string };
  readonly old_value: Record<string, unknown> | null;
  readonly new_value: Record<string, unknown> | null;
}

interface Node {
  state: string;
  preds: string[];
  /** A run uuid: claimed before (an agent back in `initial` after tool decisions has started). */
  run?: string | null;
}

/**
 * Pure: applies the modifications to the session's current graph in memory
 * and validates the result whole (known agents, targets not started, no
 * cycle, nothing depending on a removed agent). Throws BAD_USER_INPUT naming
 * the agents; nothing has been written then.
 */
export function checkModifications(
  agents: readonly SessionAgent[],
  coordinationAgents: readonly Agent[],
  requests: readonly ModificationRequest[],
  newId: () => string,
): PlannedChange[] {
  const nodes = new Map<string, Node>(
    agents.map((a) => [
      a.session_agent_uuid,
      { state: a.state, preds: [...a.predecessor_uuids], run: a.run_uuid },
    ]),
  );
  const rows = new Map(agents.map((a) => [a.session_agent_uuid, a]));
  const taskAgent = (uuid: string) =>
    coordinationAgents.some((a) => a.agent_uuid === uuid && (a.agent_type ?? 'task') === 'task');
  const problems: string[] = [];
  const named = new Set<string>();
  const problem = (uuid: string, text: string) => {
    named.add(uuid);
    problems.push(`${uuid}: ${text}`);
  };
  const notStarted = (uuid: string) => {
    const node = nodes.get(uuid);
    if (!node) problem(uuid, 'no such agent in the session');
    else if (node.state !== 'initial')
      problem(uuid, `has started (${node.state}); only not-started agents change`);
    else if (node.run)
      problem(uuid, 'has started (its run waits on tool decisions); only not-started agents change');
    return node;
  };
  const usable = (uuid: string) => {
    const node = nodes.get(uuid);
    if (!node) problem(uuid, 'no such agent in the session');
    else if (node.state === 'failed' || node.state === 'cancelled') problem(uuid, `is ${node.state}`);
  };
  const removed = new Set<string>();
  const changes: PlannedChange[] = [];

  for (const request of requests) {
    if (request.operation === 'add_agent') {
      const uuid = request.sessionAgentUuid ?? newId();
      if (nodes.has(uuid)) problem(uuid, 'already exists');
      if (!taskAgent(request.agentUuid))
        problem(request.agentUuid, 'is not a task agent of the coordination');
      for (const p of request.predecessors) usable(p);
      for (const s of request.successors) notStarted(s);
      nodes.set(uuid, { state: 'initial', preds: [...request.predecessors] });
      for (const s of request.successors) nodes.get(s)?.preds.push(uuid);
      const { operation: _, ...fields } = request;
      changes.push({
        request: { ...request, sessionAgentUuid: uuid },
        old_value: null,
        new_value: { ...fields, sessionAgentUuid: uuid },
      });
      continue;
    }
    const uuid = request.sessionAgentUuid;
    const node = notStarted(uuid);
    const row = rows.get(uuid);
    switch (request.operation) {
      case 'remove_agent':
        removed.add(uuid);
        nodes.delete(uuid);
        changes.push({
          request,
          old_value: row
            ? {
                agent_uuid: row.agent_uuid,
                subtask_query: row.subtask_query,
                predecessors: row.predecessor_uuids,
              }
            : null,
          new_value: null,
        });
        break;
      case 'change_predecessors':
        for (const p of request.predecessors) usable(p);
        changes.push({
          request,
          old_value: { predecessors: node ? [...node.preds] : [] },
          new_value: { predecessors: request.predecessors },
        });
        if (node) node.preds = [...request.predecessors];
        break;
      case 'reassign_agent':
        if (!taskAgent(request.agentUuid))
          problem(request.agentUuid, 'is not a task agent of the coordination');
        changes.push({
          request,
          old_value: { agent_uuid: row?.agent_uuid },
          new_value: { agent_uuid: request.agentUuid },
        });
        break;
      case 'modify_agent':
        changes.push({
          request,
          old_value: {
            subtask_query: row?.subtask_query,
            user_in_the_loop: row?.agent_action.user_in_the_loop ?? null,
            action_function: row?.agent_action.action_function ?? null,
          },
          new_value: {
            subtask_query: request.subtaskQuery,
            user_in_the_loop: request.userInTheLoop,
            action_function: request.actionFunction,
          },
        });
        break;
    }
  }
  for (const [uuid, node] of nodes) {
    for (const p of node.preds) {
      if (removed.has(p)) problem(uuid, `depends on removed agent ${p}`);
      else if (!nodes.has(p)) problem(p, 'no such agent in the session');
      if (p === uuid) problem(uuid, 'cannot precede itself');
    }
  }
  const cycle = findCycle(nodes);
  if (cycle.length) problem(cycle.join(', '), 'these agents form a cycle');
  if (problems.length) {
    throw new ValidationError(`invalid plan modification: ${problems.join('; ')}`, { agents: [...named] });
  }
  return changes;
}

/** Agents left over by Kahn's algorithm: those on (or behind) a cycle. */
function findCycle(nodes: Map<string, Node>): string[] {
  const indegree = new Map<string, number>();
  const successors = new Map<string, string[]>();
  for (const [uuid, node] of nodes) {
    indegree.set(uuid, indegree.get(uuid) ?? 0);
    for (const p of node.preds) {
      if (!nodes.has(p)) continue;
      indegree.set(uuid, (indegree.get(uuid) ?? 0) + 1);
      successors.set(p, [...(successors.get(p) ?? []), uuid]);
    }
  }
  const ready = [...indegree].filter(([, d]) => d === 0).map(([u]) => u);
  while (ready.length) {
    const uuid = ready.pop() as string;
    indegree.delete(uuid);
    for (const s of successors.get(uuid) ?? []) {
      const d = (indegree.get(s) ?? 0) - 1;
      indegree.set(s, d);
      if (d === 0) ready.push(s);
    }
  }
  return [...indegree.keys()];
}
