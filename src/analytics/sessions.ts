import type { Repositories } from '../domain/repositories.js';
import type { Tenant } from '../tenant.js';

/** A session's coordination, remembered (it never changes), so a warm worker reads it once. */
export function coordinationOfSession(repos: Repositories, maxEntries = 10_000) {
  const known = new Map<string, string>();
  return async (tenant: Tenant, sessionUuid: string): Promise<string | undefined> => {
    const key = `${tenant.partitionKey}#${sessionUuid}`;
    const cached = known.get(key);
    if (cached) return cached;
    const session = await repos.sessions.getByUuid(tenant, sessionUuid).catch(() => undefined);
    if (!session) return undefined;
    if (known.size >= maxEntries) known.clear();
    known.set(key, session.coordination_uuid);
    return session.coordination_uuid;
  };
}

/** A SessionAgent's usage totals (the ledger ADDs them during the run, before the run's end is recorded). */
export function usageOfAgentRun(repos: Repositories) {
  return async (tenant: Tenant, sessionUuid: string, sessionAgentUuid: string) => {
    const row = (await repos.sessionAgents.find(tenant, sessionUuid, sessionAgentUuid)) as
      | Record<string, unknown>
      | undefined;
    if (!row) return undefined;
    const num = (v: unknown) => (typeof v === 'number' ? v : 0);
    return {
      tokens: num(row.total_tokens),
      modelCalls: num(row.model_calls),
      costUsd: num(row.unpriced_calls) > 0 ? null : num(row.cost_usd),
    };
  };
}
