import { createServer, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { EventStreamCodec } from '@smithy/core/event-streams';

const toUtf8 = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const fromUtf8 = (text: string) => new TextEncoder().encode(text);
const codec = new EventStreamCodec(toUtf8, fromUtf8);

/** One frame of an AWS event stream: an event (`:message-type: event`) or a modeled exception. */
export function encodeEvent(eventType: string, payload: unknown): Uint8Array {
  return codec.encode({
    headers: {
      ':message-type': { type: 'string', value: 'event' },
      ':event-type': { type: 'string', value: eventType },
      ':content-type': { type: 'string', value: 'application/json' },
    },
    body: fromUtf8(JSON.stringify(payload)),
  });
}

export function encodeException(exceptionType: string, message: string): Uint8Array {
  return codec.encode({
    headers: {
      ':message-type': { type: 'string', value: 'exception' },
      ':exception-type': { type: 'string', value: exceptionType },
      ':content-type': { type: 'string', value: 'application/json' },
    },
    body: fromUtf8(JSON.stringify({ message })),
  });
}

export interface RecordedH2Request {
  readonly path: string;
  readonly headers: Http2ServerRequest['headers'];
  readonly json: unknown;
}

export type H2Handler = (request: RecordedH2Request, response: Http2ServerResponse, index: number) => unknown;

/**
 * A cleartext HTTP/2 server (the Bedrock runtime client speaks HTTP/2) that
 * records requests and lets the test answer with event-stream frames.
 */
export async function startH2Server(handler: H2Handler) {
  const requests: RecordedH2Request[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const recorded = { path: req.url, headers: req.headers, json: body ? JSON.parse(body) : undefined };
    requests.push(recorded);
    await handler(recorded, res, requests.length - 1);
  });
  const sessions = new Set<import('node:http2').ServerHttp2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const session of sessions) session.destroy();
        server.close(() => resolve());
      }),
  };
}
