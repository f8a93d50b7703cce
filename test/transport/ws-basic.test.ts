import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../src/local/stack.js';
import { request, startTestStack, wsClient } from './support.js';

let stack: LocalStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.close();
});

describe('graphql-transport-ws over the local API Gateway', () => {
  it('runs a query with the real graphql-ws client and replies next then complete', async () => {
    const client = wsClient(stack, await stack.token());
    const result = await request<{ ping: string }>(client, '{ ping }');
    expect(result.data?.ping).toMatch(/^pong /);
    await client.dispose();
  });
});
