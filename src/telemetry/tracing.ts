import {
  type Attributes,
  type Context,
  context,
  type Link,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';

/**
 * Span helpers over `@opentelemetry/api` only. The API is a no-op until a
 * tracer provider is registered (src/telemetry/sdk.ts, when OTEL_* asks for
 * it), and these helpers check a flag first, so with tracing off a call is a
 * function call and nothing else: no span objects, no context switches, no
 * message attributes.
 */
let enabled = false;

export function setTracingEnabled(on: boolean): void {
  enabled = on;
}

export function tracingEnabled(): boolean {
  return enabled;
}

const TRACER_NAME = 'ai-coordination-engine';

export interface SpanOptions {
  readonly kind?: SpanKind;
  readonly attributes?: Attributes;
  /** The parent (e.g. extracted from a queue message); the active context when absent. */
  readonly parent?: Context;
  readonly links?: Link[];
}

/**
 * Runs `fn` inside a new active span and ends it; a throw sets the span's
 * status to ERROR and its `error.type`, then rethrows.
 */
export async function inSpan<T>(
  name: string,
  options: SpanOptions,
  fn: (span: Span | undefined) => Promise<T>,
): Promise<T> {
  if (!enabled) return fn(undefined);
  const tracer = trace.getTracer(TRACER_NAME);
  const parent = options.parent ?? context.active();
  return tracer.startActiveSpan(
    name,
    {
      kind: options.kind ?? SpanKind.INTERNAL,
      ...(options.attributes && { attributes: options.attributes }),
      ...(options.links && { links: options.links }),
    },
    parent,
    async (span) => {
      try {
        return await fn(span);
      } catch (error) {
        markError(span, error);
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

export function markError(span: Span | undefined, error: unknown, type?: string): void {
  if (!span) return;
  const name = type ?? (error instanceof Error ? error.name : 'Error');
  span.setAttribute('error.type', name === 'Error' ? '_OTHER' : name);
  span.setStatus({
    code: SpanStatusCode.ERROR,
    ...(error !== undefined && { message: error instanceof Error ? error.message : String(error) }),
  });
}

/** The active trace context as W3C headers (`traceparent`, `tracestate`); empty when off. */
export function injectTraceContext(): Record<string, string> {
  if (!enabled) return {};
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier;
}

/** A parent context from W3C headers; the root context when there are none. */
export function extractTraceContext(carrier: Record<string, string | undefined>): Context {
  if (!enabled) return ROOT_CONTEXT;
  return propagation.extract(ROOT_CONTEXT, carrier, {
    get: (c, key) => c[key],
    keys: (c) => Object.keys(c),
  });
}

/** Runs `fn` with `parent` as the active context (a no-op when off). */
export function withContext<T>(parent: Context, fn: () => T): T {
  return enabled ? context.with(parent, fn) : fn();
}

export { SpanKind };
