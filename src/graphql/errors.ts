import { GraphQLError } from 'graphql';
import type { Logger } from 'pino';
import { AppError } from '../errors.js';

/**
 * Maps an error raised while executing an operation to what the client sees:
 * an AppError keeps its message and gets its stable `extensions.code`; an
 * error graphql-js (or an envelop plugin such as armor) raised about the
 * document or its variables keeps its message and gets a code from
 * `classify`; anything else is logged and masked.
 */
export function maskError(error: unknown, logger: Logger): GraphQLError {
  // Masked already (yoga masks, then an operation run on the WebSocket masks its result again): as it is,
  // or the second pass would read the masked error as graphql-js's own and call it a validation failure.
  if (error instanceof GraphQLError && masked.has(error)) return error;
  const cause = rootCause(error);
  const location = error instanceof GraphQLError ? { nodes: error.nodes, path: error.path } : {};
  if (cause instanceof AppError) {
    return new GraphQLError(cause.message, {
      ...location,
      extensions: { code: cause.code, ...(cause.details && { details: cause.details }) },
    });
  }
  if (error instanceof GraphQLError && cause instanceof GraphQLError) {
    // Raised by graphql-js itself (parse, validation, variable coercion) or by a document-bounding plugin.
    return new GraphQLError(error.message, {
      ...location,
      extensions: { ...error.extensions, code: classify(error.message, cause.extensions?.code) },
    });
  }
  logger.error({ err: cause }, 'unexpected error while executing an operation');
  const hidden = new GraphQLError('Unexpected error.', {
    ...(error instanceof GraphQLError && { path: error.path }),
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  });
  masked.add(hidden);
  return hidden;
}

/** The errors maskError made to hide an unexpected one. */
const masked = new WeakSet<GraphQLError>();

/** Follows `originalError` down to the error that started it. */
function rootCause(error: unknown): unknown {
  let current = error;
  while (current instanceof GraphQLError && current.originalError) current = current.originalError;
  return current;
}

/**
 * One rule for values of the wrong type, in a literal or in a variable:
 * BAD_USER_INPUT (the document is fine, the value is not). Documents that do
 * not fit the schema (unknown field or argument, missing required argument,
 * too deep or too costly) are GRAPHQL_VALIDATION_FAILED; unparsable ones
 * GRAPHQL_PARSE_FAILED.
 */
const VALUE_ERROR =
  /^Variable "\$|Expected value of type|cannot represent|Expected type|got invalid value|DateTime must be|Enum "[^"]+" cannot represent/;

export function classify(message: string, existing?: unknown): string {
  if (VALUE_ERROR.test(message)) return 'BAD_USER_INPUT';
  if (/limit of \d+ exceeded/.test(message)) return 'GRAPHQL_VALIDATION_FAILED'; // armor's depth/cost/alias bounds
  if (message.startsWith('Syntax Error: Expected') || message.startsWith('Syntax Error: Unexpected')) {
    return 'GRAPHQL_PARSE_FAILED';
  }
  if (typeof existing === 'string' && existing !== 'INTERNAL_SERVER_ERROR') return existing;
  return message.startsWith('Syntax Error') ? 'GRAPHQL_PARSE_FAILED' : 'GRAPHQL_VALIDATION_FAILED';
}

/** The same codes for errors found while validating the document (they never reach maskError). */
export function recodeValidationError(error: Error): Error {
  if (!(error instanceof GraphQLError)) return error;
  const code = classify(error.message, error.extensions?.code);
  if (code === error.extensions?.code) return error;
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: { ...error.extensions, code },
  });
}
