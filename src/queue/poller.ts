import { DeleteMessageBatchCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { Logger } from 'pino';

export interface SqsPollerOptions {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly handler: (event: SQSEvent) => Promise<SQSBatchResponse | undefined>;
  readonly batchSize?: number;
  /** Concurrent receive loops (Lambda runs several batches at once). */
  readonly concurrency?: number;
  /** local-aws-sqs holds a long poll until the batch is full, so locally 0 (it still waits ~40 ms) is the quick choice. */
  readonly waitTimeSeconds?: number;
  readonly queueArn?: string;
  readonly logger?: Logger;
}

export interface SqsPoller {
  stop(): Promise<void>;
  /** Batches handled so far. */
  readonly batches: number;
}

/**
 * Plays Lambda's SQS event source mapping locally: receive up to 10 messages,
 * call the handler with real SQSEvent records, delete what succeeded; failed
 * ones reappear after their visibility timeout and the queue's redrive
 * policy moves them to the DLQ after maxReceiveCount.
 */
export function startSqsPoller(options: SqsPollerOptions): SqsPoller {
  let running = true;
  let batches = 0;
  const arn = options.queueArn ?? `arn:aws:sqs:local:000000000000:${options.queueUrl.split('/').pop()}`;

  async function loop() {
    while (running) {
      try {
        const { Messages } = await options.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: options.queueUrl,
            MaxNumberOfMessages: options.batchSize ?? 10,
            WaitTimeSeconds: options.waitTimeSeconds ?? 0,
            MessageSystemAttributeNames: ['All'],
            AttributeNames: ['All'], // older servers (and local-aws-sqs) read this name
            MessageAttributeNames: ['All'],
          }),
        );
        if (!Messages?.length) continue;
        const records: SQSRecord[] = Messages.map((m) => ({
          messageId: m.MessageId ?? '',
          receiptHandle: m.ReceiptHandle ?? '',
          body: m.Body ?? '',
          attributes: {
            ApproximateReceiveCount: m.Attributes?.ApproximateReceiveCount ?? '1',
            SentTimestamp: m.Attributes?.SentTimestamp ?? String(Date.now()),
            SenderId: m.Attributes?.SenderId ?? 'local',
            ApproximateFirstReceiveTimestamp:
              m.Attributes?.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
          },
          // Lambda's shape of the message attributes (they carry the W3C trace context).
          messageAttributes: Object.fromEntries(
            Object.entries(m.MessageAttributes ?? {}).map(([name, value]) => [
              name,
              {
                dataType: value.DataType ?? 'String',
                ...(value.StringValue !== undefined && { stringValue: value.StringValue }),
                stringListValues: [],
                binaryListValues: [],
              },
            ]),
          ),
          md5OfBody: m.MD5OfBody ?? '',
          eventSource: 'aws:sqs',
          eventSourceARN: arn,
          awsRegion: 'local',
        }));
        let failed = new Set(records.map((r) => r.messageId));
        try {
          const response = await options.handler({ Records: records });
          failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
        } catch (error) {
          options.logger?.error({ err: error }, 'SQS handler threw: the whole batch will be retried');
        }
        batches++;
        const done = records.filter((r) => !failed.has(r.messageId));
        if (done.length) {
          await options.sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: options.queueUrl,
              Entries: done.map((r, i) => ({ Id: String(i), ReceiptHandle: r.receiptHandle })),
            }),
          );
        }
      } catch (error) {
        if (!running) return;
        options.logger?.warn({ err: error }, 'SQS poll failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }

  const loops = Array.from({ length: options.concurrency ?? 4 }, () => loop());
  return {
    get batches() {
      return batches;
    },
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}
