import { Duration } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/**
 * The work queue and its dead-letter queue. A message that fails
 * `maxReceiveCount` times moves to the DLQ (alarmed on) instead of looping.
 */
export interface WorkQueueProps {
  readonly maxReceiveCount: number;
  /** At least 6 x the consumer's timeout, so a slow batch is not redelivered while still running. */
  readonly visibilityTimeout: Duration;
}

export class WorkQueue extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: WorkQueueProps) {
    super(scope, id);
    this.deadLetterQueue = new Queue(this, 'DeadLetters', {
      // The DLQ has a consumer too (it fails the letters' sessions); it gets the same margin.
      visibilityTimeout: props.visibilityTimeout,
      retentionPeriod: Duration.days(14),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    this.queue = new Queue(this, 'Queue', {
      visibilityTimeout: props.visibilityTimeout,
      retentionPeriod: Duration.days(4),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount },
    });
  }
}
