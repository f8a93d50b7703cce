import type { SdkOptions, TelemetryHandle } from './sdk.js';

/**
 * Turning tracing on: OTEL_TRACES_EXPORTER=otlp, or an OTLP endpoint in
 * OTEL_EXPORTER_OTLP_ENDPOINT / OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, and
 * OTEL_SDK_DISABLED not "true". Off by default; when off the SDK is never
 * imported and the span helpers return at once.
 */
export function tracingRequested(env: Record<string, string | undefined>): boolean {
  if (env.OTEL_SDK_DISABLED === 'true') return false;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '').split(',').map((s) => s.trim());
  if (exporters.includes('none')) return false;
  return (
    exporters.includes('otlp') ||
    Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT) ||
    Boolean(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)
  );
}

let started: Promise<TelemetryHandle | undefined> | undefined;

/**
 * Starts the SDK once per process when the environment asks for it (or when
 * `options.exporter` is given). A missing SDK (a Lambda bundled without it)
 * is logged once and leaves tracing off.
 */
export function ensureTelemetry(
  env: Record<string, string | undefined> = process.env,
  options: Partial<SdkOptions> = {},
): Promise<TelemetryHandle | undefined> {
  if (!options.exporter && !tracingRequested(env)) return Promise.resolve(undefined);
  started ??= import('./sdk.js').then(
    (sdk) =>
      sdk.startTracingSdk({
        serviceName: env.OTEL_SERVICE_NAME ?? 'ai-coordination-engine',
        ...options,
      }),
    (error: unknown) => {
      process.stderr.write(
        `tracing requested but the OpenTelemetry SDK could not be loaded: ${(error as Error).message}\n`,
      );
      return undefined;
    },
  );
  return started;
}

/** Exports what is buffered (a Lambda invocation's end); nothing when tracing is off. */
export async function flushTelemetry(): Promise<void> {
  const handle = await started;
  await handle?.flush().catch(() => undefined);
}

/** Stops tracing (tests; process exit). */
export async function shutdownTelemetry(): Promise<void> {
  const handle = await started;
  started = undefined;
  await handle?.shutdown();
}
