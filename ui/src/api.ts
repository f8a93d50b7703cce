import { type Client, createClient } from 'graphql-ws';

/**
 * The page's only ways to reach the engine: GraphQL over HTTP for queries and
 * mutations, graphql-ws for `sessionEvents`. Same origin by default; the
 * server's /ui/config.json names other endpoints where they differ (AWS).
 */
export interface UiConfig {
  readonly graphqlUrl: string;
  readonly wsUrl: string;
  /** The local stack's dev-token endpoint; absent when deployed. */
  readonly devTokenUrl?: string;
}

export class GraphQLRequestError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

export async function loadConfig(): Promise<UiConfig> {
  const response = await fetch('config.json', { cache: 'no-store' });
  const raw = (await response.json()) as Partial<UiConfig>;
  const graphqlUrl = new URL(raw.graphqlUrl ?? '/graphql', location.href).href;
  const wsUrl = raw.wsUrl ?? graphqlUrl.replace(/^http/, 'ws');
  return { graphqlUrl, wsUrl, ...(raw.devTokenUrl && { devTokenUrl: raw.devTokenUrl }) };
}

export interface Api {
  query<T>(query: string, variables?: Record<string, unknown>): Promise<T>;
  readonly ws: Client;
  dispose(): void;
}

export function createApi(config: UiConfig, token: string, onSocket: (state: string) => void): Api {
  const ws = createClient({
    url: `${config.wsUrl}${config.wsUrl.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}`,
    lazy: true,
    // No automatic re-subscribe: it would repeat the first cursor. live.ts subscribes again from the
    // last seq it applied, so a reconnect neither misses nor repeats an event.
    retryAttempts: 0,
    on: {
      connected: () => onSocket('live'),
      closed: () => onSocket('closed'),
      connecting: () => onSocket('connecting'),
    },
  });
  return {
    ws,
    dispose: () => void ws.dispose(),
    async query<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
      const response = await fetch(config.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await response.json()) as {
        data?: T;
        errors?: { message: string; extensions?: { code?: string } }[];
      };
      if (body.errors?.length) {
        const first = body.errors[0]!;
        throw new GraphQLRequestError(body.errors.map((e) => e.message).join('; '), first.extensions?.code);
      }
      return body.data as T;
    },
  };
}

/** The token's tenant and user, for the header (the server checks the token; this only displays). */
export function describeToken(token: string): string {
  try {
    const payload = JSON.parse(atob(token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as Record<
      string,
      unknown
    >;
    return `${String(payload.endpoint_id ?? '?')}#${String(payload.part_id ?? '?')} · ${String(payload.sub ?? '')}`;
  } catch {
    return 'token';
  }
}
