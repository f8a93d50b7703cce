import { randomBytes, randomUUID } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { type WebSocket, WebSocketServer } from 'ws';
import type { WebSocketResult } from '../handlers/ws.js';
import { MAX_MESSAGE_BYTES } from '../transport/fit-message.js';
import { CLOSE_CODE_HEADER, CLOSE_REASON_HEADER } from '../transport/poster.js';

/**
 * A local stand-in for API Gateway's WebSocket API: each connection, frame
 * and close becomes the real API Gateway v2 event for the same Lambda
 * handler, and `/{stage}/@connections/{id}` serves the management API the
 * real ApiGatewayManagementApiClient posts to (410 once a connection is gone).
 * Like API Gateway, a frame over 128 KB closes the socket with 1009; frames of
 * one connection are handed to the handler one at a time, in order.
 */
export interface LocalGatewayOptions {
  readonly stage: string;
  readonly paths: readonly string[];
  readonly handler: (event: unknown) => Promise<WebSocketResult>;
  readonly logger: Logger;
  readonly apiId?: string;
}

interface LiveConnection {
  readonly socket: WebSocket;
  readonly connectedAt: number;
  readonly sourceIp: string;
  lastActiveAt: number;
  queue: Promise<void>;
}

export function createLocalGateway(server: Server, options: LocalGatewayOptions) {
  const { stage, handler, logger } = options;
  const apiId = options.apiId ?? 'local';
  const live = new Map<string, LiveConnection>();
  const chosenProtocol = new WeakMap<IncomingMessage, string>();
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_MESSAGE_BYTES,
    handleProtocols: (_offered, request) => chosenProtocol.get(request) ?? false,
  });

  const domainName = () => {
    const address = server.address();
    return typeof address === 'object' && address ? `127.0.0.1:${address.port}` : 'localhost';
  };

  function requestContext(
    connectionId: string,
    routeKey: string,
    eventType: string,
    connectedAt: number,
    ip: string,
  ) {
    const now = Date.now();
    return {
      routeKey,
      eventType,
      messageDirection: 'IN',
      ...(eventType === 'MESSAGE' && { messageId: randomBytes(8).toString('base64url') }),
      extendedRequestId: randomUUID(),
      requestTime: new Date(now).toUTCString(),
      requestTimeEpoch: now,
      stage,
      connectedAt,
      requestId: randomUUID(),
      domainName: domainName(),
      connectionId,
      apiId,
      identity: { sourceIp: ip },
    };
  }

  function enqueue(connectionId: string, work: () => Promise<unknown>) {
    const connection = live.get(connectionId);
    if (!connection) return;
    connection.queue = connection.queue.then(work).then(
      () => undefined,
      (error: unknown) => logger.error({ err: error, connectionId }, 'websocket handler failed'),
    );
  }

  async function onUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer) {
    const url = new URL(request.url ?? '/', 'http://local');
    if (!options.paths.includes(url.pathname)) return refuse(socket, 404, 'Not Found');
    const connectionId = `${randomBytes(9).toString('base64url')}=`;
    const connectedAt = Date.now();
    const sourceIp = request.socket.remoteAddress ?? '127.0.0.1';
    const headers = Object.fromEntries(
      Object.entries(request.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : (v ?? '')]),
    );
    const query = Object.fromEntries(url.searchParams.entries());
    let result: WebSocketResult;
    try {
      result = await handler({
        requestContext: requestContext(connectionId, '$connect', 'CONNECT', connectedAt, sourceIp),
        headers,
        multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
        ...(url.search && {
          queryStringParameters: query,
          multiValueQueryStringParameters: Object.fromEntries(
            Object.entries(query).map(([k, v]) => [k, [v]]),
          ),
        }),
        isBase64Encoded: false,
      });
    } catch (error) {
      logger.error({ err: error }, '$connect handler failed');
      result = { statusCode: 500, body: 'Internal server error' };
    }
    if (result.statusCode !== 200) return refuse(socket, result.statusCode, result.body ?? '');
    const protocol = result.headers?.['Sec-WebSocket-Protocol'] ?? result.headers?.['sec-websocket-protocol'];
    if (protocol) chosenProtocol.set(request, protocol);
    wss.handleUpgrade(request, socket, head, (ws) => {
      const connection: LiveConnection = {
        socket: ws,
        connectedAt,
        sourceIp,
        lastActiveAt: Date.now(),
        queue: Promise.resolve(),
      };
      live.set(connectionId, connection);
      ws.on('message', (data, isBinary) => {
        connection.lastActiveAt = Date.now();
        const body = Buffer.isBuffer(data)
          ? data
          : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]);
        enqueue(connectionId, () =>
          handler({
            requestContext: requestContext(connectionId, '$default', 'MESSAGE', connectedAt, sourceIp),
            body: isBinary ? body.toString('base64') : body.toString('utf8'),
            isBase64Encoded: isBinary,
          }),
        );
      });
      // An oversized frame closes the socket with 1009 (as API Gateway does); nothing else to do.
      ws.on('error', (error) => logger.debug({ err: error, connectionId }, 'websocket error'));
      ws.on('close', (code, reason) => {
        enqueue(connectionId, async () => {
          await handler({
            requestContext: {
              ...requestContext(connectionId, '$disconnect', 'DISCONNECT', connectedAt, sourceIp),
              disconnectStatusCode: code,
              disconnectReason: reason.toString(),
            },
            headers: { Host: domainName() },
            isBase64Encoded: false,
          });
          live.delete(connectionId);
        });
      });
    });
  }

  /** `/{stage}/@connections/{id}`: POST sends, DELETE closes, GET describes; 410 when gone. */
  async function onConnectionsRequest(request: IncomingMessage, response: ServerResponse): Promise<boolean> {
    const url = new URL(request.url ?? '/', 'http://local');
    const prefix = `/${stage}/@connections/`;
    if (!url.pathname.startsWith(prefix)) return false;
    const connectionId = decodeURIComponent(url.pathname.slice(prefix.length));
    const connection = live.get(connectionId);
    const body = await readBody(request);
    if (!connection || connection.socket.readyState !== connection.socket.OPEN) {
      response.writeHead(410, { 'content-type': 'application/json', 'x-amzn-errortype': 'GoneException' });
      response.end(JSON.stringify({ message: `Connection ${connectionId} is gone` }));
      return true;
    }
    if (request.method === 'POST') {
      if (body.length > MAX_MESSAGE_BYTES) {
        response.writeHead(413, {
          'content-type': 'application/json',
          'x-amzn-errortype': 'PayloadTooLargeException',
        });
        response.end(JSON.stringify({ message: 'Message too long' }));
        return true;
      }
      connection.socket.send(body.toString('utf8'));
      response.writeHead(200).end();
    } else if (request.method === 'DELETE') {
      const code = Number(request.headers[CLOSE_CODE_HEADER] ?? 1000);
      const reason = decodeURIComponent(String(request.headers[CLOSE_REASON_HEADER] ?? ''));
      connection.socket.close(Number.isInteger(code) && code >= 1000 && code < 5000 ? code : 1000, reason);
      response.writeHead(204).end();
    } else {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          ConnectedAt: new Date(connection.connectedAt).toISOString(),
          Identity: { SourceIp: connection.sourceIp },
          LastActiveAt: new Date(connection.lastActiveAt).toISOString(),
        }),
      );
    }
    return true;
  }

  server.on('upgrade', (request, socket, head) => {
    onUpgrade(request, socket, head).catch((error: unknown) => {
      logger.error({ err: error }, 'websocket upgrade failed');
      socket.destroy();
    });
  });

  return {
    onConnectionsRequest,
    /** Open connections (tests read it). */
    openConnections: () => live.size,
    async close() {
      for (const connection of live.values()) connection.socket.terminate();
      await Promise.all([...live.values()].map((c) => c.queue));
      wss.close();
    },
  };
}

export type LocalGateway = ReturnType<typeof createLocalGateway>;

function refuse(socket: Duplex, status: number, body: string) {
  const text = body || STATUS_CODES[status] || '';
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`,
  );
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}
