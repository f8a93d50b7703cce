import type { AdminCall, Fixtures } from './fixtures.js';

export type Role = 'viewer' | 'operator' | 'editor' | 'admin';
export const ROLES: readonly Role[] = ['viewer', 'operator', 'editor', 'admin'];
const rank: Record<Role, number> = { viewer: 0, operator: 1, editor: 2, admin: 3 };
export const roleAllows = (role: Role, minimum: Role) => rank[role] >= rank[minimum];

/** One root field: the least built-in role that may call it, and a call that succeeds when allowed. */
export interface OperationCase {
  readonly field: string;
  readonly minimum: Role;
  readonly subscription?: boolean;
  readonly query: string;
  /** Variables; called once per call, so destructive cases get fresh rows of their own. */
  readonly variables: (
    f: Fixtures,
    fresh: Fresh,
  ) => Promise<Record<string, unknown>> | Record<string, unknown>;
}

/** Rows made for one call of a destructive or stateful operation (through the API as an admin). */
export function freshRows(
  f: Fixtures,
  admin: AdminCall,
  waitForInput: () => Promise<Record<string, string>>,
) {
  return {
    async coordination() {
      const d = await admin(
        'mutation { insertUpdateCoordination(coordinationName: "Spare", updatedBy: "fixture") { coordination { coordinationUuid } } }',
      );
      return d.insertUpdateCoordination.coordination.coordinationUuid as string;
    },
    async task() {
      const d = await admin(
        `mutation ($c: String!) { insertUpdateTask(coordinationUuid: $c, taskName: "Spare", updatedBy: "fixture") { task { taskUuid } } }`,
        { c: f.coordinationUuid },
      );
      return d.insertUpdateTask.task.taskUuid as string;
    },
    async schedule() {
      const d = await admin(
        `mutation ($t: String!) { insertUpdateTaskSchedule(taskUuid: $t, schedule: "rate(1 day)", status: "paused", updatedBy: "fixture") { taskSchedule { scheduleUuid } } }`,
        { t: f.taskUuid },
      );
      return d.insertUpdateTaskSchedule.taskSchedule.scheduleUuid as string;
    },
    async session() {
      const d = await admin(
        `mutation ($c: String!) { insertUpdateSession(coordinationUuid: $c, updatedBy: "fixture") { session { sessionUuid } } }`,
        { c: f.coordinationUuid },
      );
      return d.insertUpdateSession.session.sessionUuid as string;
    },
    async sessionAgent(sessionUuid: string) {
      const d = await admin(
        `mutation ($s: String!, $c: String!, $a: String!) { insertUpdateSessionAgent(sessionUuid: $s, coordinationUuid: $c, agentUuid: $a, updatedBy: "fixture") { sessionAgent { sessionAgentUuid } } }`,
        { s: sessionUuid, c: f.coordinationUuid, a: f.agentUuid },
      );
      return d.insertUpdateSessionAgent.sessionAgent.sessionAgentUuid as string;
    },
    async run(sessionUuid: string) {
      const d = await admin(
        `mutation ($s: String!, $c: String!, $a: String!) { insertUpdateSessionRun(sessionUuid: $s, coordinationUuid: $c, agentUuid: $a, threadUuid: "thread-1", updatedBy: "fixture") { sessionRun { runUuid } } }`,
        { s: sessionUuid, c: f.coordinationUuid, a: f.agentUuid },
      );
      return d.insertUpdateSessionRun.sessionRun.runUuid as string;
    },
    async memory() {
      const d = await admin(
        `mutation ($n: String!) { insertUpdateMemory(namespace: $n, memoryData: {x: 1}, memoryType: "persistent", updatedBy: "fixture") { memory { key } } }`,
        { n: f.namespace },
      );
      return d.insertUpdateMemory.memory.key as string;
    },
    /** A session whose only agent waits for user input. */
    waitingForInput: waitForInput,
    /** A session cancelled while its agent waited for input (redrive runs it again). */
    async waitingCancelled() {
      const waiting = await waitForInput();
      await admin('mutation ($s: String!) { cancelProcedureTaskSession(sessionUuid: $s) { status } }', {
        s: waiting.sessionUuid,
      });
      return waiting;
    },
    /** A plan modification of a waiting session, requested for approval (decidePlanModification decides it). */
    async waitingModification() {
      const waiting = await waitForInput();
      const d = await admin(
        'mutation ($s: String!, $m: JSON!) { modifyProcedureTaskSession(sessionUuid: $s, modifications: $m, requireApproval: true) { modificationUuid } }',
        { s: waiting.sessionUuid, m: addAfter(f, waiting.sessionAgentUuid) },
      );
      return {
        sessionUuid: waiting.sessionUuid,
        modificationUuid: d.modifyProcedureTaskSession[0].modificationUuid as string,
      };
    },
    /** An ask whose answer a guardrail escalated to a person. */
    async escalated() {
      const d = await admin(
        `query ($c: String!, $a: String!) { askOperationHub(coordinationUuid: $c, agentUuid: $a, userQuery: "refund?") { sessionUuid runUuid status } }`,
        { c: f.coordinationUuid, a: f.escalatingAgentUuid },
      );
      if (d.askOperationHub.status !== 'escalated') throw new Error(JSON.stringify(d));
      return {
        sessionUuid: d.askOperationHub.sessionUuid as string,
        runUuid: d.askOperationHub.runUuid as string,
      };
    },
    /** An ask whose run waits for approval of one tool call (call_1). */
    async waitingForApproval() {
      const d = await admin(
        `query ($c: String!, $a: String!) { askOperationHub(coordinationUuid: $c, agentUuid: $a, userQuery: "time?") { sessionUuid runUuid status } }`,
        { c: f.coordinationUuid, a: f.approvalAgentUuid },
      );
      if (d.askOperationHub.status !== 'waiting_for_approval') throw new Error(JSON.stringify(d));
      return {
        sessionUuid: d.askOperationHub.sessionUuid as string,
        runUuid: d.askOperationHub.runUuid as string,
      };
    },
  };
}
export type Fresh = ReturnType<typeof freshRows>;

