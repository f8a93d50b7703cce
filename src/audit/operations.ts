import type { EntityKey, EntityType } from './entities.js';

/**
 * Which root fields write, and what each one writes: the action, the entity,
 * its key before the call (updates, deletes, answers) and after it (inserts
 * learn theirs from the result). Every Mutation field must be listed (a test
 * checks it), so a new write cannot go unaudited.
 */
export type AuditAction =
  | 'insert'
  | 'update'
  | 'delete'
  | 'execute'
  | 'resume'
  | 'cancel'
  | 'pause'
  | 'redrive'
  | 'modify'
  | 'answer'
  | 'decide'
  | 'ask'
  | 'invalidate'
  | 'submit';

type Args = Record<string, unknown>;
type Result = Record<string, unknown> | null | undefined;

export interface AuditedOperation {
  /** The entity written (a function where the arguments decide it). */
  readonly entity: EntityType | ((args: Args) => EntityType);
  /** insert_update: insert or update, told apart by whether the entity existed before. */
  readonly action: AuditAction | 'insert_update';
  readonly keyBefore?: (args: Args) => EntityKey | undefined;
  readonly keyAfter?: (args: Args, result: Result) => EntityKey | undefined;
  /** A caller's idempotency key: a repeated call with it is the same write, audited once. */
  readonly idempotencyKey?: (args: Args) => string | undefined;
  /** What else the record keeps (already redacted by the caller). */
  readonly details?: (args: Args, result: Result) => Record<string, unknown>;
}

const str = (value: unknown) => (typeof value === 'string' && value ? value : undefined);
/** A key only when every part is present. */
function keyOf(parts: Record<string, unknown>): EntityKey | undefined {
  const entries = Object.entries(parts).map(([k, v]) => [k, str(v)] as const);
  return entries.every(([, v]) => v) ? (Object.fromEntries(entries) as EntityKey) : undefined;
}
/** The stored item a payload carries (snake_case) under `name`. */
const item = (result: Result, name: string) => (result?.[name] ?? undefined) as Args | undefined;
const pick = (value: Args | undefined, ...names: string[]) => names.map((n) => value?.[n]).find(str);

const insertUpdate = (
  entity: EntityType,
  payload: string,
  before: (a: Args) => Record<string, unknown>,
  keyNames: readonly string[],
): AuditedOperation => ({
  entity,
  action: 'insert_update',
  keyBefore: (a) => keyOf(before(a)),
  keyAfter: (_a, r) => keyOf(Object.fromEntries(keyNames.map((n) => [n, item(r, payload)?.[n]]))),
});
const deletes = (entity: EntityType, key: (a: Args) => Record<string, unknown>): AuditedOperation => ({
  entity,
  action: 'delete',
  keyBefore: (a) => keyOf(key(a)),
});

/** cancel, pause, redrive: the session as the call left it, with who asked and why. */
const steer = (action: 'cancel' | 'pause' | 'redrive'): AuditedOperation => ({
  entity: 'session',
  action,
  keyAfter: (a, r) =>
    keyOf({ coordination_uuid: r?.coordination_uuid, session_uuid: a.sessionUuid }) ?? {
      session_uuid: String(a.sessionUuid),
    },
  details: (a, r) => ({ reason: a.reason ?? null, status: r?.status ?? null }),
});

