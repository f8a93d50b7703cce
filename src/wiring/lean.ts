import { createActionRegistry } from '../hubs/procedure/actions.js';
import type { ProcedureHub } from '../hubs/procedure/hub.js';
import { createScopeResolver } from '../memory/scope-resolver.js';
import { memoryTools } from '../memory/tools.js';
import { createToolCheck, engineBuiltins } from '../tools/tool-check.js';
import { absentRuntimes, operationHubElsewhere } from './absent.js';
import { type Core, procedureHubOf } from './core.js';

/**
 * The GraphQL services of a function that runs no agent (the ws and http
 * Lambdas): the procedure hub records, steers and dispatches (its agents run
 * from the queue), the operation hub's entry points refuse with USE_WEBSOCKET,
 * and coordination writes still get the tool-spec check. No agent runtime,
 * tool runner, MCP client or Lambda client is imported.
 */
export function wireLeanServices(
  core: Core,
  fn: string,
  operationRefusal: Parameters<typeof operationHubElsewhere>[1],
): ProcedureHub {
  const procedure = procedureHubOf(core, {
    runtimes: absentRuntimes(fn),
    // Webhook actions through the egress guard; a Lambda action here would refuse (no LambdaClient).
    actions: createActionRegistry({ egress: core.egress }),
  });
  core.services.procedure = procedure;
  core.services.operation = operationHubElsewhere(fn, operationRefusal);
  core.services.tools = createToolCheck({
    egress: core.egress,
    builtins: engineBuiltins(
      core.repos,
      memoryTools({ memory: core.repos.memory, resolveScope: createScopeResolver(core.repos) }),
    ),
  });
  return procedure;
}
