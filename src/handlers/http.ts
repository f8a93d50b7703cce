import { fileURLToPath } from 'node:url';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { createHttpRoutes, routedPath } from '../http/routes.js';
import { lambdaEntry } from '../telemetry/lambda.js';
import { tokenFromRequest } from '../transport/auth.js';
import { selectsLongField } from '../transport/operation.js';
import { createHttpEngine, type HttpEngine } from '../wiring/http.js';
import { lazyEngine } from './lazy-engine.js';

export interface GraphQLRequestOptions {
  /** Behind API Gateway (29 s): operations that can outlast it are refused with a pointer to the WebSocket. */
  readonly refuseLongOperations?: boolean;
}

/**
 * GraphQL over HTTP with the caller from `Authorization: Bearer <jwt>`.
 * The GraphiQL page (a browser GET, only where GraphiQL is on) needs no token
 * and runs nothing: it is served from a request stripped of its query string.
 * Every operation needs a token. Used by the Lambda handler below and the local stack.
 */
export async function handleGraphQLRequest(
  engine: HttpEngine,
  request: Request,
  options: GraphQLRequestOptions = {},
): Promise<Response> {
  const wantsPage = request.method === 'GET' && (request.headers.get('accept') ?? '').includes('text/html');
  if (wantsPage && engine.graphiql) {
    const page = new URL(request.url);
    page.search = '';
    return engine.yoga.fetch(new Request(page, { headers: request.headers }), engine.httpContext(anonymous));
  }
  let caller: Awaited<ReturnType<HttpEngine['verifier']['verify']>>;
  try {
    const headers = Object.fromEntries(request.headers.entries());
    caller = await engine.verifier.verify(tokenFromRequest({ headers }));
  } catch (error) {
    return Response.json(
      { errors: [{ message: (error as Error).message, extensions: { code: 'UNAUTHENTICATED' } }] },
      { status: 401, headers: { 'www-authenticate': 'Bearer' } },
    );
  }
  if (options.refuseLongOperations && selectsLongField(...(await operationOf(request)))) {
    return Response.json(
      {
        errors: [
          {
            message:
              "askOperationHub can outlast the HTTP API's 29-second limit: send it over the WebSocket endpoint, where it runs from the queue and streams its answer.",
            extensions: { code: 'USE_WEBSOCKET' },
          },
        ],
      },
      { status: 400 },
    );
  }
  return engine.yoga.fetch(request, engine.httpContext(caller));
}

/** The query text and operation name of a GET or a JSON POST (yoga parses it again to run it). */
async function operationOf(request: Request): Promise<[string, string | null]> {
  if (request.method === 'GET') {
    const params = new URL(request.url).searchParams;
    return [params.get('query') ?? '', params.get('operationName')];
  }
  try {
    const body = (await request.clone().json()) as { query?: unknown; operationName?: unknown };
    return [
      typeof body.query === 'string' ? body.query : '',
      typeof body.operationName === 'string' ? body.operationName : null,
    ];
  } catch {
    return ['', null];
  }
}

// The GraphiQL page runs no operation; this placeholder caller is never used to read data.
const anonymous = {
  tenant: Object.freeze({ endpointId: '-', partId: '-', partitionKey: '-#-' }),
  userId: 'anonymous',
};

/**
 * Lambda Function URL / HTTP API (payload v2): /health, /health/detailed and
 * the session page under /ui/ (built into ./ui beside the bundle), GraphQL on
 * any other path.
 */
export function createHttpHandler(getEngine: () => HttpEngine, options: { uiDir?: string } = {}) {
  let route: ReturnType<typeof createHttpRoutes> | undefined;
  return async function handle(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
    const engine = getEngine();
    route ??= createHttpRoutes(engine, {
      uiDir: options.uiDir ?? fileURLToPath(new URL('./ui/', import.meta.url)),
      graphql: { refuseLongOperations: true },
    });
    const url = `https://${event.requestContext.domainName}${routedPath(event.rawPath)}${event.rawQueryString ? `?${event.rawQueryString}` : ''}`;
    const headers = new Headers();
    for (const [name, value] of Object.entries(event.headers ?? {}))
      if (value !== undefined) headers.set(name, value);
    if (event.cookies?.length) headers.set('cookie', event.cookies.join('; '));
    const method = event.requestContext.http.method;
    const body =
      event.body !== undefined && method !== 'GET' && method !== 'HEAD'
        ? event.isBase64Encoded
          ? Buffer.from(event.body, 'base64')
          : event.body
        : undefined;
    const response = await route(new Request(url, { method, headers, body }));
    return {
      statusCode: response.status,
      headers: Object.fromEntries(response.headers.entries()),
      body: await response.text(),
    };
  };
}

// This function's own root: no agent runtime; operations that run one answer USE_WEBSOCKET (src/wiring/http.ts).
const lambdaEngine = lazyEngine(createHttpEngine);

export const handler: (
  event: APIGatewayProxyEventV2,
  context?: Context,
) => Promise<APIGatewayProxyStructuredResultV2> = lambdaEntry(createHttpHandler(lambdaEngine), () =>
  lambdaEngine(),
);
