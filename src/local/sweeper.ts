import type { Logger } from 'pino';
import type { SweepOptions } from '../hubs/procedure/sweep.js';

export interface LocalSweeper {
  stop(): Promise<void>;
}

/**
 * EventBridge Scheduler's `rate(1 minute)` sweep, played in the local stack:
 * a first sweep at start that re-dispatches everything ready (the queue
 * lived in memory, so whatever was on it when the stack stopped is gone),
 * then one every `intervalMs`. Sweeps never overlap.
 */
export function startLocalSweeper(deps: {
  readonly sweep: (options?: SweepOptions) => Promise<unknown>;
  readonly intervalMs: number;
  readonly logger: Logger;
}): LocalSweeper {
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const run = (options?: SweepOptions) => {
    running = running
      .then(() => (stopped ? undefined : deps.sweep(options)))
      .catch((error: unknown) => deps.logger.warn({ err: error }, 'sweep failed; the next one retries'));
  };
  run({ everything: true });
  const timer = setInterval(() => run(), deps.intervalMs);
  timer.unref?.();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
