/**
 * What `ace` exits with, so scripts can branch on it (docs/CLI.md lists them).
 */
export const ExitCode = {
  Ok: 0,
  /** The operation failed, or the session it watched failed. */
  Failed: 1,
  /** Bad arguments or options. */
  Usage: 2,
  /** No token, a bad token, or another tenant's resource (UNAUTHENTICATED, FORBIDDEN). */
  Auth: 3,
  NotFound: 4,
  /** The server could not be reached. */
  Unreachable: 5,
  /** The API refused the transition (CONFLICT: e.g. approving an agent that does not wait). */
  Conflict: 6,
  /** The watched session ended neither completed nor failed (cancelled, timeout, ...). */
  NotCompleted: 7,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Maps a GraphQL error code (extensions.code) to the exit code. */
export function exitCodeOf(code: string | undefined): ExitCode {
  switch (code) {
    case 'UNAUTHENTICATED':
    case 'FORBIDDEN':
      return ExitCode.Auth;
    case 'NOT_FOUND':
      return ExitCode.NotFound;
    case 'CONFLICT':
      return ExitCode.Conflict;
    case 'BAD_USER_INPUT':
    case 'GRAPHQL_VALIDATION_FAILED':
      return ExitCode.Usage;
    default:
      return ExitCode.Failed;
  }
}
