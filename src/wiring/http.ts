import type { Config } from '../config.js';
import type { Caller, GraphQLContext } from '../graphql/context.js';
import type { createGraphQLServer } from '../graphql/yoga.js';
import type { ComponentCheck } from '../health/checks.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { TokenVerifier } from '../transport/auth.js';
import { absentBedrockGuardrail } from './absent.js';
import { createCore } from './core.js';
import { wireLeanServices } from './lean.js';

/** What the HTTP routes (src/http/routes.ts, src/handlers/http.ts) run on; the full Engine has it too. */
export interface HttpEngine {
  readonly config: Config;
  readonly yoga: ReturnType<typeof createGraphQLServer>;
  readonly verifier: TokenVerifier;
  readonly httpContext: (caller: Caller) => GraphQLContext;
  readonly healthChecks: () => readonly ComponentCheck[];
  readonly graphiql: boolean;
  readonly metrics: Metrics;
}

/**
 * The HTTP Lambda's composition root. Behind API Gateway's 29 s an operation
 * that runs an agent is refused (askOperationHub by the handler, deciding an
 * operation run's calls or escalation by the hub stand-in, both USE_WEBSOCKET),
 * so this bundle carries no agent runtime, tool runner, MCP or Lambda client.
 */
export function createHttpEngine(config: Config): HttpEngine {
  const core = createCore(config, { bedrock: absentBedrockGuardrail('HTTP') });
  wireLeanServices(core, 'HTTP', 'use-websocket');
  return {
    config,
    get yoga() {
      return core.yoga();
    },
    verifier: core.verifier,
    httpContext: core.httpContext,
    healthChecks: core.healthChecks,
    graphiql: core.graphiql,
    metrics: core.metrics,
  };
}
