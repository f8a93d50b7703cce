import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDemo } from '../../src/local/demo-client.js';
import type { LocalStack } from '../../src/local/stack.js';
import { createEmfMetrics, MetricName, metricsFromConfig, noMetrics } from '../../src/telemetry/metrics.js';
import { startTestStack } from '../transport/support.js';

/**
 * EMF lines as CloudWatch reads them, and the engine's metrics from a real
 * session on the local stack (the demo task, answered like a user would).
 */
type Emf = {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: {
      Namespace: string;
      Dimensions: string[][];
      Metrics: { Name: string; Unit: string }[];
    }[];
  };
  [key: string]: unknown;
};

describe('EMF', () => {
  it('writes one line per dimension set, with the directive naming every metric and value arrays', () => {
    const lines: string[] = [];
    const metrics = createEmfMetrics({
      service: 'sqs',
      write: (l) => lines.push(l),
      now: () => 1_700_000_000_000,
    });
    metrics.add(MetricName.SessionsStarted, 1, 'Count');
    metrics.add(MetricName.SessionsStarted, 1, 'Count');
    metrics.add(MetricName.AgentDuration, 12.5, 'Milliseconds', { runtime: 'scripted' });
    metrics.add(MetricName.AgentDuration, Number.NaN, 'Milliseconds', { runtime: 'scripted' });
    metrics.flush();
    const [plain, byRuntime] = lines.map((l) => JSON.parse(l) as Emf);
    expect(plain).toEqual({
      _aws: {
        Timestamp: 1_700_000_000_000,
        CloudWatchMetrics: [
          {
            Namespace: 'AiCoordinationEngine',
            Dimensions: [['service']],
            Metrics: [{ Name: 'SessionsStarted', Unit: 'Count' }],
          },
        ],
      },
      service: 'sqs',
      SessionsStarted: [1, 1],
    });
    expect(byRuntime?._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([['service', 'runtime']]);
    expect(byRuntime?.AgentDuration).toBe(12.5);
    metrics.flush();
    expect(lines).toHaveLength(2); // the buffer was emptied
  });

  it('splits more than 100 samples of a metric over several lines', () => {
    const lines: string[] = [];
    const metrics = createEmfMetrics({ service: 'http', write: (l) => lines.push(l) });
    for (let i = 0; i < 250; i++) metrics.add(MetricName.QueueMessageAge, i, 'Milliseconds');
    metrics.flush();
    const values = lines.map((l) => (JSON.parse(l) as Emf).QueueMessageAge as number[]);
    expect(values.map((v) => v.length)).toEqual([100, 100, 50]);
    expect(values.flat()).toEqual(Array.from({ length: 250 }, (_, i) => i));
  });

  it('is off unless ACE_METRICS=emf', () => {
    expect(metricsFromConfig({ ACE_METRICS: 'off' })).toBe(noMetrics);
    expect(metricsFromConfig({ ACE_METRICS: 'emf' })).not.toBe(noMetrics);
  });
});

describe('engine metrics from a session on the local stack', () => {
  const lines: string[] = [];
  let stack: LocalStack;
  beforeAll(async () => {
    const metrics = createEmfMetrics({ service: 'local', write: (l) => lines.push(l) });
    stack = await startTestStack({}, { seed: true, metrics });
  });
  afterAll(async () => stack?.close());

  it('counts the session once, times every agent call and the time on the queue', async () => {
    const run = await runDemo({ baseUrl: stack.httpUrl.replace(/\/graphql$/, ''), log: () => undefined });
    expect(run.status).toBe('completed');
    stack.engine.metrics.flush();
    const samples = new Map<string, number[]>();
    for (const line of lines) {
      const emf = JSON.parse(line) as Emf;
      for (const m of emf._aws.CloudWatchMetrics[0]?.Metrics ?? []) {
        const value = emf[m.Name];
        samples.set(m.Name, [
          ...(samples.get(m.Name) ?? []),
          ...(Array.isArray(value) ? value : [value as number]),
        ]);
      }
    }
    expect(samples.get(MetricName.SessionsStarted)).toEqual([1]);
    expect(samples.get(MetricName.SessionsCompleted)).toEqual([1]);
    expect(samples.get(MetricName.SessionsFailed)).toBeUndefined();
    // Four task agents, one runtime call each (the demo's agents do not fail).
    expect(samples.get(MetricName.AgentDuration)).toHaveLength(4);
    const ages = samples.get(MetricName.QueueMessageAge) ?? [];
    expect(ages.length).toBeGreaterThanOrEqual(2);
    expect(ages.every((age) => age >= 0)).toBe(true);
  });
});
