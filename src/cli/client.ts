import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { Connection } from './connection.js';
import { CliError, ExitCode, exitCodeOf } from './exit-codes.js';

type GraphQLErrors = readonly { message: string; extensions?: { code?: string } }[];

function raise(errors: GraphQLErrors): never {
  const code = errors[0]?.extensions?.code;
  throw new CliError(errors.map((e) => e.message).join('; '), exitCodeOf(code));
}

/** The engine's GraphQL API as `ace` uses it: HTTP for queries and mutations, graphql-ws for streams. */
export class AceClient {
  private ws: Client | undefined;

  constructor(readonly connection: Connection & { token: string }) {}

  async query<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
    let response: Response;
    try {
      response = await fetch(this.connection.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.connection.token}` },
        body: JSON.stringify({ query, variables }),
      });
    } catch (error) {
      throw new CliError(
        `cannot reach ${this.connection.graphqlUrl}: ${(error as Error).cause ?? (error as Error).message}`,
        ExitCode.Unreachable,
      );
    }
    const body = (await response.json().catch(() => ({}))) as { data?: T; errors?: GraphQLErrors };
    if (body.errors?.length) raise(body.errors);
    if (!response.ok) throw new CliError(`HTTP ${response.status}`, ExitCode.Failed);
    return body.data as T;
  }

  private socket(): Client {
    this.ws ??= createClient({
      url: `${this.connection.wsUrl}?token=${encodeURIComponent(this.connection.token)}`,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      lazy: true,
    });
    return this.ws;
  }

  /**
   * A subscription (or a streamed query): `onNext` gets each result in
   * order; resolves when the server completes it.
   */
  stream<T>(
    query: string,
    variables: Record<string, unknown>,
    onNext: (result: { data?: T | null; extensions?: Record<string, unknown> }) => void | Promise<void>,
  ): Promise<void> {
    return new Promise((resolve, reject) => {
      let chain = Promise.resolve();
      this.socket().subscribe<T, Record<string, unknown>>(
        { query, variables },
        {
          next: (result) => {
            if (result.errors?.length) {
              try {
                raise(result.errors as GraphQLErrors);
              } catch (error) {
                reject(error);
              }
              return;
            }
            chain = chain.then(() => onNext(result as never)).catch(reject);
          },
          error: (error: unknown) => {
            if (Array.isArray(error)) {
              try {
                raise(error as GraphQLErrors);
              } catch (e) {
                reject(e);
              }
              return;
            }
            const text =
              error instanceof Error
                ? error.message
                : (error as { reason?: string; code?: number })?.reason ||
                  `socket closed (${String((error as { code?: number })?.code)})`;
            reject(
              new CliError(`cannot stream from ${this.connection.wsUrl}: ${text}`, ExitCode.Unreachable),
            );
          },
          complete: () => {
            chain.then(resolve, reject);
          },
        },
      );
    });
  }

  async close(): Promise<void> {
    await this.ws?.dispose();
  }
}
