/**
 * Permissions are `resource:action` strings; a role grants a list of them.
 * Every GraphQL root field declares the one permission it needs here, so the
 * check (src/access/schema-guard.ts) has one table to read and a new field
 * without an entry refuses to build the schema (and fails a test).
 */
export const PERMISSIONS = [
  'system:ping',
  'coordination:read',
  'coordination:write',
  'coordination:delete',
  'task:read',
  'task:write',
  'task:delete',
  'schedule:read',
  'schedule:write',
  'schedule:delete',
  'session:read',
  'session:write',
  'session:delete',
  'session:execute',
  'session:answer',
  'session:steer',
  'plan:request',
  'plan:decide',
  'tool:decide',
  'escalation:decide',
  'operation:ask',
  'memory:read',
  'memory:write',
  'memory:delete',
  'cache:read',
  'cache:write',
  'cache:delete',
  'usage:read',
  'analytics:read',
  'feedback:submit',
  'audit:read',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** The permission each root field (Query, Mutation, Subscription) needs. */
export const ROOT_FIELD_PERMISSIONS: Readonly<Record<string, Permission>> = {
  ping: 'system:ping',
  coordination: 'coordination:read',
  coordinationList: 'coordination:read',
  insertUpdateCoordination: 'coordination:write',
  deleteCoordination: 'coordination:delete',
  task: 'task:read',
  taskList: 'task:read',
  insertUpdateTask: 'task:write',
  deleteTask: 'task:delete',
  taskSchedule: 'schedule:read',
  taskScheduleList: 'schedule:read',
  insertUpdateTaskSchedule: 'schedule:write',
  deleteTaskSchedule: 'schedule:delete',
  session: 'session:read',
  sessionList: 'session:read',
  sessionAgent: 'session:read',
  sessionAgentList: 'session:read',
  sessionRun: 'session:read',
  sessionRunList: 'session:read',
  sessionEvents: 'session:read',
  insertUpdateSession: 'session:write',
  insertUpdateSessionAgent: 'session:write',
  insertUpdateSessionRun: 'session:write',
  deleteSession: 'session:delete',
  deleteSessionAgent: 'session:delete',
  deleteSessionRun: 'session:delete',
  executeProcedureTaskSession: 'session:execute',
  resumeProcedureTaskSession: 'session:execute',
  // Steering a running session (issue 12): operators stop, hold and re-run; a plan change is requested
  // by an operator and decided (approved or rejected) by an editor.
  cancelProcedureTaskSession: 'session:steer',
  pauseProcedureTaskSession: 'session:steer',
  redriveProcedureTaskSession: 'session:steer',
  modifyProcedureTaskSession: 'plan:request',
  decidePlanModification: 'plan:decide',
  planModifications: 'session:read',
  agentWorkload: 'session:read',
  estimateProcedureTaskSession: 'analytics:read',
  executeForUserInput: 'session:answer',
  decideToolCalls: 'tool:decide',
  decideEscalation: 'escalation:decide',
  askOperationHub: 'operation:ask',
  memory: 'memory:read',
  memoryList: 'memory:read',
  memorySearch: 'memory:read',
  insertUpdateMemory: 'memory:write',
  deleteMemory: 'memory:delete',
  cacheEntry: 'cache:read',
  cacheStats: 'cache:read',
  putCacheEntry: 'cache:write',
  invalidateCache: 'cache:delete',
  usageReport: 'usage:read',
  agentAnalytics: 'analytics:read',
  submitFeedback: 'feedback:submit',
  auditLog: 'audit:read',
};

const VIEWER: readonly string[] = [
  'system:ping',
  'coordination:read',
  'task:read',
  'schedule:read',
  'session:read',
  'memory:read',
  'cache:read',
  'usage:read',
  'analytics:read',
];
const OPERATOR = [
  ...VIEWER,
  'session:execute',
  'session:answer',
  'session:steer',
  'plan:request',
  'tool:decide',
  'escalation:decide',
  'operation:ask',
  'feedback:submit',
];
const EDITOR = [
  ...OPERATOR,
  'coordination:write',
  'task:write',
  'schedule:write',
  'session:write',
  'plan:decide',
  'memory:write',
  'cache:write',
];

/**
 * The built-in roles. An operator's table (ACE_ROLES) adds roles or replaces
 * one of these by name. `*` grants everything, `resource:*` every action on it.
 */
export const BUILTIN_ROLES: Readonly<Record<string, readonly string[]>> = {
  viewer: VIEWER,
  operator: OPERATOR,
  editor: EDITOR,
  admin: ['*'],
};

export type RoleTable = Readonly<Record<string, readonly string[]>>;

/** Whether one granted entry (`*`, `resource:*` or an exact permission) covers a permission. */
export function grants(entry: string, permission: string): boolean {
  if (entry === '*' || entry === permission) return true;
  return entry.endsWith(':*') && permission.startsWith(entry.slice(0, -1));
}

export function rolesPermit(table: RoleTable, roles: readonly string[], permission: string): boolean {
  return roles.some((role) => (table[role] ?? []).some((entry) => grants(entry, permission)));
}
