import { beforeAll, describe, expect, it } from 'vitest';
import type { Agent } from '../../src/domain/coordination/model.js';
import { newId } from '../../src/ids.js';
import { createScopeResolver } from '../../src/memory/scope-resolver.js';
import { memoryTools } from '../../src/memory/tools.js';
import { createScriptedRuntime } from '../../src/runtimes/scripted.js';
import type { Tenant } from '../../src/tenant.js';
import { agentsByName, createDirectBed, drain, seedTask } from '../procedure/support.js';
import { createTestEnv, type TestEnv, tenantA, tenantB } from '../support/env.js';
import { createToolBed, type ToolBed } from '../tools/support.js';

let env: TestEnv;
let bed: ToolBed;
const coordinationUuid = newId();
const agentUuid = newId();

beforeAll(async () => {
  env = await createTestEnv();
  const resolveScope = createScopeResolver(env.repos);
  bed = createToolBed(env, { builtins: memoryTools({ memory: env.repos.memory, resolveScope }) });
});

/** A session with one SessionAgent of `agentUuid`: the stored rows the memory tools read. */
async function sessionFor(userId: string, tenant: Tenant = tenantA) {
  const sessionUuid = newId();
  const sessionAgentUuid = newId();
  await env.repos.sessions.insert(tenant, {
    coordination_uuid: coordinationUuid,
    session_uuid: sessionUuid,
    user_id: userId,
    iteration_count: 0,
    subtask_queries: [],
    status: 'in_progress',
    updated_by: 'test',
  });
  await env.repos.sessionAgents.insert(tenant, {
    session_uuid: sessionUuid,
    session_agent_uuid: sessionAgentUuid,
    coordination_uuid: coordinationUuid,
    agent_uuid: agentUuid,
    agent_action: { predecessors: [], primary_path: true },
    in_degree: 0,
    state: 'executing',
    updated_by: 'test',
  });
  return { sessionUuid, sessionAgentUuid };
}

const agentWith = (script: Record<string, unknown>): Agent =>
  ({
    agent_uuid: agentUuid,
    agent_name: 'analyst',
    agent_description: 'remembers',
    agent_type: 'task',
    runtime: 'scripted',
    tools: [
      { type: 'builtin', name: 'memory_put' },
      { type: 'builtin', name: 'memory_get' },
      { type: 'builtin', name: 'memory_search' },
    ],
    script,
  }) as unknown as Agent;

async function run(script: Record<string, unknown>, userId: string, tenant: Tenant = tenantA) {
  const { sessionUuid, sessionAgentUuid } = await sessionFor(userId, tenant);
  const runtime = createScriptedRuntime();
  const tools = { ...bed.context({ tenant, sessionUuid }), sessionAgentUuid };
  const result = await runtime.run({
    agent: agentWith(script),
    threadUuid: newId(),
    input: 'go',
    userId,
    tools,
  });
  return { output: result.output, sessionUuid };
}

