import { describe, expect, it } from 'vitest';
import type { Agent } from '../../src/domain/coordination/model.js';
import type { AgentRuntime } from '../../src/runtimes/port.js';
import { createRuntimeResolver } from '../../src/runtimes/resolver.js';

const agent = (runtime?: string): Agent => ({
  agent_uuid: 'a',
  agent_name: 'A',
  agent_type: 'task',
  ...(runtime && { runtime }),
});

describe('createRuntimeResolver', () => {
  it('picks the adapter named by agent.runtime, reusing one instance per kind', () => {
    const resolver = createRuntimeResolver({ credentials: async () => ({}) });
    expect(resolver.forAgent(agent('openai')).kind).toBe('openai');
    expect(resolver.forAgent(agent('bedrock')).kind).toBe('bedrock');
    expect(resolver.forAgent(agent('core_engine')).kind).toBe('core_engine');
    expect(resolver.forAgent(agent('openai'))).toBe(resolver.forAgent(agent('openai')));
  });

  it('runs agents without a runtime setting on the scripted runtime', async () => {
    const resolver = createRuntimeResolver();
    const runtime = resolver.forAgent({ ...agent(), script: { answer: 'hi {input}' } });
    expect(runtime.kind).toBe('scripted');
    const result = await runtime.run({
      agent: { ...agent(), script: { answer: 'hi {input}' } },
      threadUuid: 't',
      userId: 'u',
      input: 'you',
    });
    expect(result.output).toBe('hi you');
  });

  it('uses a supplied runtime for its kind; scripted is the default kind', () => {
    const scripted: AgentRuntime = {
      kind: 'scripted',
      run: async (r) => ({ output: 'x', threadUuid: r.threadUuid }),
    };
    const resolver = createRuntimeResolver({ runtimes: { scripted } });
    expect(resolver.forAgent(agent())).toBe(scripted);
  });

  it('rejects an unknown runtime name as a non-retryable error', () => {
    const resolver = createRuntimeResolver();
    expect(() => resolver.forAgent(agent('llama-on-a-toaster'))).toThrow(/unknown runtime/);
  });
});
