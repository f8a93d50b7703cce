import type { APIGatewayProxyEventV2, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthorizer } from '../../src/handlers/authorizer.js';
import { createHttpHandler } from '../../src/handlers/http.js';
import { createWsHandler } from '../../src/handlers/ws.js';
import { DEMO } from '../../src/local/seed.js';
import type { LocalStack } from '../../src/local/stack.js';
import { handleGraphqlOperation } from '../../src/transport/graphql-operation-message.js';
import { buildContext } from '../../src/transport/ws-protocol.js';
import { rawSocket, startTestStack } from './support.js';

/** The Lambda entry points called with API Gateway's event shapes, and the queued-operation consumer. */
let stack: LocalStack;
beforeAll(async () => {
  stack = await startTestStack({}, { seed: true });
});
afterAll(async () => {
  await stack?.close();
});

function httpEvent(body: string, headers: Record<string, string>): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/',
    rawQueryString: '',
    headers: { 'content-type': 'application/json', ...headers },
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'abc.lambda-url.us-east-1.on.aws',
      domainPrefix: 'abc',
      http: { method: 'POST', path: '/', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
      requestId: 'r',
      routeKey: '$default',
      stage: '$default',
      time: '',
      timeEpoch: 0,
    },
    body,
    isBase64Encoded: false,
  };
}

describe('HTTP handler (Function URL / HTTP API v2 event)', () => {
  it('runs an operation with a valid token and refuses one without', async () => {
    const handle = createHttpHandler(() => stack.engine);
    const body = JSON.stringify({ query: '{ coordinationList { total } }' });
    const ok = await handle(httpEvent(body, { authorization: `Bearer ${await stack.token()}` }));
    expect(ok.statusCode).toBe(200);
    expect(JSON.parse(ok.body ?? '{}').data.coordinationList.total).toBeGreaterThan(0);
    const base64 = await handle({
      ...httpEvent(Buffer.from(body).toString('base64'), { authorization: `Bearer ${await stack.token()}` }),
      isBase64Encoded: true,
    });
    expect(base64.statusCode).toBe(200);
    const refused = await handle(httpEvent(body, {}));
    expect(refused.statusCode).toBe(401);
  });
});

describe('REQUEST authorizer for $connect', () => {
  const event = (query: Record<string, string>, headers: Record<string, string> = {}) =>
    ({
      type: 'REQUEST',
      methodArn: 'arn:aws:execute-api:us-east-1:123456789012:api/dev/$connect',
      headers,
      queryStringParameters: query,
    }) as unknown as APIGatewayRequestAuthorizerEvent;

  it('allows a valid token and passes the tenant in its context; refuses the rest with "Unauthorized"', async () => {
    const authorize = createAuthorizer(stack.engine.verifier);
    const token = await stack.token({ endpoint_id: 'ep', part_id: 'pt', sub: 'carol' });
    const allowed = await authorize(event({ token }));
    expect(allowed.policyDocument.Statement[0]).toMatchObject({ Effect: 'Allow' });
    expect(allowed.context).toEqual({ endpoint_id: 'ep', part_id: 'pt', user_id: 'carol' });
    const viaProtocol = await authorize(
      event({}, { 'Sec-WebSocket-Protocol': `graphql-transport-ws, bearer.${token}` }),
    );
    expect(viaProtocol.principalId).toBe('carol');
    await expect(authorize(event({}))).rejects.toThrow('Unauthorized');
    await expect(authorize(event({ token: 'x.y.z' }))).rejects.toThrow('Unauthorized');
  });

  it('the $connect handler trusts the authorizer context and stores that tenant', async () => {
    const handle = createWsHandler(() => stack.engine);
    const result = await handle({
      requestContext: {
        routeKey: '$connect',
        eventType: 'CONNECT',
        connectionId: 'authorized-conn=',
        authorizer: { endpoint_id: 'ep', part_id: 'pt', user_id: 'carol', principalId: 'carol' },
      },
      headers: { 'Sec-WebSocket-Protocol': 'graphql-transport-ws' },
      isBase64Encoded: false,
    });
    expect(result).toEqual({
      statusCode: 200,
      headers: { 'Sec-WebSocket-Protocol': 'graphql-transport-ws' },
    });
    expect((await stack.engine.store.getConnection('authorized-conn='))?.partition_key).toBe('ep#pt');
    expect(await handle({ not: 'an event' })).toMatchObject({ statusCode: 400 });
  });
});