/** A modification adding the Writer after a session's waiting agent (it starts only once that one finishes). */
const addAfter = (f: Fixtures, predecessor: string | undefined) => [
  {
    operation: 'add_agent',
    agentUuid: f.agentUuid,
    subtaskQuery: 'then summarise',
    predecessors: [String(predecessor)],
  },
];

export const CASES: readonly OperationCase[] = [
  { field: 'ping', minimum: 'viewer', query: '{ ping }', variables: () => ({}) },
  {
    field: 'coordination',
    minimum: 'viewer',
    query: 'query ($c: String!) { coordination(coordinationUuid: $c) { coordinationName } }',
    variables: (f) => ({ c: f.coordinationUuid }),
  },
  {
    field: 'coordinationList',
    minimum: 'viewer',
    query: '{ coordinationList(limit: 5) { coordinationList { coordinationUuid } } }',
    variables: () => ({}),
  },
  {
    field: 'task',
    minimum: 'viewer',
    query: 'query ($c: String!, $t: String!) { task(coordinationUuid: $c, taskUuid: $t) { taskName } }',
    variables: (f) => ({ c: f.coordinationUuid, t: f.taskUuid }),
  },
  {
    field: 'taskList',
    minimum: 'viewer',
    query: 'query ($c: String!) { taskList(coordinationUuid: $c) { taskList { taskUuid } } }',
    variables: (f) => ({ c: f.coordinationUuid }),
  },
  {
    field: 'taskSchedule',
    minimum: 'viewer',
    query: 'query ($t: String!, $s: String!) { taskSchedule(taskUuid: $t, scheduleUuid: $s) { status } }',
    variables: (f) => ({ t: f.taskUuid, s: f.scheduleUuid }),
  },
  {
    field: 'taskScheduleList',
    minimum: 'viewer',
    query: 'query ($t: String!) { taskScheduleList(taskUuid: $t) { taskScheduleList { scheduleUuid } } }',
    variables: (f) => ({ t: f.taskUuid }),
  },
  {
    field: 'session',
    minimum: 'viewer',
    query: 'query ($c: String!, $s: String!) { session(coordinationUuid: $c, sessionUuid: $s) { status } }',
    variables: (f) => ({ c: f.coordinationUuid, s: f.sessionUuid }),
  },
  {
    field: 'sessionList',
    minimum: 'viewer',
    query: 'query ($c: String!) { sessionList(coordinationUuid: $c) { sessionList { sessionUuid } } }',
    variables: (f) => ({ c: f.coordinationUuid }),
  },
  {
    field: 'sessionAgent',
    minimum: 'viewer',
    query:
      'query ($s: String!, $a: String!) { sessionAgent(sessionUuid: $s, sessionAgentUuid: $a) { state } }',
    variables: (f) => ({ s: f.sessionUuid, a: f.sessionAgentUuid }),
  },
  {
    field: 'sessionAgentList',
    minimum: 'viewer',
    query: 'query ($s: String!) { sessionAgentList(sessionUuid: $s) { sessionAgentList { state } } }',
    variables: (f) => ({ s: f.sessionUuid }),
  },
  {
    field: 'sessionRun',
    minimum: 'viewer',
    query: 'query ($s: String!, $r: String!) { sessionRun(sessionUuid: $s, runUuid: $r) { runUuid } }',
    variables: (f) => ({ s: f.sessionUuid, r: f.runUuid }),
  },
  {
    field: 'sessionRunList',
    minimum: 'viewer',
    query: 'query ($s: String!) { sessionRunList(sessionUuid: $s) { sessionRunList { runUuid } } }',
    variables: (f) => ({ s: f.sessionUuid }),
  },
  {
    field: 'sessionEvents',
    minimum: 'viewer',
    query: 'query ($s: String!) { sessionEvents(sessionUuid: $s) { seq type } }',
    variables: (f) => ({ s: f.sessionUuid }),
  },
  {
    field: 'sessionEvents',
    minimum: 'viewer',
    subscription: true,
    query: 'subscription ($s: String!) { sessionEvents(sessionUuid: $s) { seq type } }',
    variables: (f) => ({ s: f.sessionUuid }),
  },
  {
    field: 'memory',
    minimum: 'viewer',
    query: 'query ($n: String!, $k: String!) { memory(namespace: $n, key: $k) { key } }',
    variables: (f) => ({ n: f.namespace, k: f.memoryKey }),
  },
  {
    field: 'memoryList',
    minimum: 'viewer',
    query: 'query ($n: String!) { memoryList(namespace: $n) { memoryList { key } } }',
    variables: (f) => ({ n: f.namespace }),
  },
  {
    field: 'memorySearch',
    minimum: 'viewer',
    query: 'query ($n: String!) { memorySearch(namespace: $n, query: "hoot") { score } }',
    variables: (f) => ({ n: f.namespace }),
  },
  {
    field: 'cacheEntry',
    minimum: 'viewer',
    query: 'query ($k: String!) { cacheEntry(cacheKey: $k) { cacheKey } }',
    variables: (f) => ({ k: f.cacheKey }),
  },
  { field: 'cacheStats', minimum: 'viewer', query: '{ cacheStats { hits misses } }', variables: () => ({}) },
  {
    field: 'usageReport',
    minimum: 'viewer',
    query:
      'query ($c: String!) { usageReport(coordinationUuid: $c, from: "2020-01-01", to: "2030-01-01", groupBy: AGENT) { rows { key } } }',
    variables: (f) => ({ c: f.coordinationUuid }),
  },
  {
    field: 'askOperationHub',
    minimum: 'operator',
    query:
      'query ($c: String!, $a: String!) { askOperationHub(coordinationUuid: $c, agentUuid: $a, userQuery: "hello") { status answer } }',
    variables: (f) => ({ c: f.coordinationUuid, a: f.agentUuid }),
  },
  {
    field: 'executeProcedureTaskSession',
    minimum: 'operator',
    query:
      'mutation ($c: String!, $t: String!) { executeProcedureTaskSession(coordinationUuid: $c, taskUuid: $t) { procedureTaskSession { sessionUuid } } }',
    variables: (f) => ({ c: f.coordinationUuid, t: f.taskUuid }),
  },
  {
    field: 'resumeProcedureTaskSession',
    minimum: 'operator',
    query: 'mutation ($s: String!) { resumeProcedureTaskSession(sessionUuid: $s) { status } }',
    variables: (f) => ({ s: f.sessionUuid }),
  },
  {
    field: 'cancelProcedureTaskSession',
    minimum: 'operator',
    query:
      'mutation ($s: String!) { cancelProcedureTaskSession(sessionUuid: $s, reason: "matrix") { status } }',
    variables: async (_f, fresh) => ({ s: (await fresh.waitingForInput()).sessionUuid }),
  },
  {
    field: 'pauseProcedureTaskSession',
    minimum: 'operator',
    query:
      'mutation ($s: String!) { pauseProcedureTaskSession(sessionUuid: $s, reason: "matrix") { status } }',
    variables: async (_f, fresh) => ({ s: (await fresh.waitingForInput()).sessionUuid }),
  },
  {
    field: 'redriveProcedureTaskSession',
    minimum: 'operator',
    query: 'mutation ($s: String!) { redriveProcedureTaskSession(sessionUuid: $s) { status } }',
    variables: async (_f, fresh) => ({ s: (await fresh.waitingCancelled()).sessionUuid }),
  },
  {
    field: 'modifyProcedureTaskSession',
    minimum: 'operator',
    query:
      'mutation ($s: String!, $m: JSON!) { modifyProcedureTaskSession(sessionUuid: $s, modifications: $m, requireApproval: true) { status } }',
    variables: async (f, fresh) => {
      const waiting = await fresh.waitingForInput();
      return { s: waiting.sessionUuid, m: addAfter(f, waiting.sessionAgentUuid) };
    },
  },
  {
    field: 'decidePlanModification',
    minimum: 'editor',
    query:
      'mutation ($s: String!, $m: String!) { decidePlanModification(sessionUuid: $s, modificationUuid: $m, approve: false, reason: "matrix") { status } }',
    variables: async (_f, fresh) => {
      const requested = await fresh.waitingModification();
      return { s: requested.sessionUuid, m: requested.modificationUuid };
    },
  },
  {
    field: 'planModifications',
    minimum: 'viewer',
    query: 'query ($s: String!) { planModifications(sessionUuid: $s) { status } }',
    variables: (f) => ({ s: f.sessionUuid }),
  },
  {
    field: 'agentWorkload',
    minimum: 'viewer',
    query: 'query ($c: String!) { agentWorkload(coordinationUuid: $c) { agentUuid } }',
    variables: (f) => ({ c: f.coordinationUuid }),
  },
  {
    field: 'executeForUserInput',
    minimum: 'operator',
    query:
      'mutation ($s: String!, $a: String!) { executeForUserInput(sessionUuid: $s, sessionAgentUuid: $a, userInput: "blue") { ok } }',
    variables: async (_f, fresh) => {
      const waiting = await fresh.waitingForInput();
      return { s: waiting.sessionUuid, a: waiting.sessionAgentUuid };
    },
  },
  {
    field: 'decideToolCalls',
    minimum: 'operator',
    query:
      'mutation ($s: String!, $r: String!) { decideToolCalls(sessionUuid: $s, runUuid: $r, decisions: [{callId: "call_1", approve: true}]) { ok } }',
    variables: async (_f, fresh) => {
      const waiting = await fresh.waitingForApproval();
      return { s: waiting.sessionUuid, r: waiting.runUuid };
    },
  },
  {
    field: 'decideEscalation',
    minimum: 'operator',
    query:
      'mutation ($s: String!, $r: String!) { decideEscalation(sessionUuid: $s, runUuid: $r, decision: APPROVE) { ok } }',
    variables: async (_f, fresh) => {
      const escalated = await fresh.escalated();
      return { s: escalated.sessionUuid, r: escalated.runUuid };
    },
  },
  {
    field: 'insertUpdateCoordination',
    minimum: 'editor',
    query:
      'mutation { insertUpdateCoordination(coordinationName: "New desk", updatedBy: "matrix") { coordination { coordinationUuid } } }',
    variables: () => ({}),
  },
  {
    field: 'insertUpdateTask',
    minimum: 'editor',
    query:
      'mutation ($c: String!) { insertUpdateTask(coordinationUuid: $c, taskName: "New", updatedBy: "matrix") { task { taskUuid } } }',
    variables: (f) => ({ c: f.coordinationUuid }),
  },
  {
    field: 'insertUpdateTaskSchedule',
    minimum: 'editor',
    query:
      'mutation ($t: String!) { insertUpdateTaskSchedule(taskUuid: $t, schedule: "rate(1 day)", status: "paused", updatedBy: "matrix") { taskSchedule { scheduleUuid } } }',
    variables: (f) => ({ t: f.taskUuid }),
  },
  {
    field: 'insertUpdateSession',
    minimum: 'editor',
    query:
      'mutation ($c: String!) { insertUpdateSession(coordinationUuid: $c, updatedBy: "matrix") { session { sessionUuid } } }',
    variables: (f) => ({ c: f.coordinationUuid }),
  },
  {
    field: 'insertUpdateSessionAgent',
    minimum: 'editor',
    query:
      'mutation ($s: String!, $c: String!, $a: String!) { insertUpdateSessionAgent(sessionUuid: $s, coordinationUuid: $c, agentUuid: $a, updatedBy: "matrix") { sessionAgent { sessionAgentUuid } } }',
    variables: async (f, fresh) => ({ s: await fresh.session(), c: f.coordinationUuid, a: f.agentUuid }),
  },
  {
    field: 'insertUpdateSessionRun',
    minimum: 'editor',
    query:
      'mutation ($s: String!, $c: String!, $a: String!) { insertUpdateSessionRun(sessionUuid: $s, coordinationUuid: $c, agentUuid: $a, threadUuid: "thread-1", updatedBy: "matrix") { sessionRun { runUuid } } }',
    variables: async (f, fresh) => ({ s: await fresh.session(), c: f.coordinationUuid, a: f.agentUuid }),
  },
  {
    field: 'insertUpdateMemory',
    minimum: 'editor',
    query:
      'mutation ($n: String!) { insertUpdateMemory(namespace: $n, memoryData: {y: 2}, memoryType: "persistent", updatedBy: "matrix") { memory { key } } }',
    variables: (f) => ({ n: f.namespace }),
  },
  {
    field: 'putCacheEntry',
    minimum: 'editor',
    query: 'mutation { putCacheEntry(cacheKey: "matrix", value: {v: 1}) { cacheEntry { cacheKey } } }',
    variables: () => ({}),
  },
  {
    field: 'deleteCoordination',
    minimum: 'admin',
    query: 'mutation ($c: String!) { deleteCoordination(coordinationUuid: $c) { ok } }',
    variables: async (_f, fresh) => ({ c: await fresh.coordination() }),
  },
  {
    field: 'deleteTask',
    minimum: 'admin',
    query: 'mutation ($c: String!, $t: String!) { deleteTask(coordinationUuid: $c, taskUuid: $t) { ok } }',
    variables: async (f, fresh) => ({ c: f.coordinationUuid, t: await fresh.task() }),
  },
  {
    field: 'deleteTaskSchedule',
    minimum: 'admin',
    query:
      'mutation ($t: String!, $s: String!) { deleteTaskSchedule(taskUuid: $t, scheduleUuid: $s) { ok } }',
    variables: async (f, fresh) => ({ t: f.taskUuid, s: await fresh.schedule() }),
  },
  {
    field: 'deleteSession',
    minimum: 'admin',
    query:
      'mutation ($c: String!, $s: String!) { deleteSession(coordinationUuid: $c, sessionUuid: $s) { ok } }',
    variables: async (f, fresh) => ({ c: f.coordinationUuid, s: await fresh.session() }),
  },
  {
    field: 'deleteSessionAgent',
    minimum: 'admin',
    query:
      'mutation ($s: String!, $a: String!) { deleteSessionAgent(sessionUuid: $s, sessionAgentUuid: $a) { ok } }',
    variables: async (_f, fresh) => {
      const s = await fresh.session();
      return { s, a: await fresh.sessionAgent(s) };
    },
  },
  {
    field: 'deleteSessionRun',
    minimum: 'admin',
    query: 'mutation ($s: String!, $r: String!) { deleteSessionRun(sessionUuid: $s, runUuid: $r) { ok } }',
    variables: async (_f, fresh) => {
      const s = await fresh.session();
      return { s, r: await fresh.run(s) };
    },
  },
  {
    field: 'deleteMemory',
    minimum: 'admin',
    query: 'mutation ($n: String!, $k: String!) { deleteMemory(namespace: $n, key: $k) { ok } }',
    variables: async (f, fresh) => ({ n: f.namespace, k: await fresh.memory() }),
  },
  {
    field: 'agentAnalytics',
    minimum: 'viewer',
    query:
      'query ($c: String!) { agentAnalytics(coordinationUuid: $c, from: "2020-01-01", to: "2030-01-01") { agentUuid runs } }',
    variables: (f) => ({ c: f.coordinationUuid }),
  },
  {
    field: 'estimateProcedureTaskSession',
    minimum: 'viewer',
    query:
      'query ($c: String!, $t: String!) { estimateProcedureTaskSession(coordinationUuid: $c, taskUuid: $t) { tokens { expected low high } } }',
    variables: (f) => ({ c: f.coordinationUuid, t: f.taskUuid }),
  },
  {
    field: 'submitFeedback',
    minimum: 'operator',
    query:
      'mutation ($s: String!, $a: String!) { submitFeedback(sessionUuid: $s, sessionAgentUuid: $a, kind: QUALITY, rating: 4, comment: "fine") { feedback { feedbackUuid } } }',
    variables: (f) => ({ s: f.sessionUuid, a: f.sessionAgentUuid }),
  },
  {
    field: 'auditLog',
    minimum: 'admin',
    query: '{ auditLog(limit: 5) { auditLogList { action entityType } } }',
    variables: () => ({}),
  },
  {
    field: 'invalidateCache',
    minimum: 'admin',
    query: 'mutation { invalidateCache(keys: ["matrix"]) { count } }',
    variables: () => ({}),
  },
];
