import type { Repositories } from '../domain/repositories.js';
import type { ScopeResolver } from './tools.js';

/**
 * Reads who a tool call belongs to: the SessionAgent row (procedure hub) or
 * the run row (operation hub), then the session for its user. Answers are
 * kept per run, so the several memory calls of one run read the rows once.
 */
export function createScopeResolver(repos: Repositories, maxRuns = 1000): ScopeResolver {
  const byRun = new Map<string, Awaited<ReturnType<ScopeResolver>>>();
  return async (context) => {
    const cached = byRun.get(`${context.tenant.partitionKey}|${context.runUuid}`);
    if (cached) return cached;
    if (!context.sessionUuid) throw new Error('memory tools need a session');
    const owner = context.sessionAgentUuid
      ? await repos.sessionAgents.find(context.tenant, context.sessionUuid, context.sessionAgentUuid)
      : await repos.sessionRuns.find(context.tenant, context.sessionUuid, context.runUuid);
    if (!owner) throw new Error('memory tools could not find the calling agent');
    const session = await repos.sessions.find(context.tenant, owner.coordination_uuid, context.sessionUuid);
    const scope = {
      agentUuid: owner.agent_uuid,
      coordinationUuid: owner.coordination_uuid,
      sessionUuid: context.sessionUuid,
      userId: session?.user_id ?? null,
    };
    if (byRun.size >= maxRuns) byRun.clear();
    byRun.set(`${context.tenant.partitionKey}|${context.runUuid}`, scope);
    return scope;
  };
}
