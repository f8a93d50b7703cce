import { type GraphQLRequestOptions, handleGraphQLRequest } from '../handlers/http.js';
import { healthResponse } from '../health/health.js';
import type { HttpEngine } from '../wiring/http.js';
import { createUiAssets, type UiPageConfig } from './static-assets.js';

/**
 * The HTTP surface shared by the HTTP Lambda and the local stack:
 * GET /health and /health/detailed, the session page under /ui/, and
 * GraphQL (with GraphiQL where enabled) on every other path.
 */
export interface HttpRoutesOptions {
  /** The built session page (dist/ui locally; ./ui beside the Lambda bundle). */
  readonly uiDir: string;
  /** What the page is told about endpoints (config.json). */
  readonly uiConfig?: (request: Request) => UiPageConfig;
  /** Extra fields of GET /health (the local stack lists its URLs). */
  readonly healthExtra?: Record<string, unknown>;
  /** How GraphQL requests are handled (the Lambda refuses operations that outlast API Gateway). */
  readonly graphql?: GraphQLRequestOptions;
}

/** The path a Lambda request is routed by: its own for health and the page, /graphql for anything else. */
export function routedPath(rawPath: string | undefined): string {
  if (
    rawPath &&
    (rawPath === '/health' ||
      rawPath === '/health/detailed' ||
      rawPath === '/ui' ||
      rawPath.startsWith('/ui/'))
  )
    return rawPath;
  return '/graphql';
}

export function createHttpRoutes(engine: HttpEngine, options: HttpRoutesOptions) {
  const ui = createUiAssets(options.uiDir);
  const defaultUiConfig = (): UiPageConfig => ({
    graphqlUrl: '/graphql',
    ...(engine.config.ACE_WS_URL && { wsUrl: engine.config.ACE_WS_URL }),
  });
  return async function route(request: Request): Promise<Response> {
    const { pathname } = new URL(request.url);
    if (request.method === 'GET' || request.method === 'HEAD') {
      const health = await healthResponse(pathname, engine.healthChecks, options.healthExtra);
      if (health) return health;
      const page = await ui(pathname, (options.uiConfig ?? defaultUiConfig)(request));
      if (page) return page;
    }
    return handleGraphQLRequest(engine, request, options.graphql);
  };
}
