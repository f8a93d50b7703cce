import type { Repositories } from '../domain/repositories.js';
import { createScopeResolver } from '../memory/scope-resolver.js';
import { memoryTools } from '../memory/tools.js';
import { createBuiltinRegistry, currentTimeTool } from './builtins.js';
import { headersProfilesFromEnv, type ToolEgress } from './egress.js';
import { createMcpConnector } from './mcp-tool.js';
import { createToolbox, type Toolbox } from './toolbox.js';

/**
 * Until the egress guard (src/egress/, issue 9) is wired here, tools reach
 * no network: http and MCP tools are refused with this reason, builtins run.
 */
const noEgressYet: ToolEgress = {
  fetch: async () => {
    throw new Error('outbound tool calls are not enabled on this deployment');
  },
  checkUrl: () => 'outbound tool calls are not enabled on this deployment',
  checkLambdaFunctionName: () => null,
};

/** The engine's toolbox: the builtins (current_time, memory_put/get/search) and the agents' own tools. */
export function createEngineToolbox(deps: { repos: Repositories; egress?: ToolEgress }): Toolbox {
  const egress = deps.egress ?? noEgressYet;
  const headersProfiles = headersProfilesFromEnv();
  return createToolbox({
    egress,
    builtins: createBuiltinRegistry([
      currentTimeTool(),
      ...memoryTools({ memory: deps.repos.memory, resolveScope: createScopeResolver(deps.repos) }),
    ]),
    mcp: createMcpConnector({ egress, headersProfiles }),
    headersProfiles,
  });
}
