import {
  type ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GoneException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import type { Logger } from 'pino';
import type { ConnectionStore } from './connection-store.js';
import { fitMessages } from './fit-message.js';

/** Headers our local `@connections` endpoint reads to close with a protocol code (API Gateway ignores them). */
export const CLOSE_CODE_HEADER = 'x-ace-close-code';
export const CLOSE_REASON_HEADER = 'x-ace-close-reason';

/**
 * Everything the transport sends to a client goes through here: the real
 * ApiGatewayManagementApiClient. A GoneException means the client left without
 * a $disconnect reaching us yet: its connection and operations are removed.
 */
export interface Poster {
  /** False when the connection is gone (and now cleaned up). */
  post(connectionId: string, message: Record<string, unknown>): Promise<boolean>;
  /** Closes the socket; on AWS API Gateway the close code is its own (see docs/TRANSPORTS.md). */
  close(connectionId: string, code: number, reason: string): Promise<void>;
}

export function createPoster(deps: {
  client: ApiGatewayManagementApiClient;
  store: ConnectionStore;
  logger: Logger;
}): Poster {
  const { client, store, logger } = deps;
  return {
    async post(connectionId, message) {
      try {
        // A large result leaves as several messages, in order (fit-message.ts).
        for (const text of fitMessages(message)) {
          await client.send(
            new PostToConnectionCommand({ ConnectionId: connectionId, Data: Buffer.from(text) }),
          );
        }
        return true;
      } catch (error) {
        if (isGone(error)) {
          logger.info({ connectionId }, 'connection gone: removing it and its subscriptions');
          await store.removeConnection(connectionId);
          return false;
        }
        throw error;
      }
    },

    async close(connectionId, code, reason) {
      const command = new DeleteConnectionCommand({ ConnectionId: connectionId });
      command.middlewareStack.add(
        (next) => async (args) => {
          const request = args.request as { headers?: Record<string, string> };
          if (request.headers) {
            request.headers[CLOSE_CODE_HEADER] = String(code);
            // A close reason is at most 123 bytes: keep it short and printable ASCII.
            request.headers[CLOSE_REASON_HEADER] = encodeURIComponent(
              reason.replace(/[^\x20-\x7E]/g, '?').slice(0, 100),
            );
          }
          return next(args);
        },
        { step: 'build', name: 'aceCloseCode' },
      );
      // Forget the connection first: once the socket is closed nothing of it may remain.
      await store.removeConnection(connectionId);
      try {
        await client.send(command);
      } catch (error) {
        if (!isGone(error)) throw error;
      }
    },
  };
}

function isGone(error: unknown): boolean {
  return error instanceof GoneException || (error as { name?: string }).name === 'GoneException';
}
