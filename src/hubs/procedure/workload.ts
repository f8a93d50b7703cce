import type { Repositories } from '../../domain/repositories.js';
import type { Tenant } from '../../tenant.js';

export interface AgentWorkload {
  readonly agent_uuid: string;
  readonly agent_name: string;
  /** Session agents running now. */
  readonly executing: number;
  /** Waiting for a person (user in the loop) or for their action function (pending). */
  readonly waiting: number;
  /** Ready to run (every predecessor done) but not started: queued, or held by max_parallel or a pause. */
  readonly ready: number;
}

/**
 * The seed's "agent workload" query: per agent of the coordination, its
 * session agents executing, waiting and ready, over the coordination's
 * running (in_progress or paused) sessions only.
 */
export async function agentWorkload(
  repos: Pick<Repositories, 'coordinations' | 'sessions' | 'sessionAgents'>,
  tenant: Tenant,
  coordinationUuid: string,
): Promise<AgentWorkload[]> {
  const [coordination, sessions] = await Promise.all([
    repos.coordinations.get(tenant, coordinationUuid),
    repos.sessions.list(tenant, { coordinationUuid, statuses: ['in_progress', 'paused'] }),
  ]);
  const counts = new Map(
    coordination.agents.map((a) => [
      a.agent_uuid,
      { agent_uuid: a.agent_uuid, agent_name: a.agent_name, executing: 0, waiting: 0, ready: 0 },
    ]),
  );
  const rows = await Promise.all(
    sessions.map((s) => repos.sessionAgents.listOfSession(tenant, s.session_uuid)),
  );
  for (const agent of rows.flat()) {
    const entry = counts.get(agent.agent_uuid);
    if (!entry) continue;
    if (agent.state === 'executing') entry.executing++;
    else if (agent.state === 'wait_for_user_input' || agent.state === 'pending') entry.waiting++;
    else if (agent.state === 'initial' && agent.in_degree === 0) entry.ready++;
  }
  return [...counts.values()];
}
