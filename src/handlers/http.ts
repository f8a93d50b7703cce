import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
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

/** Lambda Function URL / HTTP API (payload v2): any path serves the GraphQL endpoint. */
export function createHttpHandler(getEngine: () => Engine) {
  return async function handle(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
    const engine = getEngine();
    const url = `https://${event.requestContext.domainName}/graphql${event.rawQueryString ? `?${event.rawQueryString}` : ''}`;
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
    const response = await handleGraphQLRequest(engine, new Request(url, { method, headers, body }));
    return {
      statusCode: response.status,
      headers: Object.fromEntries(response.headers.entries()),
      body: await response.text(),
    };
  };
}

export const handler = createHttpHandler(lambdaEngine);
