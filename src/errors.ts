/**
 * The engine's expected failures. Each carries a stable code that the GraphQL
 * layer returns as `extensions.code`; anything that is not an AppError is
 * masked before it reaches a client.
 */
export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'FORBIDDEN'
  | 'UNAUTHENTICATED'
  | 'RATE_LIMITED'
  /** The operation runs an agent, which this endpoint's function does not carry: the WebSocket endpoint runs it. */
  | 'USE_WEBSOCKET';

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends AppError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('BAD_USER_INPUT', message, details);
  }
}

export class NotFoundError extends AppError {
  constructor(entity: string, key: Record<string, unknown>) {
    super('NOT_FOUND', `${entity} not found`, { entity, key });
  }
}

export class ConflictError extends AppError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('CONFLICT', message, details);
  }
}

export class ForbiddenError extends AppError {
  constructor(message: string) {
    super('FORBIDDEN', message);
  }
}

export class UnauthenticatedError extends AppError {
  constructor(message: string) {
    super('UNAUTHENTICATED', message);
  }
}

/** A per-tenant rate limit was reached; `details.retryAfterSeconds` says when the window reopens. */
export class RateLimitedError extends AppError {
  constructor(operation: string, limit: number, windowSeconds: number, retryAfterSeconds: number) {
    super(
      'RATE_LIMITED',
      `${operation}: at most ${limit} per ${windowSeconds} s for this tenant; retry after ${retryAfterSeconds} s`,
      { operation, limit, windowSeconds, retryAfterSeconds },
    );
  }
}
