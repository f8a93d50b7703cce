/**
 * One session as the page shows it: the stored rows read once, then every
 * event applied in seq order. Events at or below the last applied seq are
 * ignored, so a replay after a reconnect changes nothing.
 */
export interface AgentView {
  readonly sessionAgentUuid: string;
  readonly agentUuid: string;
  readonly name: string;
  readonly state: string;
  readonly predecessors: readonly string[];
  readonly userInTheLoop: boolean;
  readonly actionFunction: boolean;
  readonly subtaskQuery: string | null;
  readonly input: string | null;
  readonly output: string | null;
  readonly userInput: string | null;
  readonly notes: string | null;
  /** When it last entered `executing` and when it left it (event times), for durations. */
  readonly startedAt?: string;
  readonly finishedAt?: string;
}

export interface SessionEventView {
  readonly seq: number;
  readonly type: string;
  readonly data: Record<string, unknown>;
  readonly createdAt: string;
}

export interface SessionView {
  readonly sessionUuid: string;
  readonly coordinationUuid: string;
  readonly taskName: string;
  readonly taskQuery: string | null;
  readonly status: string;
  readonly createdAt: string | null;
  readonly agents: ReadonlyMap<string, AgentView>;
  readonly events: readonly SessionEventView[];
  readonly lastSeq: number;
  readonly runs: number;
}

export const FINAL_STATUSES = new Set(['completed', 'failed', 'cancelled', 'timeout', 'budget_exceeded']);

interface RawAgent {
  sessionAgentUuid: string;
  agentUuid: string;
  state: string;
  agentAction: Record<string, unknown> | null;
  subtaskQuery: string | null;
  agentInput: string | null;
  agentOutput: string | null;
  userInput: string | null;
  notes: string | null;
}

export interface RawSession {
  sessionUuid: string;
  coordinationUuid: string;
  status: string;
  taskQuery: string | null;
  createdAt: string | null;
  task: { taskName: string } | null;
  coordination: { agents: { agentUuid?: string; agentName?: string }[] | null } | null;
  sessionAgents: RawAgent[];
  sessionRuns: { runUuid: string }[];
}

export const SESSION_QUERY = `query Session($c: String!, $s: String!) {
  session(coordinationUuid: $c, sessionUuid: $s) {
    sessionUuid coordinationUuid status taskQuery createdAt
    task { taskName }
    coordination { agents }
    sessionAgents { sessionAgentUuid agentUuid state agentAction subtaskQuery agentInput agentOutput userInput notes }
    sessionRuns { runUuid }
  }
}`;

// The engine stores "no action function" as {} (src/hubs/procedure/actions.ts, hasActionFunction).
const hasKeys = (value: unknown) =>
  typeof value === 'object' && value !== null && Object.keys(value).length > 0;

export function fromRows(raw: RawSession): SessionView {
  const names = new Map((raw.coordination?.agents ?? []).map((a) => [a.agentUuid ?? '', a.agentName ?? '']));
  const agents = new Map<string, AgentView>();
  for (const a of raw.sessionAgents) {
    const action = a.agentAction ?? {};
    agents.set(a.sessionAgentUuid, {
      sessionAgentUuid: a.sessionAgentUuid,
      agentUuid: a.agentUuid,
      name: names.get(a.agentUuid) || a.agentUuid,
      state: a.state,
      predecessors: (action.predecessors as string[] | undefined) ?? [],
      userInTheLoop: Boolean(action.userInTheLoop ?? action.user_in_the_loop),
      actionFunction: hasKeys(action.actionFunction ?? action.action_function),
      subtaskQuery: a.subtaskQuery,
      input: a.agentInput,
      output: a.agentOutput,
      userInput: a.userInput,
      notes: a.notes,
    });
  }
  return {
    sessionUuid: raw.sessionUuid,
    coordinationUuid: raw.coordinationUuid,
    taskName: raw.task?.taskName ?? 'session',
    taskQuery: raw.taskQuery,
    status: raw.status,
    createdAt: raw.createdAt,
    agents,
    events: [],
    lastSeq: 0,
    runs: raw.sessionRuns.length,
  };
}

/** Applies events in order; returns the same object when nothing was new. */
export function applyEvents(view: SessionView, incoming: readonly SessionEventView[]): SessionView {
  const fresh = incoming.filter((e) => e.seq > view.lastSeq).sort((a, b) => a.seq - b.seq);
  if (fresh.length === 0) return view;
  const agents = new Map(view.agents);
  let { status, runs } = view;
  for (const event of fresh) {
    const d = event.data;
    const id = String(d.session_agent_uuid ?? d.sessionAgentUuid ?? '');
    const agent = agents.get(id);
    if (event.type === 'session_status' && typeof d.status === 'string') status = d.status;
    if (event.type === 'run_recorded') runs++;
    if (!agent) continue;
    if (event.type === 'agent_state' && typeof d.state === 'string') {
      agents.set(id, {
        ...agent,
        state: d.state,
        ...(typeof d.agent_name === 'string' && { name: d.agent_name }),
        ...(typeof d.notes === 'string' && { notes: d.notes }),
        ...(d.state === 'executing'
          ? { startedAt: event.createdAt }
          : agent.state === 'executing' && { finishedAt: event.createdAt }),
      });
    }
    if (event.type === 'agent_output' && typeof d.output === 'string')
      agents.set(id, { ...agent, output: d.output });
    if (event.type === 'user_input' && typeof d.user_input === 'string')
      agents.set(id, { ...agent, userInput: d.user_input });
  }
  return { ...view, status, runs, agents, events: [...view.events, ...fresh], lastSeq: fresh.at(-1)!.seq };
}

/**
 * True when an event names a SessionAgent the view has no row for: the page
 * read the session before its agents were created (a session opened while
 * `dispatched`), so the rows must be read again.
 */
export function namesUnknownAgent(view: SessionView, event: SessionEventView): boolean {
  const id = event.data.session_agent_uuid ?? event.data.sessionAgentUuid;
  return typeof id === 'string' && id !== '' && !view.agents.has(id);
}

/**
 * Rows read again while events kept arriving: the rows replace the agents,
 * the timeline stays, and the events from `seenBefore` on are applied again,
 * since the rows may have been read before those events were written.
 */
export function withFreshRows(current: SessionView, raw: RawSession, seenBefore: number): SessionView {
  const history = current.events.filter((e) => e.seq <= seenBefore);
  const later = current.events.filter((e) => e.seq > seenBefore);
  return applyEvents(withHistory(fromRows(raw), history), later);
}

/**
 * The events read before the rows: they make the timeline and the agents'
 * run times, but not their states (the rows are at least as new).
 */
export function withHistory(view: SessionView, history: readonly SessionEventView[]): SessionView {
  if (history.length === 0) return view;
  const agents = new Map(view.agents);
  const previous = new Map<string, unknown>();
  for (const event of history) {
    if (event.type !== 'agent_state') continue;
    const id = String(event.data.session_agent_uuid ?? '');
    const agent = agents.get(id);
    if (!agent) continue;
    // Run time: from entering `executing` to leaving it (not the time spent waiting for a person).
    if (event.data.state === 'executing') agents.set(id, { ...agent, startedAt: event.createdAt });
    else if (previous.get(id) === 'executing') agents.set(id, { ...agent, finishedAt: event.createdAt });
    previous.set(id, event.data.state);
  }
  return { ...view, agents, events: [...history], lastSeq: history.at(-1)!.seq };
}
