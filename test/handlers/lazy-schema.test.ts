import { describe, expect, it, vi } from 'vitest';
import { builder } from '../../src/graphql/builder.js';
import { createEngine } from '../../src/wiring.js';
import { createTestEnv } from '../support/env.js';

/** Issue 16, part 4: the GraphQL schema and yoga are built on first use, not with the engine. */
describe('a cold engine builds the GraphQL schema only when something runs GraphQL', () => {
  it('a queue message that runs no GraphQL and a WebSocket ping build no schema; the first query builds it once', async () => {
    const toSchema = vi.spyOn(builder, 'toSchema');
    const env = await createTestEnv();
    const engine = createEngine(env.config);
    const body = JSON.stringify({
      type: 'fire_schedule',
      v: 1,
      endpoint_id: 'lazy',
      part_id: 'p1',
      task_uuid: '00000000000000000001',
      schedule_uuid: '00000000000000000002',
      scheduled_time: '2026-01-01T00:00:00Z',
    });
    const result = await engine.handleQueueEvent({
      Records: [
        {
          messageId: 'm-1',
          receiptHandle: 'h-1',
          body,
          attributes: {
            ApproximateReceiveCount: '1',
            SentTimestamp: String(Date.now()),
            SenderId: 'test',
            ApproximateFirstReceiveTimestamp: String(Date.now()),
          },
          messageAttributes: {},
          md5OfBody: '',
          eventSource: 'aws:sqs',
          eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:work',
          awsRegion: 'us-east-1',
        },
      ],
    });
    expect(result.batchItemFailures).toEqual([]);
    await engine.ws.message('no-such-connection', '{"type":"pong"}');
    expect(toSchema).not.toHaveBeenCalled();

    const answer = await engine.yoga.fetch(
      'http://yoga/graphql',
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ ping }' }),
      },
      engine.httpContext({
        tenant: { endpointId: 'lazy', partId: 'p1', partitionKey: 'lazy#p1' },
        userId: 'u',
      }),
    );
    expect(((await answer.json()) as { data: { ping: string } }).data.ping).toMatch(/^pong /);
    await engine.yoga.fetch(
      'http://yoga/graphql?query=%7Bping%7D',
      engine.httpContext({
        tenant: { endpointId: 'lazy', partId: 'p1', partitionKey: 'lazy#p1' },
        userId: 'u',
      }),
    );
    expect(toSchema).toHaveBeenCalledTimes(1);
    toSchema.mockRestore();
  });
});
