import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createLogger } from '../../src/clients.js';
import type { LocalStack } from '../../src/local/stack.js';
import {
  callerFromClaims,
  createTokenVerifier,
  signToken,
  tokenFromRequest,
} from '../../src/transport/auth.js';
import { request, startTestStack, wsClient } from './support.js';

const logger = createLogger({ LOG_LEVEL: 'silent' });
const SECRET = 'a-test-secret-of-sufficient-length';

let stack: LocalStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.close();
});

/** Opens a socket and reports the HTTP status of a refused handshake (or 101). */
function handshakeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, 'graphql-transport-ws', { headers });
    socket.once('open', () => {
      socket.close();
      resolve(101);
    });
    socket.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    socket.once('error', reject);
  });
}

async function connectionCount(): Promise<number> {
  const { Items } = await stack.engine.clients.doc.send(
    new ScanCommand({ TableName: stack.engine.clients.tables.connections }),
  );
  return Items?.length ?? 0;
}

describe('$connect authentication', () => {
  it('refuses a connection without a token, with a bad token and with an expired token, storing nothing', async () => {
    const other = await signToken('another-secret-of-enough-length', {
      endpoint_id: 'e',
      part_id: 'p',
      sub: 'u',
    });
    const expired = await signToken(
      stack.jwtSecret,
      { endpoint_id: 'e', part_id: 'p', sub: 'u' },
      { expiresIn: -10 },
    );
    const noTenant = await new SignJWT({ part_id: 'p' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('u')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(stack.jwtSecret));
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"endpoint_id":"e","part_id":"p","sub":"u"}').toString('base64url')}.`;
    const cases = {
      missing: stack.wsUrl,
      garbage: `${stack.wsUrl}?token=not-a-jwt`,
      wrongSignature: `${stack.wsUrl}?token=${other}`,
      expired: `${stack.wsUrl}?token=${expired}`,
      missingTenantClaim: `${stack.wsUrl}?token=${noTenant}`,
      algNone: `${stack.wsUrl}?token=${none}`,
    };
    for (const [name, url] of Object.entries(cases)) {
      expect([name, await handshakeStatus(url)]).toEqual([name, 401]);
    }
    expect(await handshakeStatus(stack.wsUrl, { Authorization: 'Bearer nope' })).toBe(401);
    expect(await connectionCount()).toBe(0);
  });

  it('accepts a valid token from the query string, the Authorization header or a bearer subprotocol', async () => {
    const token = await stack.token();
    const viaQuery = wsClient(stack, token);
    expect((await request<{ ping: string }>(viaQuery, '{ ping }')).data?.ping).toMatch(/^pong/);
    await viaQuery.dispose();
    expect(await handshakeStatus(stack.wsUrl, { Authorization: `Bearer ${token}` })).toBe(101);
    const viaProtocol = await new Promise<string>((resolve, reject) => {
      const socket = new WebSocket(stack.wsUrl, ['graphql-transport-ws', `bearer.${token}`]);
      socket.once('open', () => {
        resolve(socket.protocol);
        socket.close();
      });
      socket.once('error', reject);
    });
    expect(viaProtocol).toBe('graphql-transport-ws');
  });

  it('refuses a client that does not offer graphql-transport-ws', async () => {
    const token = await stack.token();
    const status = await new Promise<number>((resolve) => {
      const socket = new WebSocket(`${stack.wsUrl}?token=${token}`, 'graphql-ws');
      socket.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      socket.once('open', () => resolve(101));
    });
    expect(status).toBe(400);
  });

  it('HTTP: refuses operations without a valid token and runs them with one', async () => {
    const post = (headers: Record<string, string>) =>
      fetch(stack.httpUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query: '{ ping }' }),
      });
    const refused = await post({});
    expect(refused.status).toBe(401);
    expect(
      ((await refused.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code,
    ).toBe('UNAUTHENTICATED');
    expect((await post({ authorization: 'Bearer x.y.z' })).status).toBe(401);
    const ok = await post({ authorization: `Bearer ${await stack.token()}` });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { data: { ping: string } }).data.ping).toMatch(/^pong/);
  });
});

describe('token verification', () => {
  it('takes the tenant only from endpoint_id/part_id and the user from sub', async () => {
    const verifier = createTokenVerifier({ JWT_SECRET: SECRET }, logger);
    const token = await signToken(SECRET, { endpoint_id: 'ep', part_id: 'pt', sub: 'alice' });
    const caller = await verifier.verify(token);
    expect(caller.tenant.partitionKey).toBe('ep#pt');
    expect(caller.userId).toBe('alice');
    expect(() => callerFromClaims({ endpoint_id: 'a#b', part_id: 'p', sub: 'u' })).toThrow(
      /invalid endpoint_id/,
    );
  });

  it('checks issuer and audience when configured', async () => {
    const verifier = createTokenVerifier(
      { JWT_SECRET: SECRET, JWT_ISSUER: 'me', JWT_AUDIENCE: 'ace' },
      logger,
    );
    const claims = { endpoint_id: 'ep', part_id: 'pt', sub: 'u' };
    await expect(verifier.verify(await signToken(SECRET, claims))).rejects.toThrow(/invalid token/);
    const good = await signToken(SECRET, claims, { issuer: 'me', audience: 'ace' });
    expect((await verifier.verify(good)).userId).toBe('u');
  });

  it('dev mode: a missing token acts as DEV_TENANT only when configured', async () => {
    const off = createTokenVerifier({ JWT_SECRET: SECRET }, logger);
    await expect(off.verify(undefined)).rejects.toThrow(/missing token/);
    const on = createTokenVerifier({ JWT_SECRET: SECRET, DEV_TENANT: 'dev#local' }, logger);
    expect((await on.verify(undefined)).tenant.partitionKey).toBe('dev#local');
    await expect(on.verify('bad')).rejects.toThrow(/invalid token/);
  });

  it('finds the token in the Authorization header, then ?token=, then a bearer.* subprotocol', () => {
    expect(
      tokenFromRequest({ headers: { Authorization: 'Bearer abc' }, queryStringParameters: { token: 'q' } }),
    ).toBe('abc');
    expect(tokenFromRequest({ headers: {}, queryStringParameters: { token: 'q' } })).toBe('q');
    expect(
      tokenFromRequest({ headers: { 'Sec-WebSocket-Protocol': 'graphql-transport-ws, bearer.t1' } }),
    ).toBe('t1');
    expect(tokenFromRequest({ headers: { authorization: 'Basic xyz' } })).toBeUndefined();
  });
});
