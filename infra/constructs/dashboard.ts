import { Duration } from 'aws-cdk-lib';
import {
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  Metric,
  SingleValueWidget,
  TextWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { MetricName } from '../../src/telemetry/metrics.js';

/**
 * One CloudWatch dashboard for the engine: sessions started / completed /
 * failed / cancelled, agent run time (p50, p95) and errors, tokens and
 * cost where runtimes report them, time on the work queue, DLQ depth, and
 * each function's errors and duration. The session metrics are the EMF
 * metrics of src/telemetry/metrics.ts (summed over the functions).
 */
export interface EngineDashboardProps {
  readonly dashboardName: string;
  readonly namespace: string;
  readonly queue: IQueue;
  readonly deadLetterQueue: IQueue;
  readonly functions: Readonly<Record<string, IFunction | undefined>>;
}

/** An engine metric summed over every function (the `service` dimension), by metric math. */
export function engineMetric(namespace: string, name: MetricName, statistic: string, label: string): IMetric {
  return new MathExpression({
    expression: `SUM(SEARCH('{${namespace},service} MetricName="${name}"', '${statistic}', 300))`,
    label,
    period: Duration.minutes(5),
  });
}

export class EngineDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: EngineDashboardProps) {
    super(scope, id);
    const ns = props.namespace;
    const sum = (name: MetricName, label: string) => engineMetric(ns, name, 'Sum', label);
    const byRuntime = (name: MetricName, statistic: string) =>
      new MathExpression({
        expression: `SEARCH('{${ns},runtime,service} MetricName="${name}"', '${statistic}', 300)`,
        label: `${name} ${statistic}`,
        period: Duration.minutes(5),
      });
    const functions = Object.entries(props.functions).filter((e): e is [string, IFunction] => Boolean(e[1]));
    this.dashboard = new Dashboard(this, 'Dashboard', { dashboardName: props.dashboardName });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown:
          '# AI Coordination Engine\nSessions, agents and the work queue. Metrics: docs/OBSERVABILITY.md.',
        width: 24,
        height: 2,
      }),
      new GraphWidget({
        title: 'Sessions',
        width: 12,
        left: [
          sum(MetricName.SessionsStarted, 'started'),
          sum(MetricName.SessionsCompleted, 'completed'),
          sum(MetricName.SessionsFailed, 'failed'),
          sum(MetricName.SessionsCancelled, 'cancelled'),
        ],
      }),
      new GraphWidget({
        title: 'Agent run time (ms) and errors',
        width: 12,
        left: [byRuntime(MetricName.AgentDuration, 'p50'), byRuntime(MetricName.AgentDuration, 'p95')],
        right: [sum(MetricName.AgentErrors, 'agent errors')],
      }),
      new GraphWidget({
        title: 'Tokens and cost',
        width: 12,
        left: [sum(MetricName.InputTokens, 'input tokens'), sum(MetricName.OutputTokens, 'output tokens')],
        right: [sum(MetricName.CostUsd, 'cost (USD)')],
      }),
      new GraphWidget({
        title: 'Work queue',
        width: 12,
        left: [
          engineMetric(ns, MetricName.QueueMessageAge, 'p95', 'time on queue p95 (ms)'),
          props.queue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(1) }).with({
            label: 'oldest message (s)',
          }),
        ],
        right: [
          props.queue.metricApproximateNumberOfMessagesVisible({
            period: Duration.minutes(1),
            label: 'queued',
          }),
          props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
            period: Duration.minutes(1),
            label: 'dead letters',
          }),
        ],
      }),
      new GraphWidget({
        title: 'Function errors',
        width: 12,
        left: functions.map(([name, fn]) => fn.metricErrors({ period: Duration.minutes(5), label: name })),
      }),
      new GraphWidget({
        title: 'Function duration p95 (ms)',
        width: 12,
        left: functions.map(([name, fn]) =>
          fn.metricDuration({ period: Duration.minutes(5), statistic: 'p95', label: name }),
        ),
      }),
      new SingleValueWidget({
        title: 'Guardrail blocks (24 h)',
        width: 6,
        metrics: [
          new Metric({
            namespace: ns,
            metricName: MetricName.GuardrailBlocks,
            dimensionsMap: { service: 'sqs' },
            statistic: 'Sum',
            period: Duration.hours(24),
          }),
        ],
      }),
    );
  }
}
