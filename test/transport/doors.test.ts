import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpHandler, handleGraphQLRequest } from '../../src/handlers/http.js';
import { DEMO } from '../../src/local/seed.js';
import type { LocalStack } from '../../src/local/stack.js';
import type { GraphqlOperationMessage } from '../../src/queue/operation-message.js';
import { buildContext, createWsProtocol } from '../../src/transport/ws-protocol.js';
import { createEngine, type Engine } from '../../src/wiring.js';
import { startTestStack } from './support.js';

/** Issue 9: the anonymous HTTP path, and root fields decided after fragments are expanded. */
let stack: LocalStack;
let lambdaEngine: Engine;
beforeAll(async () => {
  stack = await startTestStack({}, { seed: true });
  // What the Lambda handler builds: the same config, GraphiQL off.
  lambdaEngine = createEngine(stack.engine.config, { logger: stack.engine.logger });
});
afterAll(async () => {
  await stack?.close();
});

function getEvent(rawQueryString: string, headers: Record<string, string>): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/graphql',
    rawQueryString,
    headers,
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'abc.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'abc',
      http: { method: 'GET', path: '/graphql', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'x' },
      requestId: 'r',
      routeKey: '$default',
      stage: '$default',
      time: '',
      timeEpoch: 0,
    },
    isBase64Encoded: false,
  };
}

const browserAccept = { accept: 'text/html, application/json' };

describe('every request that executes an operation needs a token', () => {
  it.each([
    ['a query', `query=${encodeURIComponent('{ coordinationList { total } }')}`],
    ['introspection', `query=${encodeURIComponent('{ __schema { queryType { name } } }')}`],
  ])('an anonymous browser-style GET with %s answers 401 in Lambda and runs nothing', async (_label, qs) => {
    const handle = createHttpHandler(() => lambdaEngine);
    const answer = await handle(getEvent(qs, browserAccept));
    expect(answer.statusCode).toBe(401);
    expect(JSON.parse(answer.body ?? '{}')).toMatchObject({
      errors: [{ extensions: { code: 'UNAUTHENTICATED' } }],
    });
    expect(answer.body).not.toContain('"data"');
  });

  it('where GraphiQL is on, the page is served without a token, but its query string is never executed', async () => {
    const url = `${stack.httpUrl}?query=${encodeURIComponent('{ coordinationList { total } }')}`;
    const page = await handleGraphQLRequest(stack.engine, new Request(url, { headers: browserAccept }));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).not.toContain('"coordinationList":{');
    const json = await handleGraphQLRequest(
      stack.engine,
      new Request(url, { headers: { accept: 'application/json' } }),
    );
    expect(json.status).toBe(401);
  });

  it.each([
    ['plain', 'query ($c: String!) { askOperationHub(coordinationUuid: $c, userQuery: "hi") { answer } }'],
    [
      'in an inline fragment',
      'query ($c: String!) { ... on Query { askOperationHub(coordinationUuid: $c, userQuery: "hi") { answer } } }',
    ],
    [
      'in a named fragment',
      'query ($c: String!) { ...Ask } fragment Ask on Query { askOperationHub(coordinationUuid: $c, userQuery: "hi") { answer } }',
    ],
  ])(
    'over the HTTP API, askOperationHub (%s) is refused with a pointer to the WebSocket',
    async (_label, query) => {
      const handle = createHttpHandler(() => lambdaEngine);
      const qs = `query=${encodeURIComponent(query)}&variables=${encodeURIComponent(JSON.stringify({ c: DEMO.coordinationUuid }))}`;
      const answer = await handle(getEvent(qs, { authorization: `Bearer ${await stack.token()}` }));
      expect(answer.statusCode).toBe(400);
      const body = JSON.parse(answer.body ?? '{}') as {
        errors: { message: string; extensions: { code: string } }[];
      };
      expect(body.errors[0]?.extensions.code).toBe('USE_WEBSOCKET');
      expect(body.errors[0]?.message).toContain('WebSocket');
    },
  );
});

describe('long operations over the WebSocket are queued, however they are spelled', () => {
  async function subscribeWith(query: string) {
    const { engine } = stack;
    const queued: GraphqlOperationMessage[] = [];
    const posted: Record<string, unknown>[] = [];
    const protocol = createWsProtocol({
      store: engine.store,
      poster: {
        post: async (_c: string, message: Record<string, unknown>) => {
          posted.push(message);
          return true;
        },
        close: async () => undefined,
      } as unknown as Engine['poster'],
      verifier: engine.verifier,
      delivery: engine.delivery,
      assertSessionAccess: async () => undefined,
      yoga: engine.yoga,
      logger: engine.logger,
      contextFor: (caller, c, o, emit) =>
        buildContext(
          { repos: engine.repos, services: engine.services, logger: engine.logger },
          caller,
          c,
          o,
          emit,
        ),
      enqueue: async (message) => {
        queued.push(message);
      },
    });
    const connectionId = `conn-${Math.random().toString(36).slice(2)}=`;
    const connected = await protocol.connect({
      connectionId,
      headers: { authorization: `Bearer ${await stack.token()}` },
      query: {},
    });
    expect(connected.statusCode).toBe(200);
    await protocol.message(connectionId, JSON.stringify({ type: 'connection_init' }));
    await protocol.message(
      connectionId,
      JSON.stringify({
        type: 'subscribe',
        id: 'op',
        payload: { query, variables: { c: DEMO.coordinationUuid } },
      }),
    );
    return { queued, posted };
  }

  it.each([
    ['plain', 'query ($c: String!) { askOperationHub(coordinationUuid: $c, userQuery: "hi") { answer } }'],
    [
      'in an inline fragment',
      'query ($c: String!) { ... on Query { askOperationHub(coordinationUuid: $c, userQuery: "hi") { answer } } }',
    ],
    [
      'in a named fragment',
      'query ($c: String!) { ...Ask } fragment Ask on Query { askOperationHub(coordinationUuid: $c, userQuery: "hi") { answer } }',
    ],
  ])('askOperationHub %s goes to the queue and runs nothing inline', async (_label, query) => {
    const { queued, posted } = await subscribeWith(query);
    expect(queued.map((m) => m.type)).toEqual(['graphql_operation']);
    expect(queued[0]?.query).toBe(query);
    expect(posted.filter((m) => m.type === 'next')).toEqual([]);
  });

  it('a short query runs inline', async () => {
    const { queued, posted } = await subscribeWith(
      'query ($c: String!) { ... on Query { coordination(coordinationUuid: $c) { coordinationName } } }',
    );
    expect(queued).toEqual([]);
    expect(posted.find((m) => m.type === 'next')).toMatchObject({
      type: 'next',
      payload: { data: { coordination: { coordinationName: 'Product launch' } } },
    });
  });
});
