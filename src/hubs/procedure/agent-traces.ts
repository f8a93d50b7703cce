import type { SessionAgent } from '../../domain/session-agent/model.js';
import type { SessionEvent } from '../../events/publisher.js';
import type { AgentTrace } from '../../reports/merge-report.js';
import type { Tenant } from '../../tenant.js';
import type { HubContext } from './context.js';

export type { AgentTrace } from '../../reports/merge-report.js';

type TraceRow = Pick<
  SessionAgent,
  'session_agent_uuid' | 'agent_uuid' | 'state' | 'notes' | 'subtask_query' | 'attempts'
> & { agent_name?: string | null; position?: number };

/**
 * Pure: per agent, from its row and its `agent_state` events. elapsed_ms runs
 * from each `executing` to the state that followed it (summed over re-runs
 * after a lost lease); attempts counts the runtime calls the events report
 * (retries included), else the row's claims.
 */
export function agentTracesFrom(rows: readonly TraceRow[], events: readonly SessionEvent[]): AgentTrace[] {
  const byAgent = new Map<string, SessionEvent[]>();
  for (const event of events) {
    if (event.type !== 'agent_state') continue;
    const uuid = String(event.data.session_agent_uuid ?? '');
    byAgent.set(uuid, [...(byAgent.get(uuid) ?? []), event]);
  }
  return [...rows]
    .sort(
      (a, b) =>
        (a.position ?? 0) - (b.position ?? 0) || (a.session_agent_uuid < b.session_agent_uuid ? -1 : 1),
    )
    .map((row) => {
      const own = (byAgent.get(row.session_agent_uuid) ?? []).sort((a, b) => a.seq - b.seq);
      let elapsed: number | null = null;
      let startedAt: number | undefined;
      let reported = 0;
      for (const event of own) {
        const at = Date.parse(event.createdAt);
        if (event.data.state === 'executing') startedAt = at;
        else if (startedAt !== undefined) {
          elapsed = (elapsed ?? 0) + Math.max(0, at - startedAt);
          startedAt = undefined;
        }
        if (typeof event.data.attempts === 'number') reported += event.data.attempts;
      }
      return {
        agent_name: row.agent_name ?? row.agent_uuid,
        agent_uuid: row.agent_uuid,
        session_agent_uuid: row.session_agent_uuid,
        intent: row.subtask_query ?? null,
        elapsed_ms: elapsed,
        attempts: reported > 0 ? reported : (row.attempts ?? 0),
        success: row.state === 'completed',
        state: row.state,
        error: row.state === 'failed' ? (row.notes ?? 'failed') : null,
      };
    });
}

export interface AgentTraceSources {
  listAgents(tenant: Tenant, sessionUuid: string): Promise<readonly TraceRow[]>;
  listEvents(
    tenant: Tenant,
    sessionUuid: string,
    after: number,
    limit: number,
  ): Promise<readonly SessionEvent[]>;
}

const EVENT_PAGE = 1000;

/** Reads a session's rows and whole event log, then computes its traces. */
export async function loadAgentTraces(
  sources: AgentTraceSources,
  tenant: Tenant,
  sessionUuid: string,
): Promise<AgentTrace[]> {
  const readEvents = async () => {
    const all: SessionEvent[] = [];
    for (;;) {
      const page = await sources.listEvents(tenant, sessionUuid, all.at(-1)?.seq ?? 0, EVENT_PAGE);
      all.push(...page);
      if (page.length < EVENT_PAGE) return all;
    }
  };
  const [rows, events] = await Promise.all([sources.listAgents(tenant, sessionUuid), readEvents()]);
  return agentTracesFrom(rows, events);
}

/** The hub's traces of one session: its agent rows (with names and positions) and its event log. */
export function sessionAgentTraces(
  ctx: HubContext,
  tenant: Tenant,
  sessionUuid: string,
): Promise<AgentTrace[]> {
  return loadAgentTraces(
    {
      listAgents: (t, s) => ctx.repos.sessionAgents.listOfSession(t, s),
      listEvents: (t, s, after, limit) => ctx.deps.eventLog.list(t, s, { after, limit }),
    },
    tenant,
    sessionUuid,
  );
}
