import { randomBytes } from 'node:crypto';
import { type Client, createClient } from 'graphql-ws';
import { inject } from 'vitest';
import WebSocket from 'ws';
import { type LocalStack, type LocalStackOptions, startLocalStack } from '../../src/local/stack.js';

/** The local stack on port 0 against the run's dynalite, with tables of its own. */
export function startTestStack(
  env: Record<string, string> = {},
  options: Partial<LocalStackOptions> = {},
): Promise<LocalStack> {
  return startLocalStack({
    ...options,
    dynamoEndpoint: inject('dynamoEndpoint'),
    sqsEndpoint: inject('sqsEndpoint'),
    s3: { endpoint: inject('s3Endpoint'), bucket: inject('payloadBucket') },
    tablePrefix: `t${randomBytes(4).toString('hex')}-`,
    logLevel: process.env.LOG_LEVEL ?? 'silent',
    env,
  });
}

export function wsClient(
  stack: LocalStack,
  token: string | undefined,
  extra: Partial<Parameters<typeof createClient>[0]> = {},
): Client {
  return createClient({
    url: token ? `${stack.wsUrl}?token=${encodeURIComponent(token)}` : stack.wsUrl,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: true,
    ...extra,
  });
}

/** Runs one query/mutation and returns its single result. */
export function request<T = Record<string, unknown>>(
  client: Client,
  query: string,
  variables?: Record<string, unknown>,
): Promise<{ data?: T | null; errors?: { message: string; extensions?: Record<string, unknown> }[] }> {
  return new Promise((resolve, reject) => {
    let result: unknown;
    client.subscribe(
      { query, ...(variables && { variables }) },
      {
        next: (value) => {
          result = value;
        },
        error: reject,
        complete: () => resolve(result as never),
      },
    );
  });
}

/** A raw `ws` socket speaking graphql-transport-ws by hand; collects messages and the close. */
export async function rawSocket(url: string, protocols: string | string[] = 'graphql-transport-ws') {
  const socket = new WebSocket(url, protocols);
  const messages: Record<string, unknown>[] = [];
  const waiters: (() => void)[] = [];
  let closed: { code: number; reason: string } | undefined;
  const notify = () => {
    for (const w of waiters.splice(0)) w();
  };
  socket.on('message', (data) => {
    messages.push(JSON.parse(data.toString()) as Record<string, unknown>);
    notify();
  });
  socket.on('close', (code, reason) => {
    closed = { code, reason: reason.toString() };
    notify();
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
    socket.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
  const until = async (check: () => boolean, what: string) => {
    const deadline = Date.now() + 10_000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  };
  return {
    socket,
    messages,
    send: (message: unknown) => socket.send(typeof message === 'string' ? message : JSON.stringify(message)),
    closed: () => closed,
    waitForClose: async () => {
      await until(() => closed !== undefined, 'close');
      return closed!;
    },
    waitForMessage: async (predicate: (m: Record<string, unknown>) => boolean) => {
      await until(() => messages.some(predicate), 'message');
      return messages.find(predicate)!;
    },
    close: () => socket.close(),
  };
}