export const AUDITED_OPERATIONS: Readonly<Record<string, AuditedOperation>> = {
  insertUpdateCoordination: insertUpdate(
    'coordination',
    'coordination',
    (a) => ({ coordination_uuid: a.coordinationUuid }),
    ['coordination_uuid'],
  ),
  insertUpdateTask: insertUpdate(
    'task',
    'task',
    (a) => ({ coordination_uuid: a.coordinationUuid, task_uuid: a.taskUuid }),
    ['coordination_uuid', 'task_uuid'],
  ),
  insertUpdateTaskSchedule: insertUpdate(
    'task_schedule',
    'taskSchedule',
    (a) => ({ task_uuid: a.taskUuid, schedule_uuid: a.scheduleUuid }),
    ['task_uuid', 'schedule_uuid'],
  ),
  insertUpdateSession: insertUpdate(
    'session',
    'session',
    (a) => ({ coordination_uuid: a.coordinationUuid, session_uuid: a.sessionUuid }),
    ['coordination_uuid', 'session_uuid'],
  ),
  insertUpdateSessionAgent: insertUpdate(
    'session_agent',
    'sessionAgent',
    (a) => ({ session_uuid: a.sessionUuid, session_agent_uuid: a.sessionAgentUuid }),
    ['session_uuid', 'session_agent_uuid'],
  ),
  insertUpdateSessionRun: insertUpdate(
    'session_run',
    'sessionRun',
    (a) => ({ session_uuid: a.sessionUuid, run_uuid: a.runUuid }),
    ['session_uuid', 'run_uuid'],
  ),
  insertUpdateMemory: insertUpdate('memory', 'memory', (a) => ({ namespace: a.namespace, key: a.key }), [
    'namespace',
    'key',
  ]),
  putCacheEntry: {
    entity: 'cache_entry',
    action: 'insert_update',
    keyAfter: (a) => keyOf({ cache_key: a.cacheKey }),
    details: (a) => ({ tags: a.tags ?? [], ttl_seconds: a.ttlSeconds ?? null }),
  },
  deleteCoordination: deletes('coordination', (a) => ({ coordination_uuid: a.coordinationUuid })),
  deleteTask: deletes('task', (a) => ({ coordination_uuid: a.coordinationUuid, task_uuid: a.taskUuid })),
  deleteTaskSchedule: deletes('task_schedule', (a) => ({
    task_uuid: a.taskUuid,
    schedule_uuid: a.scheduleUuid,
  })),
  deleteSession: deletes('session', (a) => ({
    coordination_uuid: a.coordinationUuid,
    session_uuid: a.sessionUuid,
  })),
  deleteSessionAgent: deletes('session_agent', (a) => ({
    session_uuid: a.sessionUuid,
    session_agent_uuid: a.sessionAgentUuid,
  })),
  deleteSessionRun: deletes('session_run', (a) => ({ session_uuid: a.sessionUuid, run_uuid: a.runUuid })),
  deleteMemory: deletes('memory', (a) => ({ namespace: a.namespace, key: a.key })),
  invalidateCache: {
    entity: 'cache_entry',
    action: 'invalidate',
    keyAfter: () => ({ cache_key: '*' }),
    details: (a, r) => ({
      keys: a.keys ?? null,
      tags: a.tags ?? null,
      prefix: a.prefix ?? null,
      invalidated: r?.invalidated ?? [],
    }),
  },
  executeProcedureTaskSession: {
    entity: 'session',
    action: 'execute',
    keyAfter: (a, r) => {
      const session = item(r, 'procedureTaskSession');
      return keyOf({ coordination_uuid: a.coordinationUuid, session_uuid: pick(session, 'session_uuid') });
    },
    idempotencyKey: (a) => str(a.idempotencyKey),
    details: (a) => ({ task_uuid: a.taskUuid, task_query: a.taskQuery ?? null }),
  },
  resumeProcedureTaskSession: {
    entity: 'session',
    action: 'resume',
    keyAfter: (a, r) =>
      keyOf({ coordination_uuid: pick(r ?? undefined, 'coordinationUuid'), session_uuid: a.sessionUuid }) ?? {
        session_uuid: String(a.sessionUuid),
      },
    details: (_a, r) => ({ dispatched: r?.dispatched ?? null, status: r?.status ?? null }),
  },
  cancelProcedureTaskSession: steer('cancel'),
  pauseProcedureTaskSession: steer('pause'),
  redriveProcedureTaskSession: steer('redrive'),
  modifyProcedureTaskSession: {
    // One request may hold several modifications: the session is the entity, the records are details.
    entity: 'session',
    action: 'modify',
    keyAfter: (a, r) => {
      const first = (r as unknown as Args[] | null)?.[0];
      return (
        keyOf({ coordination_uuid: first?.coordination_uuid, session_uuid: a.sessionUuid }) ?? {
          session_uuid: String(a.sessionUuid),
        }
      );
    },
    details: (a, r) => ({
      reason: a.reason ?? null,
      require_approval: a.requireApproval ?? false,
      modifications: ((r as unknown as Args[] | null) ?? []).map((m) => ({
        modification_uuid: m.modification_uuid,
        operation: m.operation,
        session_agent_uuid: m.session_agent_uuid,
        status: m.status,
      })),
    }),
  },
  decidePlanModification: {
    entity: 'plan_modification',
    action: 'decide',
    keyBefore: (a) => keyOf({ session_uuid: a.sessionUuid, modification_uuid: a.modificationUuid }),
    details: (a) => ({ approve: a.approve ?? null, reason: a.reason ?? null }),
  },
  executeForUserInput: {
    entity: 'session_agent',
    action: 'answer',
    keyBefore: (a) => keyOf({ session_uuid: a.sessionUuid, session_agent_uuid: a.sessionAgentUuid }),
  },
  decideToolCalls: {
    // A procedure-hub agent's calls, or an operation-hub run's.
    entity: (a) => (str(a.sessionAgentUuid) ? 'session_agent' : 'session_run'),
    action: 'decide',
    keyBefore: (a) =>
      keyOf({ session_uuid: a.sessionUuid, session_agent_uuid: a.sessionAgentUuid }) ??
      keyOf({ session_uuid: a.sessionUuid, run_uuid: a.runUuid }),
    details: (a) => ({
      run_uuid: a.runUuid ?? null,
      decisions: ((a.decisions as Args[] | undefined) ?? []).map((d) => ({
        call_id: d.callId,
        approve: d.approve,
        edited: d.arguments !== undefined && d.arguments !== null,
        reason: d.reason ?? null,
      })),
    }),
  },
  decideEscalation: {
    // A procedure-hub agent's escalated output, or an operation-hub run's.
    entity: (a) => (str(a.sessionAgentUuid) ? 'session_agent' : 'session_run'),
    action: 'decide',
    keyBefore: (a) =>
      keyOf({ session_uuid: a.sessionUuid, session_agent_uuid: a.sessionAgentUuid }) ??
      keyOf({ session_uuid: a.sessionUuid, run_uuid: a.runUuid }),
    details: (a) => ({
      escalation: true,
      decision: a.decision ?? null,
      edited: typeof a.output === 'string',
      reason: a.reason ?? null,
    }),
  },
  askOperationHub: {
    entity: 'session_run',
    action: 'ask',
    keyAfter: (_a, r) =>
      keyOf({ session_uuid: pick(r ?? undefined, 'sessionUuid'), run_uuid: pick(r ?? undefined, 'runUuid') }),
    details: (a, r) => ({
      coordination_uuid: a.coordinationUuid,
      agent_uuid: pick(r ?? undefined, 'agentUuid') ?? null,
      status: r?.status ?? null,
    }),
  },
  submitFeedback: {
    entity: 'feedback',
    action: 'submit',
    keyAfter: (_a, r) => {
      const feedback = item(r, 'feedback');
      return keyOf({ session_uuid: feedback?.session_uuid, feedback_uuid: feedback?.feedback_uuid });
    },
    details: (_a, r) => {
      const feedback = item(r, 'feedback');
      return { kind: feedback?.kind ?? null, rating: feedback?.rating ?? null };
    },
  },
};
