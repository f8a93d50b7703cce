import { createCacheRepository } from '../cache/repository.js';
import type { RepositoryDeps } from '../db/entity-repository.js';
import { createMemoryRepository } from '../memory/repository.js';
import { createCoordinationRepository } from './coordination/repository.js';
import { createIdempotencyKeys } from './idempotency/repository.js';
import { createSessionRepository } from './session/repository.js';
import { createSessionAgentRepository } from './session-agent/repository.js';
import { createSessionRunRepository } from './session-run/repository.js';
import { createTaskRepository } from './task/repository.js';
import { createTaskScheduleRepository } from './task-schedule/repository.js';

/** The six entity repositories, the idempotency keys, the tenant cache and agent memory, built from the same clients. */
export function createRepositories(deps: RepositoryDeps) {
  const tasks = createTaskRepository(deps);
  return {
    coordinations: createCoordinationRepository(deps),
    tasks,
    taskSchedules: createTaskScheduleRepository(deps),
    sessions: createSessionRepository(deps, { coordinationOfTask: tasks.coordinationOf }),
    sessionAgents: createSessionAgentRepository(deps),
    sessionRuns: createSessionRunRepository(deps),
    cache: createCacheRepository(deps),
    memory: createMemoryRepository(deps),
    idempotencyKeys: createIdempotencyKeys(deps),
  };
}
export type Repositories = ReturnType<typeof createRepositories>;
