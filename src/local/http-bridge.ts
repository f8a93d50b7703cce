import type { IncomingMessage, ServerResponse } from 'node:http';

/** Node request -> Fetch Request (the body is read fully; local GraphQL bodies are small). */
export async function toFetchRequest(request: IncomingMessage, origin: string): Promise<Request> {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  const method = request.method ?? 'GET';
  let body: Buffer | undefined;
  if (method !== 'GET' && method !== 'HEAD') {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    body = Buffer.concat(chunks);
  }
  return new Request(new URL(request.url ?? '/', origin), {
    method,
    headers,
    body: body && new Uint8Array(body),
  });
}

/** Fetch Response -> Node response, streamed (GraphiQL subscriptions use server-sent events). */
export async function writeFetchResponse(response: Response, target: ServerResponse): Promise<void> {
  target.writeHead(response.status, Object.fromEntries(response.headers.entries()));
  if (!response.body) {
    target.end();
    return;
  }
  // yoga answers with its own stream ponyfill, so read it through the reader API.
  const reader = response.body.getReader();
  target.on('close', () => {
    reader.cancel().catch(() => undefined);
  });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!target.write(value)) await new Promise((resolve) => target.once('drain', resolve));
    }
  } catch {
    // the client went away mid-stream (a closed GraphiQL subscription)
  }
  target.end();
}
