import dagre from '@dagrejs/dagre';
import { useMemo } from 'preact/hooks';
import type { AgentView } from './session-state.js';

const NODE_W = 190;
const NODE_H = 58;

interface Layout {
  readonly width: number;
  readonly height: number;
  readonly nodes: { id: string; x: number; y: number }[];
  readonly edges: { from: string; to: string; points: { x: number; y: number }[] }[];
}

/** Left-to-right layered layout (dagre): predecessors on the left, the report on the right. */
export function layoutAgents(agents: readonly AgentView[]): Layout {
  const graph = new dagre.graphlib.Graph();
  graph.setGraph({ rankdir: 'LR', nodesep: 28, ranksep: 70, marginx: 12, marginy: 12 });
  graph.setDefaultEdgeLabel(() => ({}));
  for (const agent of agents) graph.setNode(agent.sessionAgentUuid, { width: NODE_W, height: NODE_H });
  const byAgent = new Map<string, AgentView[]>();
  for (const agent of agents) byAgent.set(agent.agentUuid, [...(byAgent.get(agent.agentUuid) ?? []), agent]);
  for (const agent of agents) {
    for (const predecessor of agent.predecessors) {
      for (const from of byAgent.get(predecessor) ?? [])
        graph.setEdge(from.sessionAgentUuid, agent.sessionAgentUuid);
    }
  }
  dagre.layout(graph);
  const g = graph.graph();
  return {
    width: g.width ?? NODE_W,
    height: g.height ?? NODE_H,
    nodes: graph.nodes().map((id) => {
      const n = graph.node(id);
      return { id, x: n.x - NODE_W / 2, y: n.y - NODE_H / 2 };
    }),
    edges: graph.edges().map((e) => ({ from: e.v, to: e.w, points: graph.edge(e).points ?? [] })),
  };
}

export function DagView(props: {
  agents: ReadonlyMap<string, AgentView>;
  selected: string | null;
  onSelect: (id: string) => void;
}) {
  const list = [...props.agents.values()];
  // The layout depends on the graph's shape only: state changes do not move the nodes.
  const shapeKey = list.map((a) => `${a.sessionAgentUuid}<${a.predecessors.join(',')}`).join(';');
  const layout = useMemo(() => layoutAgents(list), [shapeKey]);
  // A dispatched session has no SessionAgents yet; the rows are read again when the first one appears.
  if (list.length === 0) return <p class="dag-empty">Creating the session's agents…</p>;
  return (
    <svg
      class="dag"
      role="img"
      aria-label="Agents of the session"
      viewBox={`0 0 ${layout.width} ${layout.height}`}
      width={layout.width}
      height={layout.height}
    >
      <defs>
        <marker
          id="arrow"
          viewBox="0 0 10 10"
          refX="9"
          refY="5"
          markerWidth="7"
          markerHeight="7"
          orient="auto"
        >
          <path d="M0,0 L10,5 L0,10 z" class="arrowhead" />
        </marker>
      </defs>
      {layout.edges.map((e) => (
        <polyline
          key={`${e.from}-${e.to}`}
          class="edge"
          marker-end="url(#arrow)"
          points={e.points.map((p) => `${p.x},${p.y}`).join(' ')}
        />
      ))}
      {layout.nodes.map((n) => {
        const agent = props.agents.get(n.id);
        if (!agent) return null;
        return (
          // biome-ignore lint/a11y/useSemanticElements: an SVG group cannot be a <button>; it has the role and keys of one
          <g
            key={n.id}
            class={`node state-${agent.state}${props.selected === n.id ? ' selected' : ''}`}
            transform={`translate(${n.x},${n.y})`}
            data-agent={agent.name}
            data-state={agent.state}
            role="button"
            tabIndex={0}
            aria-label={`${agent.name}: ${agent.state}`}
            onClick={() => props.onSelect(n.id)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' || e.key === ' ') props.onSelect(n.id);
            }}
          >
            <rect width={NODE_W} height={NODE_H} rx="8" />
            <text x="12" y="23" class="name">
              {agent.name.length > 24 ? `${agent.name.slice(0, 23)}…` : agent.name}
            </text>
            <text x="12" y="43" class="state">
              {agent.state}
              {agent.userInTheLoop ? ' · approval' : ''}
              {agent.actionFunction ? ' · action' : ''}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
