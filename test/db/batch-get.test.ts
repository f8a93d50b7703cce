import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchGet } from '../../src/db/batch-get.js';
import { createTestEnv, type TestEnv } from '../support/env.js';

/**
 * A DynamoDB endpoint that forwards to the run's local DynamoDB but, like a
 * throttled table, processes only the first `served` keys of each
 * BatchGetItem and hands the rest back as UnprocessedKeys.
 */
function throttlingProxy(target: string, served: number) {
  const calls: number[] = [];
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let body = Buffer.concat(chunks).toString('utf8');
    const isBatchGet = String(req.headers['x-amz-target']).endsWith('.BatchGetItem');
    let unprocessed: Record<string, { Keys: unknown[] }> = {};
    if (isBatchGet) {
      const request = JSON.parse(body) as { RequestItems: Record<string, { Keys: unknown[] }> };
      for (const [table, entry] of Object.entries(request.RequestItems)) {
        calls.push(entry.Keys.length);
        if (entry.Keys.length > served) unprocessed[table] = { ...entry, Keys: entry.Keys.slice(served) };
        entry.Keys = entry.Keys.slice(0, served);
      }
      body = JSON.stringify(request);
    } else {
      unprocessed = {};
    }
    const headers = Object.fromEntries(
      Object.entries(req.headers).filter(([k]) => !['host', 'content-length'].includes(k)),
    ) as Record<string, string>;
    const response = await fetch(target, { method: 'POST', headers, body });
    let text = await response.text();
    if (isBatchGet && response.ok) {
      const parsed = JSON.parse(text) as Record<string, unknown>;
      parsed.UnprocessedKeys = unprocessed;
      text = JSON.stringify(parsed);
    }
    res.writeHead(response.status, { 'content-type': 'application/x-amz-json-1.0' });
    res.end(text);
  });
  return { server, calls };
}

describe('batchGet against a throttling endpoint', () => {
  let env: TestEnv;
  let proxy: ReturnType<typeof throttlingProxy>;
  let doc: DynamoDBDocumentClient;
  const keys = Array.from({ length: 130 }, (_, i) => ({
    partition_key: 'p#1',
    coordination_uuid: `c${String(i).padStart(3, '0')}`,
  }));

  beforeAll(async () => {
    env = await createTestEnv();
    for (const key of keys) {
      await env.clients.doc.send(
        new PutCommand({
          TableName: env.clients.tables.coordinations,
          Item: { ...key, n: key.coordination_uuid },
        }),
      );
    }
    proxy = throttlingProxy(env.config.DYNAMODB_ENDPOINT!, 40);
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    const { port } = proxy.server.address() as AddressInfo;
    doc = DynamoDBDocumentClient.from(
      new DynamoDBClient({
        region: 'us-east-1',
        endpoint: `http://127.0.0.1:${port}`,
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      }),
    );
  });
  afterAll(() => new Promise<void>((resolve) => proxy.server.close(() => resolve())));

  it('chunks by 100, retries UnprocessedKeys with backoff, and returns items in key order', async () => {
    const sleeps: number[] = [];
    const wanted = [...keys].reverse().concat([{ partition_key: 'p#1', coordination_uuid: 'missing' }]);
    const items = await batchGet(
      doc,
      env.clients.tables.coordinations,
      ['partition_key', 'coordination_uuid'],
      wanted,
      async (ms) => {
        sleeps.push(ms);
      },
    );
    expect(items.map((item) => item?.n)).toEqual([
      ...wanted.slice(0, 130).map((k) => k.coordination_uuid),
      undefined,
    ]);
    // 131 keys -> chunks of 100 and 31; the 100 needs 100, 60, 20 (40 served each time); the 31 needs one call.
    expect([...proxy.calls].sort((a, b) => b - a)).toEqual([100, 60, 31, 20]);
    expect(sleeps).toHaveLength(2);
  });
});
