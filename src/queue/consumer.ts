import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { ChangeMessageVisibilityCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { Logger } from 'pino';
import type { PayloadStore } from '../payloads/store.js';
import { MetricName, type Metrics } from '../telemetry/metrics.js';
import { consumeMessage } from '../telemetry/queue.js';
import { type QueueMessage, QueueMessageSchema, type QueueMessageType } from './messages.js';
import { decodeBody } from './offload.js';

export type MessageRoutes = {
  readonly [K in QueueMessageType]?: (
    message: Extract<QueueMessage, { type: K }>,
    record: SQSRecord,
  ) => Promise<void>;
};

export interface ConsumerDeps {
  readonly routes: MessageRoutes;
  readonly logger: Logger;
  /** The queue's redrive maxReceiveCount: the delivery that reaches it is the last before the DLQ. */
  readonly maxReceiveCount?: number;
  /** Called once on a message's last delivery when it failed again (e.g. fail its session with the reason). */
  readonly onPoison?: (message: QueueMessage, reason: string) => Promise<void>;
  /** When given, a failed message is hidden for an exponentially growing time: no hot retry loop. */
  readonly backoff?: { readonly sqs: SQSClient; readonly queueUrl: string; readonly baseSeconds?: number };
  /** QueueMessageAge per record (how long it waited on the queue). */
  readonly metrics?: Metrics;
  /** Reads back bodies that were too large for SQS (offload.ts). */
  readonly payloads?: PayloadStore;
}

export class UnroutableMessageError extends Error {
  override name = 'UnroutableMessageError';
}

export function parseQueueMessage(body: string): QueueMessage {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new UnroutableMessageError('message body is not JSON');
  }
  const parsed = QueueMessageSchema.safeParse(json);
  if (!parsed.success) {
    throw new UnroutableMessageError(
      `invalid message: ${parsed.error.issues.map((i) => i.message).join('; ')}`,
    );
  }
  return parsed.data;
}

/**
 * The SQS consumer: validates each record, routes it by type, and reports
 * partial batch failures (Powertools BatchProcessor), so one bad message
 * never makes the good ones run again. Handlers return normally on success
 * or "nothing to do" (duplicates) and throw to be retried.
 */
export function createSqsConsumer(deps: ConsumerDeps) {
  async function handleRecord(record: SQSRecord): Promise<void> {
    let message: QueueMessage | undefined;
    try {
      message = parseQueueMessage(await decodeBody(record.body, deps.payloads));
      const route = deps.routes[message.type] as
        | ((m: QueueMessage, r: SQSRecord) => Promise<void>)
        | undefined;
      if (!route) throw new UnroutableMessageError(`no handler for message type ${message.type}`);
      const sent = Number(record.attributes?.SentTimestamp);
      if (deps.metrics && Number.isFinite(sent))
        deps.metrics.add(MetricName.QueueMessageAge, Math.max(0, Date.now() - sent), 'Milliseconds');
      const parsed = message;
      await consumeMessage(record, parsed as Parameters<typeof consumeMessage>[1], () =>
        route(parsed, record),
      );
    } catch (error) {
      await onFailure(record, message, error);
      throw error;
    }
  }

  async function onFailure(record: SQSRecord, message: QueueMessage | undefined, error: unknown) {
    const receiveCount = Number(record.attributes?.ApproximateReceiveCount ?? '1');
    const reason = error instanceof Error ? error.message : String(error);
    const last = deps.maxReceiveCount !== undefined && receiveCount >= deps.maxReceiveCount;
    deps.logger.warn({ err: error, type: message?.type, receiveCount, last }, 'queue message failed');
    if (last && message) {
      await deps.onPoison?.(message, reason).catch((e: unknown) => {
        deps.logger.error({ err: e }, 'marking a poison message failed (the DLQ consumer will retry)');
      });
    }
    if (deps.backoff) {
      // The last failure goes to the DLQ at once; earlier ones wait longer each time (no hot loop).
      const seconds = last ? 0 : Math.min(900, (deps.backoff.baseSeconds ?? 2) * 2 ** (receiveCount - 1));
      await deps.backoff.sqs
        .send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: deps.backoff.queueUrl,
            ReceiptHandle: record.receiptHandle,
            VisibilityTimeout: Math.floor(seconds),
          }),
        )
        .catch((e: unknown) => deps.logger.warn({ err: e }, 'could not back off a failed message'));
    }
  }

  return async function handleSqsEvent(event: SQSEvent, context?: Context): Promise<SQSBatchResponse> {
    const processor = new BatchProcessor(EventType.SQS);
    return processPartialResponse(event, handleRecord, processor, {
      ...(context && { context }),
      throwOnFullBatchFailure: false,
    });
  };
}

/**
 * The DLQ consumer: a message here failed maxReceiveCount times. Its session
 * is failed with a reason (idempotent), and the message is consumed.
 */
export function createDeadLetterConsumer(deps: {
  readonly logger: Logger;
  readonly payloads?: PayloadStore;
  readonly onPoison: (message: QueueMessage, reason: string) => Promise<void>;
}) {
  return async function handleDeadLetters(event: SQSEvent): Promise<SQSBatchResponse> {
    const processor = new BatchProcessor(EventType.SQS);
    return processPartialResponse(
      event,
      async (record: SQSRecord) => {
        let message: QueueMessage;
        try {
          message = parseQueueMessage(await decodeBody(record.body, deps.payloads));
        } catch (error) {
          deps.logger.error(
            { err: error, body: record.body.slice(0, 1000) },
            'dropping an unreadable dead letter',
          );
          return;
        }
        await deps.onPoison(
          message,
          `dead-lettered after ${record.attributes?.ApproximateReceiveCount ?? '?'} receives`,
        );
      },
      processor,
      { throwOnFullBatchFailure: false },
    );
  };
}
