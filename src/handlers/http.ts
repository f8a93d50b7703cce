import { fileURLToPath } from 'node:url';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { createHttpRoutes, routedPath } from '../http/routes.js';
import { lambdaEntry } from '../telemetry/lambda.js';
import { tokenFromRequest } from '../transport/auth.js';
import type { Engine } from '../wiring.js';
import { lambdaEngine } from './lazy-engine.js';

/**
 * GraphQL over HTTP with the caller from `Authorization: Bearer <jwt>`.
 * The GraphiQL page (a browser GET, when enabled) needs no token; every
 * operation does. Used by the Lambda handler below and the local stack.
 */
export async function handleGraphQLRequest(engine: Engine, request: Request): Promise<Response> {
  const isPage = request.method === 'GET' && (request.headers.get('accept') ?? '').includes('text/html');
  if (isPage) return engine.yoga.fetch(request, engine.httpContext(anonymous));
  let caller: Awaited<ReturnType<Engine['verifier']['verify']>>;
  try {
    const headers = Object.fromEntries(request.headers.entries());
    caller = await engine.verifier.verify(tokenFromRequest({ headers }));
  } catch (error) {
    return Response.json(
      { errors: [{ message: (error as Error).message, extensions: { code: 'UNAUTHENTICATED' } }] },
      { status: 401, headers: { 'www-authenticate': 'Bearer' } },
    );
  }
  return engine.yoga.fetch(request, engine.httpContext(caller));
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
export function createHttpHandler(getEngine: () => Engine, options: { uiDir?: string } = {}) {
  let route: ReturnType<typeof createHttpRoutes> | undefined;
  return async function handle(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
    const engine = getEngine();
    route ??= createHttpRoutes(engine, {
      uiDir: options.uiDir ?? fileURLToPath(new URL('./ui/', import.meta.url)),
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

export const handler: (
  event: APIGatewayProxyEventV2,
  context?: Context,
) => Promise<APIGatewayProxyStructuredResultV2> = lambdaEntry(createHttpHandler(lambdaEngine), () =>
  lambdaEngine(),
);
