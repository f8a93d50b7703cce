import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseQueueMessage, UnroutableMessageError } from '../../src/queue/consumer.js';
import { QUEUE_MESSAGES_DOC, withGeneratedSchema } from '../../src/queue/message-schema.js';

describe('queue messages', () => {
  it('docs/QUEUE_MESSAGES.md carries the current execute_task JSON schema (run `npx tsx src/queue/message-schema.ts`)', () => {
    const doc = readFileSync(QUEUE_MESSAGES_DOC, 'utf8');
    expect(withGeneratedSchema(doc)).toBe(doc);
  });

  it('parses the public execute_task example and refuses malformed envelopes', () => {
    const message = parseQueueMessage(
      JSON.stringify({
        type: 'execute_task',
        v: 1,
        endpoint_id: 'acme',
        part_id: 'prod',
        coordination_uuid: '12345678901234567890',
        task_uuid: '09876543210987654321',
        idempotency_key: 'nightly-2026-11-22',
      }),
    );
    expect(message).toMatchObject({ type: 'execute_task', idempotency_key: 'nightly-2026-11-22' });
    expect(() => parseQueueMessage('not json')).toThrow(UnroutableMessageError);
    expect(() => parseQueueMessage(JSON.stringify({ type: 'execute_task', v: 1 }))).toThrow(
      /invalid message/,
    );
    expect(() =>
      parseQueueMessage(JSON.stringify({ type: 'execute_agent', v: 2, endpoint_id: 'a#b', part_id: 'p' })),
    ).toThrow(UnroutableMessageError);
  });
});
