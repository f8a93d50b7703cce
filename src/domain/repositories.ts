import type { RepositoryDeps } from '../db/entity-repository.js';
import { createCoordinationRepository } from './coordination/repository.js';
import { createIdempotencyKeys } from './idempotency/repository.js';
import { createPlanModificationRepository } from './plan-modification/repository.js';
import { createSessionRepository } from './session/repository.js';
import { createSessionAgentRepository } from './session-agent/repository.js';
import { createSessionRunRepository } from './session-run/repository.js';
import { createTaskRepository } from './task/repository.js';
import { createTaskScheduleRepository } from './task-schedule/repository.js';

/** The six entity repositories and the idempotency keys, built from the same clients. */
export function createRepositories(deps: RepositoryDeps) {
  return {
    coordinations: createCoordinationRepository(deps),
    tasks: createTaskRepository(deps),
    taskSchedules: createTaskScheduleRepository(deps),
    sessions: createSessionRepository(deps),
    sessionAgents: createSessionAgentRepository(deps),
    sessionRuns: createSessionRunRepository(deps),
    idempotencyKeys: createIdempotencyKeys(deps),
    planModifications: createPlanModificationRepository(deps),
  };
}
export type Repositories = ReturnType<typeof createRepositories>;
