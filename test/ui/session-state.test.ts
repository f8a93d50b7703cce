import { describe, expect, it } from 'vitest';
import {
  applyEvents,
  fromRows,
  namesUnknownAgent,
  type RawSession,
  type SessionEventView,
  withFreshRows,
} from '../../ui/src/session-state.js';

/** The page's state rules, on their own: a session opened while `dispatched`, then its agents appearing. */
const rawSession = (agents: RawSession['sessionAgents'], status = 'in_progress'): RawSession => ({
  sessionUuid: 's1',
  coordinationUuid: 'c1',
  status,
  taskQuery: null,
  createdAt: null,
  task: { taskName: 'Launch plan' },
  coordination: { agents: [{ agentUuid: 'a1', agentName: 'Draft' }] },
  sessionAgents: agents,
  sessionRuns: [],
});
const row = (state: string) => ({
  sessionAgentUuid: 'sa1',
  agentUuid: 'a1',
  state,
  agentAction: { predecessors: [] },
  subtaskQuery: null,
  agentInput: null,
  agentOutput: null,
  userInput: null,
  notes: null,
});
const event = (seq: number, type: string, data: Record<string, unknown>): SessionEventView => ({
  seq,
  type,
  data,
  createdAt: `2026-12-01T00:00:0${seq}Z`,
});

describe('session page state', () => {
  it('knows when an event names an agent it has no row for', () => {
    const opened = fromRows(rawSession([], 'dispatched'));
    const executing = event(2, 'agent_state', { session_agent_uuid: 'sa1', state: 'executing' });
    expect(namesUnknownAgent(opened, executing)).toBe(true);
    expect(namesUnknownAgent(opened, event(2, 'session_status', { status: 'in_progress' }))).toBe(false);
    expect(namesUnknownAgent(fromRows(rawSession([row('executing')])), executing)).toBe(false);
  });

  it('takes the rows read again, keeps the timeline, and re-applies the events that may be newer', () => {
    let view = fromRows(rawSession([], 'dispatched'));
    view = applyEvents(view, [
      event(1, 'session_status', { status: 'in_progress' }),
      event(2, 'agent_state', { session_agent_uuid: 'sa1', state: 'executing' }),
    ]);
    expect(view.agents.size).toBe(0);
    const seenBefore = view.lastSeq;
    // While the rows were being read, the agent finished: the rows (read earlier) still say executing.
    view = applyEvents(view, [event(3, 'agent_state', { session_agent_uuid: 'sa1', state: 'completed' })]);
    const fresh = withFreshRows(view, rawSession([row('executing')]), seenBefore);
    expect(fresh.agents.get('sa1')).toMatchObject({ name: 'Draft', state: 'completed' });
    expect(fresh.events.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(fresh.lastSeq).toBe(3);
    expect(fresh.agents.get('sa1')?.startedAt).toBe('2026-12-01T00:00:02Z');
  });
});
