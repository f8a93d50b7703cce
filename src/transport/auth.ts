import { createRemoteJWKSet, type JWTPayload, type JWTVerifyGetKey, jwtVerify, SignJWT } from 'jose';
import type { Logger } from 'pino';
import { rolesFromClaims } from '../access/access-control.js';
import type { Config } from '../config.js';
import { UnauthenticatedError } from '../errors.js';
import type { Caller } from '../graphql/context.js';
import { tenantFromPartitionKey, tenantOf } from '../tenant.js';

/**
 * Turns a bearer token into the caller (tenant + user). The tenant comes only
 * from the token's `endpoint_id` and `part_id` claims; the user from `user_id`,
 * `user` or `sub`.
 *
 * Hardened (docs/SECURITY.md): `exp` is required and the lifetime capped
 * (JWT_MAX_AGE_SECONDS, from `iat` where present); a small clock tolerance;
 * algorithms pinned (HS256 for JWT_SECRET; asymmetric ones for a JWKS, whose
 * keys must also match the token's `alg`); a JWKS needs an https URL, an issuer
 * and an audience. DEV_TENANT (local development only) lets a request without
 * a token act as a fixed tenant; it is refused outright inside Lambda.
 */
export interface TokenVerifier {
  /** Resolves the caller, or throws UnauthenticatedError. `token` undefined means "none sent". */
  verify(token: string | undefined): Promise<Caller>;
}

type AuthConfig = Pick<Config, 'JWT_SECRET' | 'JWKS_URL' | 'JWT_ISSUER' | 'JWT_AUDIENCE' | 'DEV_TENANT'> &
  Partial<Pick<Config, 'JWT_MAX_AGE_SECONDS' | 'JWT_CLOCK_TOLERANCE_SECONDS' | 'ACE_ROLES_CLAIM'>>;

export const JWKS_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
];
const DEFAULT_MAX_AGE_SECONDS = 86_400;
const DEFAULT_CLOCK_TOLERANCE_SECONDS = 30;

/** Plain http is accepted for a JWKS only on loopback (tests, a local identity provider). */
function jwksRefusal(config: AuthConfig): string | null {
  if (!config.JWKS_URL) return null;
  const url = new URL(config.JWKS_URL);
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) return 'JWKS_URL must be https';
  if (!config.JWT_ISSUER || !config.JWT_AUDIENCE) return 'JWKS_URL needs JWT_ISSUER and JWT_AUDIENCE';
  return null;
}

export function createTokenVerifier(
  config: AuthConfig,
  logger: Logger,
  runtime: { inLambda: boolean } = { inLambda: !!process.env.AWS_LAMBDA_FUNCTION_NAME },
): TokenVerifier {
  const refusal = jwksRefusal(config);
  if (refusal) throw new Error(`Invalid token settings: ${refusal}`);
  if (config.DEV_TENANT && runtime.inLambda)
    throw new Error('Invalid token settings: DEV_TENANT is for local development and is refused in Lambda');
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
  const maxAge = config.JWT_MAX_AGE_SECONDS ?? DEFAULT_MAX_AGE_SECONDS;
  const options = {
    ...(config.JWT_ISSUER && { issuer: config.JWT_ISSUER }),
    ...(config.JWT_AUDIENCE && { audience: config.JWT_AUDIENCE }),
    algorithms: key instanceof Uint8Array ? ['HS256'] : JWKS_ALGORITHMS,
    requiredClaims: ['exp'],
    clockTolerance: config.JWT_CLOCK_TOLERANCE_SECONDS ?? DEFAULT_CLOCK_TOLERANCE_SECONDS,
  };

  return {
    async verify(token) {
      if (!token) {
        if (devTenant) return { tenant: devTenant, userId: 'dev-user' };
        throw new UnauthenticatedError('missing token');
      }
      if (!key) throw new UnauthenticatedError('token verification is not configured');
      let payload: JWTPayload;
      try {
        payload =
          key instanceof Uint8Array
            ? (await jwtVerify(token, key, options)).payload
            : (await jwtVerify(token, key, options)).payload;
      } catch (error) {
        throw new UnauthenticatedError(`invalid token: ${(error as Error).message}`);
      }
      const lifetimeRefusal = lifetimeOf(payload, maxAge);
      if (lifetimeRefusal) throw new UnauthenticatedError(`invalid token: ${lifetimeRefusal}`);
      return callerFromClaims(payload, config.ACE_ROLES_CLAIM);
    },
  };
}

/** A token may live at most maxAge seconds: from `iat` where it has one, else from now until `exp`. */
function lifetimeOf(payload: JWTPayload, maxAge: number): string | null {
  const exp = payload.exp ?? 0;
  const start = typeof payload.iat === 'number' ? payload.iat : Math.floor(Date.now() / 1000);
  return exp - start > maxAge ? `lifetime exceeds the ${maxAge}-second maximum` : null;
}

export function callerFromClaims(claims: JWTPayload, rolesClaim = 'roles'): Caller {
  const endpointId = claims.endpoint_id;
  const partId = claims.part_id;
  const user = claims.user_id ?? claims.user ?? claims.sub;
  if (typeof endpointId !== 'string' || typeof partId !== 'string' || typeof user !== 'string' || !user) {
    throw new UnauthenticatedError('token lacks endpoint_id, part_id or user (sub)');
  }
  try {
    const roles = rolesFromClaims(claims, rolesClaim);
    return { tenant: tenantOf(endpointId, partId), userId: user, ...(roles && { roles }) };
  } catch {
    throw new UnauthenticatedError('token has an invalid endpoint_id or part_id');
  }
}

/** Signs an HS256 token (the local stack's dev token, tests). */
export function signToken(
  secret: string,
  claims: { endpoint_id: string; part_id: string; sub: string; roles?: readonly string[] },
  options: { expiresIn?: string | number; issuer?: string; audience?: string } = {},
): Promise<string> {
  let jwt = new SignJWT({
    endpoint_id: claims.endpoint_id,
    part_id: claims.part_id,
    ...(claims.roles && { roles: [...claims.roles] }),
  })
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
