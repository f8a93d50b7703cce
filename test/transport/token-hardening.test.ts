import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/clients.js';
import { createTokenVerifier } from '../../src/transport/auth.js';

const logger = createLogger({ LOG_LEVEL: 'silent' });
const SECRET = 'a-test-secret-of-sufficient-length';
const secretKey = new TextEncoder().encode(SECRET);
const claims = { endpoint_id: 'ep', part_id: 'pt' };
const now = () => Math.floor(Date.now() / 1000);

function hs(alg = 'HS256') {
  return new SignJWT(claims).setProtectedHeader({ alg }).setSubject('u');
}

describe('token hardening (shared secret)', () => {
  const verifier = createTokenVerifier({ JWT_SECRET: SECRET }, logger, { inLambda: false });

  it('accepts an ordinary HS256 token with exp', async () => {
    const token = await hs().setIssuedAt().setExpirationTime('1h').sign(secretKey);
    expect((await verifier.verify(token)).tenant.partitionKey).toBe('ep#pt');
  });

  it('refuses a token without exp', async () => {
    const token = await hs().setIssuedAt().sign(secretKey);
    await expect(verifier.verify(token)).rejects.toThrow(/"exp" claim/);
  });

  it('refuses a token that lives longer than JWT_MAX_AGE_SECONDS (with and without iat)', async () => {
    const capped = createTokenVerifier({ JWT_SECRET: SECRET, JWT_MAX_AGE_SECONDS: 3600 }, logger, {
      inLambda: false,
    });
    const long = await hs().setIssuedAt().setExpirationTime('2h').sign(secretKey);
    await expect(capped.verify(long)).rejects.toThrow(/lifetime exceeds the 3600-second maximum/);
    const noIat = await hs()
      .setExpirationTime(now() + 7200)
      .sign(secretKey);
    await expect(capped.verify(noIat)).rejects.toThrow(/lifetime exceeds/);
    const fine = await hs().setIssuedAt().setExpirationTime('30m').sign(secretKey);
    expect((await capped.verify(fine)).userId).toBe('u');
  });

  it('tolerates a small clock skew only', async () => {
    const justExpired = await hs()
      .setIssuedAt(now() - 600)
      .setExpirationTime(now() - 10)
      .sign(secretKey);
    expect((await verifier.verify(justExpired)).userId).toBe('u');
    const expired = await hs()
      .setIssuedAt(now() - 600)
      .setExpirationTime(now() - 120)
      .sign(secretKey);
    await expect(verifier.verify(expired)).rejects.toThrow(/"exp" claim timestamp check failed/);
  });

  it('refuses another algorithm, even with the same secret (HS512, HS384)', async () => {
    for (const alg of ['HS384', 'HS512']) {
      const token = await hs(alg).setIssuedAt().setExpirationTime('1h').sign(secretKey);
      await expect(verifier.verify(token)).rejects.toThrow(
        /"alg" \(Algorithm\) Header Parameter value not allowed/,
      );
    }
  });

  it('DEV_TENANT is refused outright in Lambda', () => {
    expect(() =>
      createTokenVerifier({ JWT_SECRET: SECRET, DEV_TENANT: 'dev#local' }, logger, { inLambda: true }),
    ).toThrow(/DEV_TENANT .* refused in Lambda/);
  });
});

describe('token hardening (JWKS)', () => {
  let server: Server;
  let jwksUrl: string;
  let privateKey: CryptoKey;
  const issuer = 'https://idp.example.test/';
  const audience = 'ace-engine';
  beforeAll(async () => {
    const pair = await generateKeyPair('RS256');
    privateKey = pair.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), alg: 'RS256', kid: 'k1', use: 'sig' };
    server = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const verifier = () =>
    createTokenVerifier({ JWKS_URL: jwksUrl, JWT_ISSUER: issuer, JWT_AUDIENCE: audience }, logger, {
      inLambda: false,
    });
  const rs = (overrides: { iss?: string; aud?: string } = {}) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setSubject('u')
      .setIssuedAt()
      .setExpirationTime('1h')
      .setIssuer(overrides.iss ?? issuer)
      .setAudience(overrides.aud ?? audience)
      .sign(privateKey);

  it('accepts a token signed by a JWKS key with the right issuer and audience', async () => {
    expect((await verifier().verify(await rs())).userId).toBe('u');
  });

  it('refuses a wrong issuer or audience', async () => {
    await expect(verifier().verify(await rs({ iss: 'https://evil.example.test/' }))).rejects.toThrow(/"iss"/);
    await expect(verifier().verify(await rs({ aud: 'someone-else' }))).rejects.toThrow(/"aud"/);
  });

  it('refuses an HS256 token (algorithm confusion) and an RS token without exp', async () => {
    const confused = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
      .setSubject('u')
      .setIssuedAt()
      .setExpirationTime('1h')
      .setIssuer(issuer)
      .setAudience(audience)
      .sign(secretKey);
    await expect(verifier().verify(confused)).rejects.toThrow(
      /Algorithm\) Header Parameter value not allowed/,
    );
    const noExp = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setSubject('u')
      .setIssuer(issuer)
      .setAudience(audience)
      .sign(privateKey);
    await expect(verifier().verify(noExp)).rejects.toThrow(/"exp" claim/);
  });

  it('a JWKS needs an https URL (plain http only on loopback), an issuer and an audience', () => {
    expect(() =>
      createTokenVerifier(
        { JWKS_URL: 'http://idp.example.test/jwks', JWT_ISSUER: issuer, JWT_AUDIENCE: audience },
        logger,
      ),
    ).toThrow(/JWKS_URL must be https/);
    expect(() => createTokenVerifier({ JWKS_URL: jwksUrl, JWT_AUDIENCE: audience }, logger)).toThrow(
      /needs JWT_ISSUER and JWT_AUDIENCE/,
    );
    expect(() => createTokenVerifier({ JWKS_URL: jwksUrl, JWT_ISSUER: issuer }, logger)).toThrow(
      /needs JWT_ISSUER and JWT_AUDIENCE/,
    );
  });
});
