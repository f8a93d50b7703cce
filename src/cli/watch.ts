import type { AceClient } from './client.js';
import { ExitCode } from './exit-codes.js';
import { type Output, Progress } from './progress.js';
import { type CliEvent, FINAL, FOLLOW } from './session-queries.js';

/**
 * Follows a session until its final status, from a cursor: a dropped socket
 * is reopened after the last seq seen (no event missed or repeated), a few
 * times, before giving up. Returns the exit code for the final status.
 */
export async function watchSession(
  client: AceClient,
  sessionUuid: string,
  out: Output,
  options: { json: boolean; after?: number; retries?: number },
): Promise<ExitCode> {
  const progress = Progress.for(out, options.json, sessionUuid);
  let last = options.after ?? 0;
  let status = '';
  let retries = options.retries ?? 5;
  try {
    for (;;) {
      try {
        await client.stream<{ sessionEvents: CliEvent }>(
          FOLLOW,
          { s: sessionUuid, after: last },
          ({ data }) => {
            const event = data?.sessionEvents;
            if (!event || event.seq <= last) return;
            last = event.seq;
            progress.onEvent(event);
            if (event.type === 'session_status') status = String(event.data.status);
          },
        );
        if (FINAL.has(status) || retries-- <= 0) break;
      } catch (error) {
        if (retries-- <= 0 || (error as { exitCode?: number }).exitCode !== ExitCode.Unreachable) throw error;
      }
    }
  } finally {
    progress.finish();
  }
  return status === 'completed' ? ExitCode.Ok : status === 'failed' ? ExitCode.Failed : ExitCode.NotCompleted;
}
