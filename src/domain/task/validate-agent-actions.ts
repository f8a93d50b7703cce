/**
 * Pure checks of a task's DAG (`agent_actions`: agent_uuid -> {predecessors}).
 * Shared by insertUpdateTask and the procedure hub, which re-checks before it
 * starts a session. The Python engine silently dropped bad edges; here they
 * are errors that name the agents.
 */
export interface DagProblems {
  /** Agent uuids used as a key or a predecessor that are not agents of the coordination. */
  readonly unknown: string[];
  /** Agents that list themselves as a predecessor. */
  readonly selfLoops: string[];
  /** One cycle, in order (first agent repeated at the end is implied), or [] when acyclic. */
  readonly cycle: string[];
}

export interface AgentActionLike {
  readonly predecessors?: readonly string[] | null;
}

export function findDagProblems(
  agentUuids: Iterable<string>,
  agentActions: Readonly<Record<string, AgentActionLike | undefined>>,
): DagProblems {
  const known = new Set(agentUuids);
  const unknown = new Set<string>();
  const selfLoops: string[] = [];
  const edges = new Map<string, string[]>(); // agent -> its predecessors (other than itself)

  for (const [agent, action] of Object.entries(agentActions)) {
    if (!known.has(agent)) unknown.add(agent);
    const predecessors = [...new Set(action?.predecessors ?? [])];
    for (const p of predecessors) if (!known.has(p)) unknown.add(p);
    if (predecessors.includes(agent)) selfLoops.push(agent);
    edges.set(
      agent,
      predecessors.filter((p) => p !== agent),
    );
  }
  return { unknown: [...unknown], selfLoops, cycle: findCycle(edges) };
}

/** Depth-first search with colours; returns the first cycle met, in edge order. */
function findCycle(edges: ReadonlyMap<string, readonly string[]>): string[] {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];

  const visit = (node: string): string[] | undefined => {
    state.set(node, 'visiting');
    stack.push(node);
    for (const next of edges.get(node) ?? []) {
      const s = state.get(next);
      if (s === 'visiting') return stack.slice(stack.indexOf(next));
      if (s === undefined) {
        const found = visit(next);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(node, 'done');
    return undefined;
  };

  for (const node of [...edges.keys()].sort()) {
    if (state.get(node) === undefined) {
      const found = visit(node);
      if (found) return found;
    }
  }
  return [];
}

export function hasDagProblems(problems: DagProblems): boolean {
  return problems.unknown.length + problems.selfLoops.length + problems.cycle.length > 0;
}

/** One sentence naming every offending agent. */
export function describeDagProblems(problems: DagProblems): string {
  const parts: string[] = [];
  if (problems.unknown.length) parts.push(`unknown agents: ${problems.unknown.join(', ')}`);
  if (problems.selfLoops.length)
    parts.push(`agents listing themselves as predecessor: ${problems.selfLoops.join(', ')}`);
  if (problems.cycle.length) parts.push(`cycle: ${[...problems.cycle, problems.cycle[0]].join(' -> ')}`);
  return `agentActions is not a valid DAG (${parts.join('; ')})`;
}
