import pino, { type DestinationStream, type Logger } from 'pino';
import type { Config } from './config.js';

/**
 * Paths whose values never reach a log line: authorization headers, tokens,
 * API keys and secrets, at the top level and one or two levels down (a
 * request's headers, an error's config, a settings object). pino's redaction
 * is path-based (fast-redact), so these cover where the engine logs such
 * objects; `*` matches one level.
 */
const SECRET_KEYS = [
  'authorization',
  'Authorization',
  'cookie',
  'token',
  'accessToken',
  'idToken',
  'refreshToken',
  'apiKey',
  'api_key',
  'x-api-key',
  'secret',
  'password',
  'JWT_SECRET',
  'SecretString',
  'secretAccessKey',
  'sessionToken',
];
export const REDACT_PATHS: string[] = SECRET_KEYS.flatMap((key) => {
  const safe = /^[A-Za-z_$][\w$]*$/.test(key) ? key : `["${key}"]`;
  const dot = safe.startsWith('[') ? '' : '.';
  return [safe, `*${dot}${safe}`, `*.*${dot}${safe}`];
});

/**
 * The process logger. Its own module, apart from src/clients.ts, so a
 * handler that only needs a logger (the authorizer) does not bundle and
 * load the AWS SDK.
 */
export function createLogger(config: Pick<Config, 'LOG_LEVEL'>, destination?: DestinationStream): Logger {
  const options = {
    level: config.LOG_LEVEL,
    base: undefined,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  };
  return destination ? pino(options, destination) : pino(options);
}
