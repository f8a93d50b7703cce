import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

/** A local HTTP server on 127.0.0.1 whose answers the test decides; it records every request. */
export async function startServer(answer: (req: SeenRequest, res: ServerResponse) => void) {
  const seen: SeenRequest[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      const request = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      seen.push(request);
      answer(request, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Streams `totalBytes` honouring backpressure (waits for 'drain'), so what it
 * managed to write is what the client actually pulled. Resolves how many bytes
 * were written once the connection is closed (by the client, or at the end).
 */
export function streamHuge(res: ServerResponse, totalBytes: number): Promise<number> {
  const chunk = Buffer.alloc(64 * 1024, 'a');
  let written = 0;
  return new Promise((resolve) => {
    res.on('close', () => resolve(written));
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(totalBytes) });
    const pump = () => {
      while (written < totalBytes && !res.destroyed) {
        written += chunk.length;
        if (!res.write(chunk)) {
          res.once('drain', pump);
          return;
        }
      }
      if (written >= totalBytes) res.end();
    };
    pump();
  });
}
