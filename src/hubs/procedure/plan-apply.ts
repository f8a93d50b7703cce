import type { SessionKey } from '../../domain/session/keys.js';
import { sessionAgentKey } from '../../domain/session-agent/keys.js';
import type { SessionAgent } from '../../domain/session-agent/model.js';
import { ConflictError } from '../../errors.js';
import type { Tenant } from '../../tenant.js';
import type { HubContext } from './context.js';
import type { PlannedChange } from './plan-check.js';
import { dispatchAgents } from './progress.js';

/**
 * Applies one validated modification with conditional writes only. Each
 * step is idempotent, and the order keeps every in-degree exact whatever
 * runs concurrently (docs/EXECUTOR.md, "Modification"):
 *  - an added edge P -> S: first S (+1, conditional on S not started), then
 *    P's successor list; that write's answer says whether P had completed
 *    before it (then this counts the edge with P's own idempotent decrement)
 *    or not (then P's terminal write returns the list with S, and P counts it);
 *  - a removed edge P -> S is counted like P's completion (the same
 *    idempotent decrement: whichever comes second changes nothing);
 *  - a new agent is written before any edge points at it; a removal is a
 *    delete conditional on "not started", which the claim races on one item.
 */
export async function applyChange(
  ctx: HubContext,
  tenant: Tenant,
  session: SessionKey,
  change: PlannedChange,
): Promise<void> {
  const { request } = change;
  const key = sessionAgentKey(session.session_uuid, request.sessionAgentUuid);
  const agents = ctx.repos.sessionAgents;
  const started = (uuid: string) =>
    new ConflictError(`agent ${uuid} started while the plan changed`, { session_agent_uuid: uuid });
  switch (request.operation) {
    case 'add_agent': {
      const coordination = await ctx.repos.coordinations.get(tenant, session.coordination_uuid);
      const config = coordination.agents.find((a) => a.agent_uuid === request.agentUuid) ?? null;
      const siblings = await agents.listOfSession(tenant, session.session_uuid);
      await agents.insertIfAbsent(tenant, {
        session_uuid: session.session_uuid,
        session_agent_uuid: request.sessionAgentUuid,
        coordination_uuid: session.coordination_uuid,
        agent_uuid: request.agentUuid,
        agent_name: config?.agent_name ?? null,
        agent_config: config,
        agent_action: {
          predecessors: [],
          primary_path: true,
          user_in_the_loop: request.userInTheLoop ?? null,
          action_function: request.actionFunction ?? {},
        },
        subtask_query: request.subtaskQuery,
        in_degree: request.predecessors.length,
        predecessor_uuids: request.predecessors,
        successor_uuids: request.successors,
        position: Math.max(-1, ...siblings.map((a) => a.position ?? 0)) + 1,
        state: 'initial',
        updated_by: 'procedure-hub',
      });
      for (const successor of request.successors) {
        await editPredecessors(ctx, tenant, session, successor, (preds) =>
          preds.includes(request.sessionAgentUuid) ? preds : [...preds, request.sessionAgentUuid],
        );
      }
      for (const predecessor of request.predecessors) {
        await linkAndCount(ctx, tenant, session, predecessor, request.sessionAgentUuid);
      }
      if (request.predecessors.length === 0) {
        await dispatchAgents(ctx, tenant, session, [request.sessionAgentUuid]);
      }
      return;
    }
    case 'change_predecessors':
      await editPredecessors(ctx, tenant, session, request.sessionAgentUuid, () => request.predecessors);
      return;
    case 'modify_agent': {
      const current = await agents.get(tenant, key.session_uuid, key.session_agent_uuid);
      const fields = {
        ...(request.subtaskQuery !== undefined && { subtask_query: request.subtaskQuery }),
        agent_action: {
          ...current.agent_action,
          ...(request.userInTheLoop !== undefined && { user_in_the_loop: request.userInTheLoop }),
          ...(request.actionFunction !== undefined && { action_function: request.actionFunction }),
        },
      };
      if (!(await agents.modifyNotStarted(tenant, key, fields))) throw started(key.session_agent_uuid);
      return;
    }
    case 'reassign_agent': {
      const coordination = await ctx.repos.coordinations.get(tenant, session.coordination_uuid);
      const config = coordination.agents.find((a) => a.agent_uuid === request.agentUuid);
      const fields = { agent_uuid: request.agentUuid, agent_name: config?.agent_name, agent_config: config };
      if (!(await agents.modifyNotStarted(tenant, key, fields))) throw started(key.session_agent_uuid);
      return;
    }
    case 'remove_agent': {
      const current = await agents.find(tenant, key.session_uuid, key.session_agent_uuid);
      if (!current) return; // removed already (a retried request)
      if (!(await agents.removeNotStarted(tenant, key))) throw started(key.session_agent_uuid);
      for (const predecessor of current.predecessor_uuids) {
        await editSuccessors(ctx, tenant, session, predecessor, (succ) =>
          succ.filter((s) => s !== key.session_agent_uuid),
        );
      }
      return;
    }
  }
}

