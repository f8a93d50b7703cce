import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { createEventLog, MAX_EVENTS_PER_ITEM, type NewSessionEvent } from '../../src/events/event-log.js';
import type { SessionEvent } from '../../src/events/publisher.js';
import { createTestEnv, tenantA, tenantB } from '../support/env.js';

/** The log stores any shape; these tests use small ones that no writer of the engine builds. */
const raw = (type: string, data: Record<string, unknown>) => ({ type, data }) as unknown as NewSessionEvent;

describe('session event log', () => {
  it('gives dense, ordered seqs under concurrent appends from separate instances (no lost or duplicate event)', async () => {
    // Prepare: two "processes" appending to the same session
    const env = await createTestEnv();
    const published: SessionEvent[] = [];
    const publisher = {
      publish: async (_t: unknown, events: readonly SessionEvent[]) => void published.push(...events),
    };
    const logs = [0, 1].map(() =>
      createEventLog({ doc: env.clients.doc, tables: env.clients.tables, publisher }),
    );
    // Act
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        logs[i % 2]?.append(tenantA, 's1', [raw('n', { i, part: 0 }), raw('n', { i, part: 1 })]),
      ),
    );
    // Assess
    const events = await logs[0]?.list(tenantA, 's1', { limit: 1000 });
    expect(events?.map((e) => e.seq)).toEqual(Array.from({ length: 80 }, (_, i) => i + 1));
    const pairs = new Set(events?.map((e) => `${e.data.i}:${e.data.part}`));
    expect(pairs.size).toBe(80);
    // the two events of one append stay adjacent and in order
    for (let k = 0; k < 80; k += 2) {
      expect(events?.[k]?.data.i).toBe(events?.[k + 1]?.data.i);
      expect(events?.[k]?.data.part).toBe(0);
    }
    expect(published).toHaveLength(80);
  });

  it('lists after a cursor, with a limit, inside and across stored items; other tenants see nothing', async () => {
    const env = await createTestEnv();
    const log = createEventLog({ doc: env.clients.doc, tables: env.clients.tables });
    const many = Array.from({ length: MAX_EVENTS_PER_ITEM + 8 }, (_, i) => raw('x', { i }));
    const recorded = await log.append(tenantA, 's2', many);
    expect(recorded.map((e) => e.seq)).toEqual(many.map((_, i) => i + 1));
    const page = await log.list(tenantA, 's2', { after: 5, limit: 3 });
    expect(page.map((e) => e.seq)).toEqual([6, 7, 8]);
    const tail = await log.list(tenantA, 's2', { after: MAX_EVENTS_PER_ITEM - 1 });
    expect(tail.map((e) => e.data.i)).toEqual(
      many.slice(MAX_EVENTS_PER_ITEM - 1).map((e) => (e.data as { i?: number }).i),
    );
    expect(await log.list(tenantB, 's2')).toEqual([]);
    const [big] = await log.append(tenantA, 's2', [raw('agent_output', { output: 'y'.repeat(200_000) })]);
    // Without a payload store the log keeps a cut copy; subscribers were given the value whole.
    expect(String(big?.data.output)).toHaveLength(200_000);
    const [stored] = await log.list(tenantA, 's2', { after: (big?.seq ?? 1) - 1 });
    expect(String(stored?.data.output)).toContain('[truncated');
  });

  it('with a payload store, a large value lives in S3 behind a reference and lists back whole', async () => {
    const env = await createTestEnv();
    const log = createEventLog({ ...env.clients });
    const output = 'z'.repeat(300_000);
    await log.append(tenantA, 's3', [raw('agent_output', { output, small: 'kept inline' })]);
    const { Items } = await env.clients.doc.send(
      new QueryCommand({
        TableName: env.clients.tables.sessionEvents,
        KeyConditionExpression: 'session_uuid = :s',
        ExpressionAttributeValues: { ':s': 's3' },
      }),
    );
    expect(JSON.stringify(Items).length).toBeLessThan(2_000);
    expect(Items?.[0]?.events[0].data.output.payload_ref.key).toMatch(/^payloads\/endpoint-a%23part-1\//);
    const [listed] = await log.list(tenantA, 's3');
    expect(listed?.data).toEqual({ output, small: 'kept inline' });
    await expect(log.list(tenantB, 's3')).resolves.toEqual([]);
  });
});
