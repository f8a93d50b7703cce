import type { Agent } from '../../../src/domain/coordination/model.js';
import { createEventLog } from '../../../src/events/event-log.js';
import { createOperationHub, type OperationHubSettings } from '../../../src/hubs/operation/hub.js';
import { createSessionLock } from '../../../src/hubs/operation/session-lock.js';
import { newId } from '../../../src/ids.js';
import { envCredentials } from '../../../src/runtimes/credentials.js';
import { createRuntimeResolver } from '../../../src/runtimes/resolver.js';
import type { Tenant } from '../../../src/tenant.js';
import { createThreadStore } from '../../../src/threads/store.js';
import type { TestEnv } from '../../support/env.js';
import type { LlmServer } from './llm-server.js';

/** Agents on the OpenAI-compatible runtime, answered by the local LLM server. */
export const llmAgent = (name: string, description: string, model = `agent:${name}`): Agent => ({
  agent_uuid: newId(),
  agent_name: name,
  agent_description: description,
  agent_type: 'task',
  runtime: 'openai',
  model,
});

export const triageAgent = (): Agent => ({
  agent_uuid: newId(),
  agent_name: 'Triage',
  agent_description: 'Routes queries',
  agent_type: 'triage',
  runtime: 'openai',
  model: 'triage',
});

export async function insertCoordination(env: TestEnv, tenant: Tenant, agents: Agent[]) {
  return env.repos.coordinations.insert(tenant, {
    coordination_uuid: newId(),
    coordination_name: 'Support desk',
    coordination_description: 'test',
    agents,
    updated_by: 'test',
  });
}

/** The real hub over the run's local DynamoDB, with the real resolver pointed at the local LLM server. */
export function hubFor(
  env: TestEnv,
  llm: LlmServer,
  options: { now?: () => Date; settings?: Partial<OperationHubSettings> } = {},
) {
  const threads = createThreadStore(env.clients);
  const runtimes = createRuntimeResolver({
    credentials: envCredentials({ ACE_OPENAI_BASE_URL: `${llm.url}/v1`, ACE_OPENAI_API_KEY: 'sk-local' }),
    threads,
  });
  return createOperationHub({
    repos: env.repos,
    runtimes,
    locks: createSessionLock(env.clients),
    events: createEventLog(env.clients),
    ...(options.now && { now: options.now }),
    settings: { enqueuePollMs: 20, ...options.settings },
  });
}
