import { CloseCode } from 'graphql-ws';
import * as z from 'zod';
import { lambdaEntry } from '../telemetry/lambda.js';
import { createWsEngine, type WsEngine } from '../wiring/ws.js';
import { lazyEngine } from './lazy-engine.js';

/** The parts of an API Gateway v2 WebSocket event the transport reads (validated at the edge). */
const StringMap = z.record(z.string(), z.string().optional()).nullish();
export const WebSocketEventSchema = z.object({
  requestContext: z.looseObject({
    routeKey: z.string(),
    eventType: z.enum(['CONNECT', 'MESSAGE', 'DISCONNECT']).optional(),
    connectionId: z.string().min(1),
    authorizer: z.record(z.string(), z.unknown()).nullish(),
  }),
  headers: StringMap,
  queryStringParameters: StringMap,
  body: z.string().nullish(),
  isBase64Encoded: z.boolean().optional(),
});
export type WebSocketEvent = z.infer<typeof WebSocketEventSchema>;

export interface WebSocketResult {
  statusCode: number;
  headers?: Record<string, string>;
  body?: string;
}

/**
 * API Gateway WebSocket routes `$connect`, `$disconnect`, `$default`: a thin
 * adapter over the graphql-transport-ws protocol in src/transport. The local
 * stack calls the same function with the same event shapes.
 */
export function createWsHandler(getEngine: () => WsEngine) {
  return async function handle(rawEvent: unknown): Promise<WebSocketResult> {
    const engine = getEngine();
    const parsed = WebSocketEventSchema.safeParse(rawEvent);
    if (!parsed.success) {
      engine.logger.warn({ issues: parsed.error.issues.length }, 'not an API Gateway WebSocket event');
      return { statusCode: 400, body: 'Bad event' };
    }
    const event = parsed.data;
    const { connectionId, routeKey } = event.requestContext;
    switch (routeKey) {
      case '$connect':
        return engine.ws.connect({
          connectionId,
          headers: event.headers ?? {},
          query: event.queryStringParameters ?? {},
          authorizer: event.requestContext.authorizer ?? null,
        });
      case '$disconnect':
        await engine.ws.disconnect(connectionId);
        return { statusCode: 200 };
      default: {
        const body = event.isBase64Encoded
          ? Buffer.from(event.body ?? '', 'base64').toString('utf8')
          : (event.body ?? '');
        try {
          await engine.ws.message(connectionId, body);
        } catch (error) {
          // An API Gateway error frame would break the protocol: log, then close as the protocol says.
          engine.logger.error({ err: error, connectionId }, 'websocket message failed');
          await engine.poster
            .close(connectionId, CloseCode.InternalServerError, 'Internal server error')
            .catch(() => {});
        }
        return { statusCode: 200 };
      }
    }
  };
}

// This function's own root: operations that may run an agent go to the queue (src/wiring/ws.ts).
const lambdaEngine = lazyEngine(createWsEngine);

export const handler: (event: unknown) => Promise<WebSocketResult> = lambdaEntry(
  createWsHandler(lambdaEngine),
  lambdaEngine,
);
