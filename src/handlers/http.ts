import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { tokenFromRequest } from '../transport/auth.js';
import { selectsLongField } from '../transport/operation.js';
import type { Engine } from '../wiring.js';
import { lambdaEngine } from './lazy-engine.js';

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
  engine: Engine,
  request: Request,
  options: GraphQLRequestOptions = {},
): Promise<Response> {
  const wantsPage = request.method === 'GET' && (request.headers.get('accept') ?? '').includes('text/html');
  if (wantsPage && engine.graphiql) {
    const page = new URL(request.url);
    page.search = '';
    return engine.yoga.fetch(new Request(page, { headers: request.headers }), engine.httpContext(anonymous));
  }
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
    const response = await handleGraphQLRequest(engine, new Request(url, { method, headers, body }), {
      refuseLongOperations: true,
    });
    return {
      statusCode: response.status,
      headers: Object.fromEntries(response.headers.entries()),
      body: await response.text(),
    };
  };
}

export const handler = createHttpHandler(lambdaEngine);
