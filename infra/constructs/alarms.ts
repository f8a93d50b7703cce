import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { MetricName } from '../../src/telemetry/metrics.js';
import { engineMetric } from './dashboard.js';

/**
 * Alarms an operator needs first: anything in the dead-letter queue (a
 * message that failed every retry), and any Lambda error or throttle.
 * They have no actions; subscribe an SNS topic to them per account.
 */
export interface EngineAlarmsProps {
  readonly prefix: string;
  readonly deadLetterQueue: IQueue;
  /** With a DLQ consumer, letters leave the DLQ at once, so receipts are alarmed on as well as depth. */
  readonly deadLettersConsumed: boolean;
  readonly functions: Readonly<Record<string, IFunction | undefined>>;
  /** The engine's EMF metrics (src/telemetry/metrics.ts): failed sessions, agent errors, queue age. */
  readonly metrics?: {
    readonly namespace: string;
    readonly queue: IQueue;
    /** p95 of QueueMessageAge above this (ms) alarms. */
    readonly queueAgeMs: number;
  };
}

export class EngineAlarms extends Construct {
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: EngineAlarmsProps) {
    super(scope, id);
    const atLeastOne = {
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    };
    this.alarms.push(
      new Alarm(this, 'DeadLetters', {
        alarmName: `${props.prefix}dead-letters`,
        alarmDescription: 'Messages reached the work queue DLQ: inspect them, fix the cause, redrive.',
        metric: props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(1),
        }),
        ...atLeastOne,
      }),
    );
    if (props.deadLettersConsumed) {
      this.alarms.push(
        new Alarm(this, 'DeadLettersReceived', {
          alarmName: `${props.prefix}dead-letters-received`,
          alarmDescription:
            'Messages were dead-lettered (and their sessions failed): see the dlq function logs.',
          metric: props.deadLetterQueue.metricNumberOfMessagesReceived({ period: Duration.minutes(5) }),
          ...atLeastOne,
        }),
      );
    }
    if (props.metrics) {
      const { namespace, queue, queueAgeMs } = props.metrics;
      this.alarms.push(
        new Alarm(this, 'SessionsFailed', {
          alarmName: `${props.prefix}sessions-failed`,
          alarmDescription:
            'Sessions failed: open the session page (/ui) or `ace events <session>` for the reason.',
          metric: engineMetric(namespace, MetricName.SessionsFailed, 'Sum', 'failed sessions'),
          ...atLeastOne,
        }),
        new Alarm(this, 'AgentErrors', {
          alarmName: `${props.prefix}agent-errors`,
          alarmDescription: 'Agent runtime calls failed (model endpoint down, throttled, or timing out).',
          metric: engineMetric(namespace, MetricName.AgentErrors, 'Sum', 'agent errors'),
          threshold: 5,
          evaluationPeriods: 1,
          comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
        new Alarm(this, 'QueueMessageAge', {
          alarmName: `${props.prefix}queue-message-age`,
          alarmDescription: 'Work waits on the queue: raise queueMaxConcurrency or look for a slow agent.',
          metric: engineMetric(namespace, MetricName.QueueMessageAge, 'p95', 'time on queue p95'),
          threshold: queueAgeMs,
          evaluationPeriods: 3,
          comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
        new Alarm(this, 'OldestMessage', {
          alarmName: `${props.prefix}oldest-work-message`,
          alarmDescription: 'A work message has waited over 15 minutes: the consumer is stuck or throttled.',
          metric: queue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(5) }),
          threshold: 900,
          evaluationPeriods: 1,
          comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
    }
    for (const [name, fn] of Object.entries(props.functions)) {
      if (!fn) continue;
      this.alarms.push(
        new Alarm(this, `${name}Errors`, {
          alarmName: `${props.prefix}${name}-errors`,
          metric: fn.metricErrors({ period: Duration.minutes(5) }),
          ...atLeastOne,
        }),
        new Alarm(this, `${name}Throttles`, {
          alarmName: `${props.prefix}${name}-throttles`,
          metric: fn.metricThrottles({ period: Duration.minutes(5) }),
          ...atLeastOne,
        }),
      );
    }
  }
}