const MAX_EDGE_RETRIES = 20;

/** A not-started agent's predecessors, optimistically (re-read on a concurrent edge change). */
async function editPredecessors(
  ctx: HubContext,
  tenant: Tenant,
  session: SessionKey,
  uuid: string,
  next: (current: string[]) => string[],
): Promise<void> {
  for (let attempt = 0; attempt < MAX_EDGE_RETRIES; attempt++) {
    const row = await ctx.repos.sessionAgents.get(tenant, session.session_uuid, uuid);
    if (row.state !== 'initial') {
      throw new ConflictError(`agent ${uuid} started while the plan changed`, { session_agent_uuid: uuid });
    }
    const old = row.predecessor_uuids;
    const wanted = next(old);
    const added = wanted.filter((p) => !old.includes(p));
    const removed = old.filter((p) => !wanted.includes(p));
    const counted = row.completed_predecessors ?? [];
    const written = await ctx.repos.sessionAgents.setPredecessors(
      tenant,
      sessionAgentKey(session.session_uuid, uuid),
      {
        version: row.edges_version ?? 0,
        predecessors: wanted,
        added: added.length,
        uncount: added.filter((p) => counted.includes(p)),
      },
    );
    if (!written) continue;
    for (const p of added) await linkAndCount(ctx, tenant, session, p, uuid);
    for (const p of removed) {
      await countEdge(ctx, tenant, session, p, uuid);
      await editSuccessors(ctx, tenant, session, p, (succ) => succ.filter((s) => s !== uuid));
    }
    return;
  }
  throw new ConflictError(`the edges of agent ${uuid} kept changing; try again`, {
    session_agent_uuid: uuid,
  });
}

/** Adds `successor` to `predecessor`'s list; counts the edge here if the predecessor had completed first. */
async function linkAndCount(
  ctx: HubContext,
  tenant: Tenant,
  session: SessionKey,
  predecessor: string,
  successor: string,
): Promise<void> {
  const state = await editSuccessors(ctx, tenant, session, predecessor, (succ) =>
    succ.includes(successor) ? succ : [...succ, successor],
  );
  if (state === 'completed') await countEdge(ctx, tenant, session, predecessor, successor);
}

/** The edge counted once (P's own idempotent decrement); the write that reached 0 dispatches. */
async function countEdge(
  ctx: HubContext,
  tenant: Tenant,
  session: SessionKey,
  predecessor: string,
  successor: string,
) {
  const result = await ctx.repos.sessionAgents.decrement(
    tenant,
    sessionAgentKey(session.session_uuid, successor),
    predecessor,
  );
  if (result.result === 'reached_zero') await dispatchAgents(ctx, tenant, session, [successor]);
}

/** Any agent's successor list, optimistically; the agent's state as of the write (undefined if it is gone). */
async function editSuccessors(
  ctx: HubContext,
  tenant: Tenant,
  session: SessionKey,
  uuid: string,
  next: (current: string[]) => string[],
): Promise<SessionAgent['state'] | undefined> {
  for (let attempt = 0; attempt < MAX_EDGE_RETRIES; attempt++) {
    const row = await ctx.repos.sessionAgents.find(tenant, session.session_uuid, uuid);
    if (!row) return undefined;
    const wanted = next(row.successor_uuids);
    if (
      wanted.length === row.successor_uuids.length &&
      wanted.every((s, i) => s === row.successor_uuids[i])
    ) {
      return row.state;
    }
    const written = await ctx.repos.sessionAgents.setSuccessors(
      tenant,
      sessionAgentKey(session.session_uuid, uuid),
      {
        version: row.edges_version ?? 0,
        successors: wanted,
      },
    );
    if (written) return written.state;
  }
  throw new ConflictError(`the edges of agent ${uuid} kept changing; try again`, {
    session_agent_uuid: uuid,
  });
}
