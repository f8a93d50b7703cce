import { Duration } from 'aws-cdk-lib';
import type { HttpApi, WebSocketApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/**
 * Alarms an operator needs first: anything in the dead-letter queue (a
 * message that failed every retry), and any Lambda error or throttle.
 * Then what tells of trouble before errors do: the oldest message's age on
 * the work queue, 5xx on either API, and functions running near their
 * timeout. Every alarm notifies one SNS topic (output AlarmTopicArn;
 * `alarmEmail` subscribes an address).
 */
export interface EngineAlarmsProps {
  readonly prefix: string;
  readonly deadLetterQueue: IQueue;
  /** With a DLQ consumer, letters leave the DLQ at once, so receipts are alarmed on as well as depth. */
  readonly deadLettersConsumed: boolean;
  readonly functions: Readonly<Record<string, IFunction | undefined>>;
  readonly workQueue: IQueue;
  readonly httpApi: HttpApi;
  readonly webSocketApi: WebSocketApi;
  /** Each function's timeout in seconds: the duration alarm fires at 80 % of it. */
  readonly timeouts: Readonly<Record<string, number>>;
  readonly alarmEmail?: string;
}

export class EngineAlarms extends Construct {
  readonly alarms: Alarm[] = [];
  readonly topic: Topic;

  constructor(scope: Construct, id: string, props: EngineAlarmsProps) {
    super(scope, id);
    this.topic = new Topic(this, 'Topic', { topicName: `${props.prefix}alarms`, enforceSSL: true });
    if (props.alarmEmail) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
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
      const timeout = props.timeouts[name];
      if (timeout) {
        this.alarms.push(
          new Alarm(this, `${name}Duration`, {
            alarmName: `${props.prefix}${name}-duration`,
            alarmDescription: `p99 duration above 80 % of the ${timeout} s timeout.`,
            metric: fn.metricDuration({ period: Duration.minutes(5), statistic: 'p99' }),
            threshold: timeout * 1000 * 0.8,
            evaluationPeriods: 3,
            comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treatMissingData: TreatMissingData.NOT_BREACHING,
          }),
        );
      }
    }
    const someErrors = {
      threshold: 5,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    };
    this.alarms.push(
      new Alarm(this, 'WorkQueueAge', {
        alarmName: `${props.prefix}work-queue-age`,
        alarmDescription: 'The oldest work message waited 5 minutes: consumers are stuck or too few.',
        metric: props.workQueue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(1) }),
        threshold: 300,
        evaluationPeriods: 3,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
      new Alarm(this, 'Http5xx', {
        alarmName: `${props.prefix}http-5xx`,
        metric: props.httpApi.metricServerError({ period: Duration.minutes(5), statistic: 'Sum' }),
        ...someErrors,
      }),
      new Alarm(this, 'WebSocket5xx', {
        alarmName: `${props.prefix}ws-5xx`,
        metric: new Metric({
          namespace: 'AWS/ApiGateway',
          metricName: 'IntegrationError',
          dimensionsMap: { ApiId: props.webSocketApi.apiId },
          statistic: 'Sum',
          period: Duration.minutes(5),
        }),
        ...someErrors,
      }),
    );
    const notify = new SnsAction(this.topic);
    for (const alarm of this.alarms) alarm.addAlarmAction(notify);
  }
}
