import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';

describe('ACE_INLINE_RUNS_PER_WORKER (how many agents a worker runs at once before successors go through the queue)', () => {
  it('defaults to 8 and takes the operator value', () => {
    expect(loadConfig({}).ACE_INLINE_RUNS_PER_WORKER).toBe(8);
    expect(loadConfig({ ACE_INLINE_RUNS_PER_WORKER: '3' }).ACE_INLINE_RUNS_PER_WORKER).toBe(3);
  });

  it('refuses a value that is not a whole number of at least 1, naming it', () => {
    for (const value of ['0', '-2', '2.5', 'many']) {
      expect(() => loadConfig({ ACE_INLINE_RUNS_PER_WORKER: value })).toThrow(/ACE_INLINE_RUNS_PER_WORKER/);
    }
  });
});