describe('queued operations (graphql_operation messages)', () => {
  it('askOperationHub goes through the queue: chunks as intermediate next messages, then the answer and complete', async () => {
    const socket = await rawSocket(`${stack.wsUrl}?token=${await stack.token()}`);
    socket.send({ type: 'connection_init' });
    await socket.waitForMessage((m) => m.type === 'connection_ack');
    socket.send({
      type: 'subscribe',
      id: 'ask',
      payload: {
        query:
          'query ($c: String!) { askOperationHub(coordinationUuid: $c, userQuery: "Where is my order?") { status answer } }',
        variables: { c: '10000000000000000001' },
      },
    });
    await socket.waitForMessage((m) => m.id === 'ask' && m.type === 'complete');
    const nexts = socket.messages.filter((m) => m.id === 'ask' && m.type === 'next');
    const final = nexts.at(-1)?.payload as { data: { askOperationHub: { status: string; answer: string } } };
    expect(final.data.askOperationHub.status).toBe('completed');
    const chunks = nexts
      .slice(0, -1)
      .map(
        (m) =>
          (m.payload as { extensions: { askOperationHub: { chunk: string } } }).extensions.askOperationHub
            .chunk,
      );
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.join('')).toBe(final.data.askOperationHub.answer);
    socket.close();
  });

  it('does nothing for an operation the client completed, or one already run (redelivery)', async () => {
    const { engine } = stack;
    const posted: unknown[] = [];
    const poster = {
      post: async (_c: string, message: Record<string, unknown>) => {
        posted.push(message);
        return true;
      },
      close: async () => undefined,
    };
    const tenant = stack.demoTenant;
    const message = {
      type: 'graphql_operation' as const,
      v: 1 as const,
      connection_id: 'queued-conn=',
      operation_id: 'op-1',
      query: `{ coordination(coordinationUuid: "${DEMO.coordinationUuid}") { coordinationName } }`,
      endpoint_id: tenant.endpointId,
      part_id: tenant.partId,
      user_id: 'demo-user',
    };
    const deps = {
      store: engine.store,
      poster,
      yoga: engine.yoga,
      logger: engine.logger,
      contextFor: (caller: Parameters<typeof buildContext>[1], c: string, o: string) =>
        buildContext({ repos: engine.repos, services: engine.services, logger: engine.logger }, caller, c, o),
    };
    // Never stored (or completed by the client before it ran): nothing to do.
    await handleGraphqlOperation(message, deps);
    expect(posted).toEqual([]);
    await engine.store.putSubscription({
      connection_id: message.connection_id,
      subscription_id: message.operation_id,
      kind: 'queued_operation',
      partition_key: tenant.partitionKey,
      user_id: 'demo-user',
    });
    await handleGraphqlOperation(message, deps);
    expect(posted).toEqual([
      {
        id: 'op-1',
        type: 'next',
        payload: { data: { coordination: { coordinationName: 'Product launch' } } },
      },
      { id: 'op-1', type: 'complete' },
    ]);
    await handleGraphqlOperation(message, deps);
    expect(posted).toHaveLength(2);
    // Another tenant's message for the same operation is ignored.
    await engine.store.putSubscription({
      connection_id: message.connection_id,
      subscription_id: 'op-2',
      kind: 'queued_operation',
      partition_key: tenant.partitionKey,
      user_id: 'demo-user',
    });
    await handleGraphqlOperation({ ...message, operation_id: 'op-2', endpoint_id: 'intruder' }, deps);
    expect(posted).toHaveLength(2);
  });
});
