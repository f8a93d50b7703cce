import { setImmediate as nextTurn } from 'node:timers/promises';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { newId } from '../../src/ids.js';

/** Probes until `done` holds; fails with the last value after `timeoutMs` (never proceeds silently). */
export async function waitUntil<T>(
  probe: () => Promise<T> | T,
  done: (value: T) => boolean,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`${what}: not reached in ${timeoutMs} ms (last: ${JSON.stringify(value)})`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Counts DynamoDB requests on the wire (sent, not yet answered). `settled()`
 * resolves once none is in flight and none started during a turn of the event
 * loop: everything the code under test had sent has landed.
 */
export function trackInFlight(dynamo: DynamoDBClient) {
  let inFlight = 0;
  let started = 0;
  const name = `in-flight-${newId()}`;
  dynamo.middlewareStack.add(
    (next) => async (args) => {
      inFlight++;
      started++;
      try {
        return await next(args);
      } finally {
        inFlight--;
      }
    },
    { step: 'initialize', name },
  );
  return {
    get inFlight() {
      return inFlight;
    },
    async settled(timeoutMs = 20_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const before = started;
        await nextTurn();
        if (inFlight === 0 && started === before) return;
        if (Date.now() > deadline) throw new Error(`${inFlight} DynamoDB requests still in flight`);
        if (inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 5));
      }
    },
    stop: () => dynamo.middlewareStack.remove(name),
  };
}
