import pino, { type DestinationStream, type Logger } from 'pino';
import type { Config } from './config.js';
import { correlationFields } from './telemetry/correlation.js';

/**
 * The process logger. Its own module, apart from src/clients.ts, so a
 * handler that only needs a logger (the authorizer) does not bundle and
 * load the AWS SDK. Every line carries the correlation ids in force
 * (request, session, session agent, run, trace: src/telemetry/correlation.ts).
 */
export function createLogger(config: Pick<Config, 'LOG_LEVEL'>, destination?: DestinationStream): Logger {
  const options = { level: config.LOG_LEVEL, base: undefined, mixin: correlationFields };
  return destination ? pino(options, destination) : pino(options);
}
