import { GraphQLError } from 'graphql';
import type { Logger } from 'pino';
import { AppError } from '../errors.js';

/**
 * Maps an error raised while executing an operation to what the client sees:
 * an AppError keeps its message and gets its stable `extensions.code`; a
 * GraphQL syntax/validation error keeps its own message; anything else is
 * logged and masked.
 */
export function maskError(error: unknown, logger: Logger): GraphQLError {
  const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
  if (original instanceof AppError) {
    return new GraphQLError(original.message, {
      ...(error instanceof GraphQLError && { nodes: error.nodes, path: error.path }),
      extensions: { code: original.code, ...(original.details && { details: original.details }) },
    });
  }
  if (error instanceof GraphQLError && !error.originalError) {
    // Raised by graphql-js itself: parse, validation or variable coercion.
    return new GraphQLError(error.message, {
      nodes: error.nodes,
      path: error.path,
      extensions: { ...error.extensions, code: error.extensions?.code ?? classify(error.message) },
    });
  }
  logger.error({ err: original }, 'unexpected error while executing an operation');
  return new GraphQLError('Unexpected error.', {
    ...(error instanceof GraphQLError && { path: error.path }),
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  });
}

/** Apollo's codes: a wrong argument value is the user's input; the rest is a bad document. */
function classify(message: string): string {
  if (message.startsWith('Syntax Error')) return 'GRAPHQL_PARSE_FAILED';
  if (/^Variable "\$|Expected value of type|cannot represent|Expected type|got invalid value/.test(message)) {
    return 'BAD_USER_INPUT';
  }
  return 'GRAPHQL_VALIDATION_FAILED';
}
