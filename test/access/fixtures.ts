import { newId } from '../../src/ids.js';
import type { LocalStack } from '../../src/local/stack.js';
import type { Tenant } from '../../src/tenant.js';
import { waitUntil } from '../support/wait.js';

/** What the matrix operations act on: written straight through the repositories, never through the API. */
export interface Fixtures {
  readonly coordinationUuid: string;
  readonly taskUuid: string;
  /** A task whose one agent waits for user input. */
  readonly askTaskUuid: string;
  readonly agentUuid: string;
  /** An agent whose builtin tool needs approval. */
  readonly approvalAgentUuid: string;
  /** An agent whose output a guardrail escalates to a person. */
  readonly escalatingAgentUuid: string;
  readonly scheduleUuid: string;
  /** A completed session of taskUuid, with its agent, run and events. */
  readonly sessionUuid: string;
  readonly sessionAgentUuid: string;
  readonly runUuid: string;
  readonly namespace: string;
  readonly memoryKey: string;
  readonly cacheKey: string;
}

/** Runs one operation as an admin over HTTP and returns its data (throws on errors). */
// biome-ignore lint/suspicious/noExplicitAny: GraphQL responses, read by path
export type AdminData = Record<string, any>;
export type AdminCall = (query: string, variables?: Record<string, unknown>) => Promise<AdminData>;

export async function createFixtures(stack: LocalStack, tenant: Tenant, admin: AdminCall): Promise<Fixtures> {
  const { repos, procedure } = stack.engine;
  const agentUuid = newId();
  const approvalAgentUuid = newId();
  const escalatingAgentUuid = newId();
  const coordination = await repos.coordinations.insert(tenant, {
    coordination_uuid: newId(),
    coordination_name: 'Access desk',
    agents: [
      {
        agent_uuid: agentUuid,
        agent_name: 'Writer',
        agent_description: 'writes answers',
        agent_type: 'task',
        runtime: 'scripted',
        script: { answer: 'done: {input}' },
      },
      {
        agent_uuid: approvalAgentUuid,
        agent_name: 'Clock',
        agent_description: 'tells the time after approval',
        agent_type: 'task',
        runtime: 'scripted',
        tools: [{ type: 'builtin', name: 'current_time', needs_approval: true }],
        script: {
          tool_calls: [{ name: 'current_time', arguments: {} }],
          answer: 'It is {tool:current_time}',
        },
      },
      {
        agent_uuid: escalatingAgentUuid,
        agent_name: 'Refunds',
        agent_description: 'promises refunds, which a person reviews',
        agent_type: 'task',
        runtime: 'scripted',
        guardrails: { output: [{ type: 'deny_regex', patterns: ['refund'], action: 'escalate' }] },
        script: { answer: 'a refund is on its way' },
      },
    ],
    updated_by: 'fixture',
  });
  const coordinationUuid = coordination.coordination_uuid;
  const task = await insertTask(stack, tenant, coordinationUuid, agentUuid, false);
  const askTask = await insertTask(stack, tenant, coordinationUuid, agentUuid, true);
  const schedule = await repos.taskSchedules.insert(tenant, {
    task_uuid: task,
    schedule_uuid: newId(),
    coordination_uuid: coordinationUuid,
    schedule: 'rate(1 day)',
    status: 'paused',
    updated_by: 'fixture',
  } as never);
  const session = await procedure.executeProcedureTaskSession(tenant, {
    coordinationUuid,
    taskUuid: task,
    userId: 'fixture',
  });
  await waitUntil(
    () => repos.sessions.find(tenant, coordinationUuid, session.session_uuid),
    (s) => s?.status === 'completed',
    'fixture session completed',
  );
  const lists = await admin(
    `query ($s: String!) {
      sessionAgentList(sessionUuid: $s) { sessionAgentList { sessionAgentUuid } }
      sessionRunList(sessionUuid: $s) { sessionRunList { runUuid } }
    }`,
    { s: session.session_uuid },
  );
  const namespace = `ns-${newId()}`;
  const memoryKey = 'fact';
  const cacheKey = 'prices';
  await admin(
    `mutation ($n: String!, $k: String!, $c: String!) {
      insertUpdateMemory(namespace: $n, key: $k, memoryData: {owls: "hoot"}, memoryType: "persistent", updatedBy: "fixture") { memory { key } }
      putCacheEntry(cacheKey: $c, value: {usd: 1}) { cacheEntry { cacheKey } }
    }`,
    { n: namespace, k: memoryKey, c: cacheKey },
  );
  return {
    coordinationUuid,
    taskUuid: task,
    askTaskUuid: askTask,
    agentUuid,
    approvalAgentUuid,
    escalatingAgentUuid,
    scheduleUuid: (schedule as { schedule_uuid: string }).schedule_uuid,
    sessionUuid: session.session_uuid,
    sessionAgentUuid: lists.sessionAgentList.sessionAgentList[0].sessionAgentUuid,
    runUuid: lists.sessionRunList.sessionRunList[0].runUuid,
    namespace,
    memoryKey,
    cacheKey,
  };
}

async function insertTask(
  stack: LocalStack,
  tenant: Tenant,
  coordinationUuid: string,
  agentUuid: string,
  userInTheLoop: boolean,
): Promise<string> {
  const task = await stack.engine.repos.tasks.insert(tenant, {
    coordination_uuid: coordinationUuid,
    task_uuid: newId(),
    task_name: userInTheLoop ? 'Ask first' : 'Write',
    initial_task_query: 'write about owls',
    subtask_queries: [{ agent_uuid: agentUuid, subtask_query: 'write it' }],
    agent_actions: {
      [agentUuid]: { predecessors: [], primary_path: true, user_in_the_loop: userInTheLoop || null },
    },
    updated_by: 'fixture',
  } as never);
  return task.task_uuid;
}
