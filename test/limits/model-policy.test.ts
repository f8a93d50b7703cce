import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { Agent } from '../../src/domain/coordination/model.js';
import { modelPolicyFromConfig, withModelPolicy } from '../../src/limits/model-policy.js';
import type { AgentRunRequest, AgentRuntime } from '../../src/runtimes/port.js';
import { createRuntimeResolver } from '../../src/runtimes/resolver.js';

/** A Bedrock runtime stand-in that records what reached it (the policy sits in front of the real adapter). */
function recordingRuntime() {
  const runs: AgentRunRequest[] = [];
  const runtime: AgentRuntime = {
    kind: 'bedrock',
    run: async (request) => {
      runs.push(request);
      return { output: 'ok' } as never;
    },
  };
  return { runtime, runs };
}

const agent = (settings: Record<string, unknown>): Agent => ({
  agent_uuid: 'a1',
  agent_name: 'A',
  agent_type: 'task',
  runtime: 'bedrock',
  ...settings,
});

describe('operator model policy', () => {
  const config = loadConfig({
    ACE_BEDROCK_ALLOWED_MODELS: 'anthropic.claude-3-haiku-20240307-v1:0',
    ACE_BEDROCK_ALLOWED_REGIONS: 'us-east-1,eu-west-1',
    ACE_MAX_TOKENS_CAP: '4096',
    ACE_MAX_RETRIES_CAP: '2',
  });
  const setup = () => {
    const bedrock = recordingRuntime();
    const resolver = withModelPolicy(
      createRuntimeResolver({ runtimes: { bedrock: bedrock.runtime } }),
      modelPolicyFromConfig(config),
    );
    const run = (settings: Record<string, unknown>) => {
      const a = agent(settings);
      return resolver.forAgent(a).run({ agent: a, threadUuid: 't', userId: 'u', input: 'x' });
    };
    return { run, runs: bedrock.runs };
  };

  it.each([
    [
      { model: 'anthropic.claude-3-opus-20240229-v1:0' },
      "is not on the operator's list for the bedrock runtime",
    ],
    [{}, "model null is not on the operator's list"],
    [
      { model: 'anthropic.claude-3-haiku-20240307-v1:0', region: 'ap-southeast-2' },
      'Bedrock region ap-southeast-2 is not allowed',
    ],
    [
      { model: 'anthropic.claude-3-haiku-20240307-v1:0', max_tokens: 200_000 },
      "max_tokens 200000 is above the operator's cap of 4096",
    ],
    [
      { model: 'anthropic.claude-3-haiku-20240307-v1:0', max_retries: 10 },
      "max_retries 10 is above the operator's cap of 2",
    ],
  ])('refuses %j before the runtime is called', async (settings, reason) => {
    const { run, runs } = setup();
    await expect(run(settings)).rejects.toMatchObject({
      retryable: false,
      message: expect.stringContaining(reason),
    });
    expect(runs).toHaveLength(0);
  });

  it('lets a listed model within the caps through', async () => {
    const { run, runs } = setup();
    await run({
      model: 'anthropic.claude-3-haiku-20240307-v1:0',
      region: 'eu-west-1',
      max_tokens: 4096,
      max_retries: 2,
    });
    expect(runs).toHaveLength(1);
  });

  it('defaults: any model, max_tokens up to 32768, retries up to 3', () => {
    expect(modelPolicyFromConfig(loadConfig({}))).toEqual({
      allowedModels: {},
      maxTokensCap: 32_768,
      maxRetriesCap: 3,
    });
  });
});
