import type { Repositories } from '../domain/repositories.js';
import {
  type BuiltinRegistry,
  type BuiltinTool,
  createBuiltinRegistry,
  defaultBuiltins,
  type SessionOutputsSource,
} from './builtins.js';
import { toolSpecProblems } from './check.js';
import type { ToolEgress } from './egress.js';

/** The finished work of a session: completed SessionAgents (procedure) and completed runs (operation). */
export function sessionOutputsFrom(repos: Repositories): SessionOutputsSource {
  return async (tenant, sessionUuid) => {
    const [agents, runs] = await Promise.all([
      repos.sessionAgents.list(tenant, { sessionUuid }),
      repos.sessionRuns.list(tenant, { sessionUuid }),
    ]);
    return [
      ...agents
        .filter((a) => a.state === 'completed' && a.agent_output)
        .map((a) => ({
          source_uuid: a.session_agent_uuid,
          agent_uuid: a.agent_uuid,
          output: a.agent_output ?? '',
        })),
      ...runs
        .filter((r) => r.status === 'completed' && r.answer && !r.session_agent_uuid)
        .map((r) => ({ source_uuid: r.run_uuid, agent_uuid: r.agent_uuid, output: r.answer ?? '' })),
    ];
  };
}

/** current_time and session_outputs, then the deployment's own builtins (agent memory, ...). */
export function engineBuiltins(repos: Repositories, extra: readonly BuiltinTool[] = []): BuiltinRegistry {
  return createBuiltinRegistry([...defaultBuiltins({ sessionOutputs: sessionOutputsFrom(repos) }), ...extra]);
}

/**
 * The write-time check of agents' tool specs, without the tool runners: what a
 * function that stores coordinations but runs no tool (ws, http) needs.
 */
export function createToolCheck(deps: { egress: ToolEgress; builtins: BuiltinRegistry }) {
  return {
    check: (agents: readonly Record<string, unknown>[]) => toolSpecProblems(agents, deps),
  };
}
