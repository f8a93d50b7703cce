/**
 * CloudWatch metrics in the Embedded Metric Format: a JSON log line with an
 * `_aws` directive, which CloudWatch Logs turns into metrics (no API calls,
 * no agent, nothing on the request path but a buffer push). Lambdas flush
 * the buffer once per invocation (src/telemetry/lambda.ts); the local stack
 * keeps metrics off unless ACE_METRICS=emf.
 */
export const METRIC_NAMESPACE_DEFAULT = 'AiCoordinationEngine';

/** Every metric the engine emits; the CDK alarms and dashboard name them from here. */
export const MetricName = {
  SessionsStarted: 'SessionsStarted',
  SessionsCompleted: 'SessionsCompleted',
  SessionsFailed: 'SessionsFailed',
  SessionsCancelled: 'SessionsCancelled',
  /** One agent runtime call (an attempt), in milliseconds. */
  AgentDuration: 'AgentDuration',
  AgentErrors: 'AgentErrors',
  /** Time a work-queue message waited before its handler started, in milliseconds. */
  QueueMessageAge: 'QueueMessageAge',
  InputTokens: 'InputTokens',
  OutputTokens: 'OutputTokens',
  CostUsd: 'CostUsd',
  /** For the guardrails (issue 13): an input or output a guardrail blocked. */
  GuardrailBlocks: 'GuardrailBlocks',
} as const;
export type MetricName = (typeof MetricName)[keyof typeof MetricName];

export type MetricUnit = 'Count' | 'Milliseconds' | 'None';

export interface Metrics {
  /** Adds one sample; dimensions beyond `service` are optional and few (each set is a metric). */
  add(name: MetricName, value: number, unit: MetricUnit, dimensions?: Record<string, string>): void;
  /** Writes what was buffered (one line per dimension set) and empties the buffer. */
  flush(): void;
}

export const noMetrics: Metrics = { add: () => undefined, flush: () => undefined };

export interface EmfOptions {
  readonly namespace?: string;
  readonly service: string;
  readonly write?: (line: string) => void;
  readonly now?: () => number;
}

// CloudWatch's limits: 100 metrics per directive, 100 values per metric.
const MAX_METRICS = 100;
const MAX_VALUES = 100;

interface Group {
  readonly dimensions: Record<string, string>;
  readonly metrics: Map<string, { unit: MetricUnit; values: number[] }>;
}

export function createEmfMetrics(options: EmfOptions): Metrics {
  const namespace = options.namespace ?? METRIC_NAMESPACE_DEFAULT;
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const now = options.now ?? Date.now;
  let groups = new Map<string, Group>();

  function emit(group: Group) {
    const names = [...group.metrics.keys()];
    for (let i = 0; i < names.length; i += MAX_METRICS) {
      const slice = names.slice(i, i + MAX_METRICS);
      // A metric with more samples than one line holds goes out in several lines.
      let round = 0;
      for (;;) {
        const line: Record<string, unknown> = { ...group.dimensions };
        const directive: { Name: string; Unit: MetricUnit }[] = [];
        for (const name of slice) {
          const metric = group.metrics.get(name)!;
          const values = metric.values.slice(round * MAX_VALUES, (round + 1) * MAX_VALUES);
          if (values.length === 0) continue;
          directive.push({ Name: name, Unit: metric.unit });
          line[name] = values.length === 1 ? values[0] : values;
        }
        if (directive.length === 0) break;
        line._aws = {
          Timestamp: now(),
          CloudWatchMetrics: [
            { Namespace: namespace, Dimensions: [Object.keys(group.dimensions)], Metrics: directive },
          ],
        };
        write(JSON.stringify(line));
        round++;
      }
    }
  }

  return {
    add(name, value, unit, dimensions = {}) {
      if (!Number.isFinite(value)) return;
      const all = { service: options.service, ...dimensions };
      const key = JSON.stringify(Object.entries(all).sort());
      let group = groups.get(key);
      if (!group) {
        group = { dimensions: all, metrics: new Map() };
        groups.set(key, group);
      }
      const metric = group.metrics.get(name) ?? { unit, values: [] };
      metric.values.push(value);
      group.metrics.set(name, metric);
    },
    flush() {
      const pending = groups;
      groups = new Map();
      for (const group of pending.values()) emit(group);
    },
  };
}

/** ACE_METRICS=emf turns metrics on (the CDK stack sets it on every function); off otherwise. */
export function metricsFromConfig(config: {
  readonly ACE_METRICS: 'off' | 'emf';
  readonly ACE_METRICS_NAMESPACE?: string | undefined;
  readonly ACE_METRICS_SERVICE?: string | undefined;
}): Metrics {
  if (config.ACE_METRICS !== 'emf') return noMetrics;
  return createEmfMetrics({
    service: config.ACE_METRICS_SERVICE ?? 'engine',
    ...(config.ACE_METRICS_NAMESPACE && { namespace: config.ACE_METRICS_NAMESPACE }),
  });
}
