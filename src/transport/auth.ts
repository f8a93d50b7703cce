import { createRemoteJWKSet, type JWTPayload, type JWTVerifyGetKey, jwtVerify, SignJWT } from 'jose';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { UnauthenticatedError } from '../errors.js';
import type { Caller } from '../graphql/context.js';
import { tenantFromPartitionKey, tenantOf } from '../tenant.js';

/**
 * Turns a bearer token into the caller (tenant + user). The tenant comes only
 * from the token's `endpoint_id` and `part_id` claims; the user from `user_id`,
 * `user` or `sub`. HS256 with JWT_SECRET, or any JWKS algorithm from JWKS_URL.
 *
 * DEV_TENANT (local development only) lets a request without a token act as a
 * fixed tenant; it is off unless configured, and says so in the log when on.
 */
export interface TokenVerifier {
  /** Resolves the caller, or throws UnauthenticatedError. `token` undefined means "none sent". */
  verify(token: string | undefined): Promise<Caller>;
}

type AuthConfig = Pick<Config, 'JWT_SECRET' | 'JWKS_URL' | 'JWT_ISSUER' | 'JWT_AUDIENCE' | 'DEV_TENANT'>;

export function createTokenVerifier(config: AuthConfig, logger: Logger): TokenVerifier {
  const key: Uint8Array | JWTVerifyGetKey | undefined = config.JWKS_URL
    ? createRemoteJWKSet(new URL(config.JWKS_URL))
    : config.JWT_SECRET
      ? new TextEncoder().encode(config.JWT_SECRET)
      : undefined;
  const devTenant = config.DEV_TENANT ? tenantFromPartitionKey(config.DEV_TENANT) : undefined;
  if (devTenant) {
    logger.warn({ tenant: devTenant.partitionKey }, 'DEV MODE: requests without a token act as DEV_TENANT');
  }
  if (!key && !devTenant) logger.warn('no JWT_SECRET, JWKS_URL or DEV_TENANT: every request will be refused');

  return {
    async verify(token) {
      if (!token) {
        if (devTenant) return { tenant: devTenant, userId: 'dev-user' };
        throw new UnauthenticatedError('missing token');
      }
      if (!key) throw new UnauthenticatedError('token verification is not configured');
      let payload: JWTPayload;
      try {
        const options = {
          ...(config.JWT_ISSUER && { issuer: config.JWT_ISSUER }),
          ...(config.JWT_AUDIENCE && { audience: config.JWT_AUDIENCE }),
          ...(key instanceof Uint8Array && { algorithms: ['HS256'] }),
        };
        payload =
          key instanceof Uint8Array
            ? (await jwtVerify(token, key, options)).payload
            : (await jwtVerify(token, key, options)).payload;
      } catch (error) {
        throw new UnauthenticatedError(`invalid token: ${(error as Error).message}`);
      }
      return callerFromClaims(payload);
    },
  };
}

export function callerFromClaims(claims: JWTPayload): Caller {
  const endpointId = claims.endpoint_id;
  const partId = claims.part_id;
  const user = claims.user_id ?? claims.user ?? claims.sub;
  if (typeof endpointId !== 'string' || typeof partId !== 'string' || typeof user !== 'string' || !user) {
    throw new UnauthenticatedError('token lacks endpoint_id, part_id or user (sub)');
  }
  try {
    return { tenant: tenantOf(endpointId, partId), userId: user };
  } catch {
    throw new UnauthenticatedError('token has an invalid endpoint_id or part_id');
  }
}

/** Signs an HS256 token (the local stack's dev token, tests). */
export function signToken(
  secret: string,
  claims: { endpoint_id: string; part_id: string; sub: string },
  options: { expiresIn?: string | number; issuer?: string; audience?: string } = {},
): Promise<string> {
  let jwt = new SignJWT({ endpoint_id: claims.endpoint_id, part_id: claims.part_id })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '12h');
  if (options.issuer) jwt = jwt.setIssuer(options.issuer);
  if (options.audience) jwt = jwt.setAudience(options.audience);
  return jwt.sign(new TextEncoder().encode(secret));
}

/**
 * Where a token is looked for, in order: `Authorization: Bearer <t>`, then the
 * `?token=` query parameter (browsers cannot set headers on a WebSocket), then
 * a `Sec-WebSocket-Protocol` entry `bearer.<t>` offered beside graphql-transport-ws.
 */
export function tokenFromRequest(request: {
  headers?: Record<string, string | undefined> | null;
  queryStringParameters?: Record<string, string | undefined> | null;
}): string | undefined {
  const headers = lowerCaseKeys(request.headers ?? {});
  const authorization = headers.authorization?.trim();
  if (authorization) {
    const match = /^Bearer\s+(.+)$/i.exec(authorization);
    return match?.[1]?.trim() || undefined;
  }
  const fromQuery = request.queryStringParameters?.token?.trim();
  if (fromQuery) return fromQuery;
  const protocols = headers['sec-websocket-protocol']?.split(',').map((p) => p.trim()) ?? [];
  const bearer = protocols.find((p) => p.startsWith('bearer.'));
  return bearer ? bearer.slice('bearer.'.length) : undefined;
}

export function lowerCaseKeys(
  headers: Record<string, string | undefined>,
): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}
