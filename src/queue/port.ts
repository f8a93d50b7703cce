import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { PayloadStore } from '../payloads/store.js';
import { traceMessageAttributes } from '../telemetry/queue.js';
import { encodeBody } from './offload.js';

/** A message as it goes on the queue: a typed JSON envelope (see messages.ts). */
export interface Envelope {
  readonly type: string;
  readonly v: number;
  readonly [field: string]: unknown;
}

/**
 * The work-queue port. Every dispatch goes through it: a failure to send is
 * an error for the caller, never a silent skip.
 */
export interface WorkQueue {
  send(messages: readonly Envelope[]): Promise<void>;
}

const MAX_BATCH = 10;

/**
 * SQS through SendMessageBatch (10 entries a call); any failed entry fails
 * the send. A body over SQS's 256 KB goes to S3 and the message carries its
 * reference (the consumer reads it back).
 */
export function createSqsWorkQueue(deps: {
  sqs: SQSClient;
  queueUrl: string;
  payloads?: PayloadStore;
}): WorkQueue {
  return {
    async send(messages) {
      const batches: Envelope[][] = [];
      for (let i = 0; i < messages.length; i += MAX_BATCH) batches.push(messages.slice(i, i + MAX_BATCH));
      // The sender's trace context rides along (W3C traceparent); nothing is added when tracing is off.
      const MessageAttributes = traceMessageAttributes();
      await Promise.all(
        batches.map(async (batch) => {
          const bodies = await Promise.all(batch.map((message) => encodeBody(message, deps.payloads)));
          const result = await deps.sqs.send(
            new SendMessageBatchCommand({
              QueueUrl: deps.queueUrl,
              Entries: bodies.map((body, i) => ({
                Id: String(i),
                MessageBody: body,
                ...(MessageAttributes && { MessageAttributes }),
              })),
            }),
          );
          if (result.Failed?.length) {
            const detail = result.Failed.map((f) => `${f.Code}: ${f.Message}`).join('; ');
            throw new Error(`SendMessageBatch failed for ${result.Failed.length} message(s): ${detail}`);
          }
        }),
      );
    },
  };
}

/**
 * An in-process queue that only records what was sent. Tests and benchmarks
 * use it to deliver messages themselves (duplicated, shuffled, concurrent, or
 * dropped to simulate a crash).
 */
export interface RecordingQueue extends WorkQueue {
  readonly sent: Envelope[];
  /** Removes and returns everything sent so far. */
  take(): Envelope[];
}

export function createRecordingQueue(): RecordingQueue {
  const sent: Envelope[] = [];
  return {
    sent,
    async send(messages) {
      // A structured copy: consumers must not share objects with producers.
      for (const message of messages) sent.push(JSON.parse(JSON.stringify(message)) as Envelope);
    },
    take() {
      return sent.splice(0, sent.length);
    },
  };
}
