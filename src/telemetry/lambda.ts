import type { Context } from 'aws-lambda';
import { withCorrelation } from './correlation.js';
import { ensureTelemetry, flushTelemetry } from './index.js';
import type { Metrics } from './metrics.js';

/**
 * A Lambda entry point with telemetry: tracing started before the engine is
 * built (when OTEL_* asks for it), the invocation's request id on every log
 * line, and the metrics and spans of the invocation flushed before it
 * returns (a frozen container exports nothing).
 */
export function lambdaEntry<E, R>(
  handle: (event: E, context?: Context) => Promise<R>,
  engine: () => { readonly metrics: Metrics },
): (event: E, context?: Context) => Promise<R> {
  return async (event, context) => {
    await ensureTelemetry();
    try {
      return await withCorrelation(
        { ...(context?.awsRequestId && { request_id: context.awsRequestId }) },
        () => handle(event, context),
      );
    } finally {
      // Best effort: an engine that failed to build has nothing to flush, and its error is the one to see.
      try {
        engine().metrics.flush();
      } catch {}
      await flushTelemetry();
    }
  };
}
