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
