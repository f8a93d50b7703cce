import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createSqsConsumer } from '../../src/queue/consumer.js';
import type { QueueMessage } from '../../src/queue/messages.js';
import { MAX_QUEUE_BODY_BYTES } from '../../src/queue/offload.js';
import { createSqsWorkQueue } from '../../src/queue/port.js';
import { createWorkQueues } from '../../src/queue/setup.js';
import { logger } from '../procedure/support.js';
import { createTestEnv } from '../support/env.js';

describe('queue bodies over SQS 256 KB', () => {
  it('go to S3 behind a reference and reach the handler whole; small ones stay inline', async () => {
    // Prepare
    const env = await createTestEnv();
    const urls = await createWorkQueues(env.clients.sqs, `offload-${Date.now()}`, { maxReceiveCount: 3 });
    const queue = createSqsWorkQueue({
      sqs: env.clients.sqs,
      queueUrl: urls.queueUrl,
      payloads: env.clients.payloads,
    });
    const operation = (text: string) => ({
      type: 'graphql_operation',
      v: 1,
      connection_id: 'c1',
      operation_id: text.length > 10 ? 'big' : 'small',
      query: 'mutation ($t: String!) { x(t: $t) }',
      variables: { t: text },
      endpoint_id: 'endpoint-a',
      part_id: 'part-1',
      user_id: 'u1',
    });
    const big = 'é'.repeat(200_000); // 400 KB of UTF-8
    // Act
    await queue.send([operation(big), operation('hi')]);
    const { Messages = [] } = await env.clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: urls.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    const handled: QueueMessage[] = [];
    const consumer = createSqsConsumer({
      routes: { graphql_operation: async (m: QueueMessage) => void handled.push(m) },
      logger,
      payloads: env.clients.payloads,
    });
    const event = {
      Records: Messages.map((m) => ({
        messageId: m.MessageId,
        receiptHandle: m.ReceiptHandle,
        body: m.Body,
        attributes: {},
      })),
    } as unknown as SQSEvent;
    const response = await consumer(event);
    // Assess
    expect(Messages).toHaveLength(2);
    for (const m of Messages)
      expect(Buffer.byteLength(m.Body ?? '')).toBeLessThanOrEqual(MAX_QUEUE_BODY_BYTES);
    expect(Messages.some((m) => m.Body?.includes('offloaded_body'))).toBe(true);
    expect(response.batchItemFailures).toEqual([]);
    const byId = Object.fromEntries(handled.map((m) => [(m as { operation_id: string }).operation_id, m]));
    expect((byId.big as unknown as { variables: { t: string } }).variables.t).toBe(big);
    expect((byId.small as unknown as { variables: { t: string } }).variables.t).toBe('hi');
  });
});
