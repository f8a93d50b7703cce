import { ConflictError } from '../errors.js';
import type { Tenant } from '../tenant.js';
import type { Repositories } from './repositories.js';

/**
 * Deletes that refuse to orphan children (the Python engine documented these
 * rules but never enforced them). Each checks the parent exists in the
 * caller's tenant (NOT_FOUND otherwise), counts the children concurrently,
 * and removes nothing when any exist. Without transactions a child written
 * between the count and the delete can still be orphaned; the window is one
 * round trip and the orphan stays readable by its own key.
 */
function refuse(entity: string, counts: Record<string, number>): void {
  const nonZero = Object.entries(counts).filter(([, n]) => n > 0);
  if (nonZero.length === 0) return;
  const words = (name: string) => name.replace(/([A-Z])/g, ' $1').toLowerCase(); // sessionRuns -> session runs
  const named = nonZero
    .map(([name, n]) => `${n} ${words(n === 1 ? name.replace(/s$/, '') : name)}`)
    .join(' and ');
  throw new ConflictError(`${entity} still has ${named}; delete them first`, { counts });
}

export async function deleteCoordination(repos: Repositories, tenant: Tenant, coordinationUuid: string) {
  await repos.coordinations.get(tenant, coordinationUuid);
  const [tasks, sessions] = await Promise.all([
    repos.tasks.countByCoordination(tenant, coordinationUuid),
    repos.sessions.countByCoordination(tenant, coordinationUuid),
  ]);
  refuse('Coordination', { tasks, sessions });
  return repos.coordinations.delete(tenant, coordinationUuid);
}

export async function deleteTask(
  repos: Repositories,
  tenant: Tenant,
  coordinationUuid: string,
  taskUuid: string,
) {
  await repos.tasks.get(tenant, coordinationUuid, taskUuid);
  const taskSchedules = await repos.taskSchedules.countByTask(tenant, taskUuid);
  refuse('Task', { taskSchedules });
  return repos.tasks.delete(tenant, coordinationUuid, taskUuid);
}

export async function deleteSession(
  repos: Repositories,
  tenant: Tenant,
  coordinationUuid: string,
  sessionUuid: string,
) {
  await repos.sessions.get(tenant, coordinationUuid, sessionUuid);
  const [sessionAgents, sessionRuns] = await Promise.all([
    repos.sessionAgents.countBySession(tenant, sessionUuid),
    repos.sessionRuns.countBySession(tenant, sessionUuid),
  ]);
  refuse('Session', { sessionAgents, sessionRuns });
  return repos.sessions.delete(tenant, coordinationUuid, sessionUuid);
}
