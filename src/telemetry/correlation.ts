import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The correlation ids of the work in progress (request, session, session
 * agent, run, trace), kept in AsyncLocalStorage so every log line can carry
 * them without each call site passing them along. The logger reads them
 * through `correlationFields` (src/logger.ts); handlers and hubs add ids as
 * they learn them with `withCorrelation`.
 */
export interface CorrelationIds {
  readonly request_id?: string;
  readonly connection_id?: string;
  readonly message_id?: string;
  readonly session_uuid?: string;
  readonly session_agent_uuid?: string;
  readonly run_uuid?: string;
  readonly coordination_uuid?: string;
}

const store = new AsyncLocalStorage<CorrelationIds>();

/** Set by the tracing SDK when it is on: the active span's ids for the log line. */
let traceIds: (() => { trace_id: string; span_id: string } | undefined) | undefined;

export function setTraceIdSource(source: typeof traceIds): void {
  traceIds = source;
}

/** Runs `fn` with `ids` added to the ids already in force (undefined values are ignored). */
export function withCorrelation<T>(ids: CorrelationIds, fn: () => T): T {
  const merged: Record<string, string> = { ...store.getStore() };
  for (const [key, value] of Object.entries(ids)) if (value) merged[key] = value;
  return store.run(merged, fn);
}

export function currentCorrelation(): CorrelationIds {
  return store.getStore() ?? {};
}

/** pino's `mixin`: the fields merged into every log line. */
export function correlationFields(): Record<string, string> {
  const ids = store.getStore();
  const trace = traceIds?.();
  if (!ids && !trace) return {};
  return { ...ids, ...trace };
}
