import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { setTraceIdSource } from './correlation.js';
import { setTracingEnabled } from './tracing.js';

/**
 * The OpenTelemetry SDK, loaded only when tracing is on (src/telemetry/index.ts
 * imports this module dynamically; the CDK stack leaves these packages out of
 * the Lambda bundles unless tracing is enabled there). The OTLP/HTTP exporter
 * reads the standard variables itself: OTEL_EXPORTER_OTLP_ENDPOINT,
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, OTEL_EXPORTER_OTLP_HEADERS, ..._TIMEOUT.
 */
export interface TelemetryHandle {
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

export interface SdkOptions {
  readonly serviceName: string;
  readonly serviceVersion?: string;
  /** A given exporter (tests: InMemorySpanExporter) is used with a simple processor; OTLP/HTTP otherwise. */
  readonly exporter?: SpanExporter;
  /** Export each span as it ends (tests, short-lived CLIs) instead of in batches. */
  readonly simple?: boolean;
}

export function startTracingSdk(options: SdkOptions): TelemetryHandle {
  const exporter = options.exporter ?? new OTLPTraceExporter();
  const processor: SpanProcessor =
    options.exporter || options.simple
      ? new SimpleSpanProcessor({ exporter })
      : new BatchSpanProcessor({ exporter });
  const provider = new TracerProvider({
    resource: resourceFromAttributes({
      'service.name': options.serviceName,
      ...(options.serviceVersion && { 'service.version': options.serviceVersion }),
    }),
    spanProcessors: [processor],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  setTracingEnabled(true);
  setTraceIdSource(() => {
    const span = trace.getActiveSpan()?.spanContext();
    return span ? { trace_id: span.traceId, span_id: span.spanId } : undefined;
  });
  return {
    flush: () => provider.forceFlush(),
    async shutdown() {
      setTracingEnabled(false);
      setTraceIdSource(undefined);
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}
