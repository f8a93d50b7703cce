import { beforeAll, describe, expect, it } from 'vitest';
import type { Agent } from '../../src/domain/coordination/model.js';
import { newId } from '../../src/ids.js';
import { createScopeResolver } from '../../src/memory/scope-resolver.js';
import { memoryTools } from '../../src/memory/tools.js';
import { createScriptedRuntime } from '../../src/runtimes/scripted.js';
import type { Tenant } from '../../src/tenant.js';
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
