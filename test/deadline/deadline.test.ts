import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { deadline } from '../../src/deadline.js';

// A real garbage collection, as heap pressure in a busy process would run one.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

const aborted = (signal: AbortSignal) =>
  new Promise<unknown>((resolve) => signal.addEventListener('abort', () => resolve(signal.reason)));

describe('deadline', () => {
  it('still times out after a garbage collection drops every other reference', async () => {
    const parent = new AbortController();
    const { signal, timedOut } = deadline(100, parent.signal);
    // After a tick, so nothing on the stack still holds what the call made.
    await new Promise((resolve) => setTimeout(resolve, 10));
    collectGarbage();
    const reason = await aborted(signal);
    expect(timedOut()).toBe(true);
    expect((reason as DOMException).name).toBe('TimeoutError');
  });

  it('follows a parent that aborts first, with its reason, and is not a timeout', async () => {
    const parent = new AbortController();
    const limit = deadline(60_000, undefined, parent.signal);
    parent.abort(new Error('cancelled'));
    expect(limit.signal.aborted).toBe(true);
    expect((limit.signal.reason as Error).message).toBe('cancelled');
    expect(limit.timedOut()).toBe(false);
  });

  it('starts aborted under an aborted parent, and clear() stops the timer', async () => {
    const parent = new AbortController();
    parent.abort('gone');
    expect(deadline(60_000, parent.signal).signal.reason).toBe('gone');
    const limit = deadline(1, new AbortController().signal);
    limit.clear();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(limit.signal.aborted).toBe(false);
  });
});
