import type { Repositories } from '../domain/repositories.js';
import type { Tenant } from '../tenant.js';

/**
 * The entities an audit record can name: their key attributes (in order; the
 * last is the entity's own id) and how to read the stored item for a diff.
 * Reading goes through the same repositories the resolvers write with.
 */
export type EntityKey = Readonly<Record<string, string>>;
type Item = Record<string, unknown>;

interface EntitySpec {
  readonly key: readonly string[];
  readonly load?: (repos: Repositories, tenant: Tenant, key: EntityKey) => Promise<Item | undefined>;
}

const k = (key: EntityKey, name: string) => key[name] ?? '';

export const AUDITED_ENTITIES = {
  coordination: {
    key: ['coordination_uuid'],
    load: (r, t, key) => r.coordinations.find(t, k(key, 'coordination_uuid')),
  },
  task: {
    key: ['coordination_uuid', 'task_uuid'],
    load: (r, t, key) => r.tasks.find(t, k(key, 'coordination_uuid'), k(key, 'task_uuid')),
  },
  task_schedule: {
    key: ['task_uuid', 'schedule_uuid'],
    load: (r, t, key) => r.taskSchedules.find(t, k(key, 'task_uuid'), k(key, 'schedule_uuid')),
  },
  session: {
    key: ['coordination_uuid', 'session_uuid'],
    load: (r, t, key) => r.sessions.find(t, k(key, 'coordination_uuid'), k(key, 'session_uuid')),
  },
  session_agent: {
    key: ['session_uuid', 'session_agent_uuid'],
    load: (r, t, key) => r.sessionAgents.find(t, k(key, 'session_uuid'), k(key, 'session_agent_uuid')),
  },
  session_run: {
    key: ['session_uuid', 'run_uuid'],
    load: (r, t, key) => r.sessionRuns.find(t, k(key, 'session_uuid'), k(key, 'run_uuid')),
  },
  memory: {
    key: ['namespace', 'key'],
    load: async (r, t, key) =>
      (await r.memory.find(t, k(key, 'namespace'), k(key, 'key'))) as Item | undefined,
  },
  // Reading an entry counts a cache hit: entries are audited by key, without a diff.
  cache_entry: { key: ['cache_key'] },
  feedback: { key: ['session_uuid', 'feedback_uuid'] },
  plan_modification: {
    key: ['session_uuid', 'modification_uuid'],
    load: (r, t, key) => r.planModifications.find(t, k(key, 'session_uuid'), k(key, 'modification_uuid')),
  },
} as const satisfies Record<string, EntitySpec>;

export type EntityType = keyof typeof AUDITED_ENTITIES;

/** The id an audit query names an entity by: its own id (memory: `namespace#key`). */
export function entityUuidOf(type: EntityType, key: EntityKey): string {
  if (type === 'memory') return `${k(key, 'namespace')}#${k(key, 'key')}`;
  const names = AUDITED_ENTITIES[type].key;
  return k(key, names[names.length - 1] ?? '');
}

export function loadEntity(
  repos: Repositories,
  tenant: Tenant,
  type: EntityType,
  key: EntityKey | undefined,
): Promise<Item | undefined> {
  const spec: EntitySpec = AUDITED_ENTITIES[type];
  if (!key || !spec.load || spec.key.some((name) => !key[name])) return Promise.resolve(undefined);
  return spec.load(repos, tenant, key);
}