describe('memory tools through the tool loop (scripted tool calls)', () => {
  it('an agent writes memory in one session and reads it in the next', async () => {
    const first = await run(
      {
        tool_calls: [
          { name: 'memory_put', arguments: { key: 'preferred_format', value: { format: 'tables' } } },
        ],
        answer: 'stored: {tool:memory_put}',
      },
      'alice',
    );
    expect(JSON.parse(first.output.replace('stored: ', ''))).toMatchObject({
      stored: true,
      key: 'preferred_format',
    });

    const second = await run(
      {
        tool_calls: [
          { name: 'memory_get', arguments: { key: 'preferred_format' } },
          { name: 'memory_search', arguments: { query: 'tables' } },
        ],
        answer: '{tool:memory_get}\n{tool:memory_search}',
      },
      'alice',
    );
    const [got, searched] = second.output.split('\n').map((line) => JSON.parse(line));
    expect(got).toMatchObject({
      found: true,
      key: 'preferred_format',
      value: { format: 'tables' },
      memory_type: 'persistent',
    });
    expect(searched.results.map((r: { key: string }) => r.key)).toEqual(['preferred_format']);
    const listed = await env.repos.memory.listForSession(tenantA, first.sessionUuid);
    expect(listed.items.map((r) => [r.agent_uuid, r.user_id])).toEqual([[agentUuid, 'alice']]);
  });

  it('another user of the same agent, and another tenant, read nothing of it', async () => {
    const script = {
      tool_calls: [{ name: 'memory_get', arguments: { key: 'preferred_format' } }],
      answer: '{tool:memory_get}',
    };
    expect(JSON.parse((await run(script, 'bob')).output)).toEqual({ found: false, key: 'preferred_format' });
    expect(JSON.parse((await run(script, 'alice', tenantB)).output)).toEqual({
      found: false,
      key: 'preferred_format',
    });
  });

  it('shared coordination memory crosses users; bad arguments are a tool error the model reads', async () => {
    await run(
      {
        tool_calls: [
          {
            name: 'memory_put',
            arguments: {
              key: 'glossary',
              value: 'LFS = Labour Force Survey',
              scope: 'coordination',
              memory_type: 'shared',
            },
          },
        ],
        answer: 'ok',
      },
      'alice',
    );
    const read = await run(
      {
        tool_calls: [
          { name: 'memory_get', arguments: { key: 'glossary', scope: 'coordination' } },
          { name: 'memory_put', arguments: { key: 'bad key with spaces', value: 1 } },
        ],
        answer: '{tool:memory_get}\n{tool:memory_put}',
      },
      'bob',
    );
    const [got, refused] = read.output.split('\n');
    expect(JSON.parse(got ?? '')).toMatchObject({
      found: true,
      value: 'LFS = Labour Force Survey',
      memory_type: 'shared',
    });
    expect(refused).toMatch(/^error: .*key/);
  });
});

describe('memory through the procedure hub', () => {
  it('an agent writes memory in one session; the next session reads it (tool call) and gets it injected', async () => {
    const hubBed = await createDirectBed({ env, toolbox: bed.toolbox });
    const task = await seedTask(env, [
      {
        name: 'keeper',
        // Each session's script is set below (the row snapshots the agent when its session starts).
        extra: {
          tools: [
            { type: 'builtin', name: 'memory_put' },
            { type: 'builtin', name: 'memory_get' },
          ],
          memory: { inject: ['persistent'], scope: 'agent' },
        },
      },
    ]);
    const keeperUuid = task.uuidOf('keeper');
    const setScript = async (script: Record<string, unknown>) => {
      const coordination = await env.repos.coordinations.get(tenantA, task.coordinationUuid);
      await env.repos.coordinations.update(tenantA, task.coordinationUuid, {
        agents: coordination.agents.map((a) => (a.agent_uuid === keeperUuid ? { ...a, script } : a)) as never,
        updated_by: 'test',
      });
    };
    const runOnce = async (taskQuery: string) => {
      const session = await hubBed.hub.executeProcedureTaskSession(tenantA, {
        coordinationUuid: task.coordinationUuid,
        taskUuid: task.taskUuid,
        userId: 'carol',
        taskQuery,
      });
      await drain(hubBed, { duplicate: true });
      const rows = await agentsByName(env, session.session_uuid);
      return {
        status: (await env.repos.sessions.get(tenantA, task.coordinationUuid, session.session_uuid)).status,
        row: rows.get('keeper'),
      };
    };

    await setScript({
      tool_calls: [{ name: 'memory_put', arguments: { key: 'launch_city', value: 'Dubai' } }],
      answer: 'put: {tool:memory_put}',
    });
    const first = await runOnce('remember the city');
    expect(first.status).toBe('completed');
    expect(first.row?.agent_output).toMatch(/^put: \{"stored":true,"key":"launch_city"/);

    await setScript({
      tool_calls: [{ name: 'memory_get', arguments: { key: 'launch_city' } }],
      answer: 'get: {tool:memory_get}',
    });
    const second = await runOnce('where do we launch?');
    expect(second.status).toBe('completed');
    expect(second.row?.agent_output).toMatch(
      /^get: \{"found":true,"key":"launch_city","memory_type":"persistent","value":"Dubai"/,
    );
    expect(second.row?.agent_input).toContain('memory(launch_city, persistent): "Dubai"');
    const stored = await env.repos.memory.listForAgent(tenantA, keeperUuid, { userId: 'carol' });
    expect(stored.items.map((r) => [r.namespace, r.version])).toEqual([
      [`agent:${keeperUuid}/user:carol`, 1],
    ]);
  });
});
