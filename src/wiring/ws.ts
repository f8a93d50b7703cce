import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Metrics } from '../telemetry/metrics.js';
import { AGENT_FIELDS } from '../transport/operation.js';
import type { Poster } from '../transport/poster.js';
import { createWsProtocol, type WsProtocol } from '../transport/ws-protocol.js';
import { absentBedrockGuardrail } from './absent.js';
import { createCore } from './core.js';
import { wireLeanServices } from './lean.js';

/** What the WebSocket handler (src/handlers/ws.ts) runs on; the full Engine has it too. */
export interface WsEngine {
  readonly logger: Logger;
  readonly ws: WsProtocol;
  readonly poster: Poster;
  readonly metrics: Metrics;
}

/**
 * The WebSocket Lambda's composition root: the protocol, GraphQL for what
 * answers within the request, and the queue for every operation that may run
 * an agent (AGENT_FIELDS): those run in the work queue's function, so this
 * bundle carries no agent runtime, tool runner, MCP or Lambda client.
 */
export function createWsEngine(config: Config): WsEngine {
  const core = createCore(config, { bedrock: absentBedrockGuardrail('WebSocket') });
  // With a queue, AGENT_FIELDS never reach the operation hub here; without one they are refused loudly.
  wireLeanServices(core, 'WebSocket', 'no-queue');
  const ws = createWsProtocol({
    store: core.store,
    poster: core.poster,
    verifier: core.verifier,
    delivery: core.delivery,
    assertSessionAccess: core.assertSessionAccess,
    get yoga() {
      return core.yoga();
    },
    logger: core.logger,
    contextFor: core.contextFor,
    ...(core.enqueue && { enqueue: core.enqueue }),
    queuedFields: AGENT_FIELDS,
  });
  return { logger: core.logger, ws, poster: core.poster, metrics: core.metrics };
}
