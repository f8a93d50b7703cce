import { describe, expect, it } from 'vitest';
import { BUCKET_COUNT, bucketOf, DURATION_BOUNDS_MS, quantileOf } from '../../src/analytics/histogram.js';
import { runEventOf } from '../../src/analytics/run-observer.js';

const counts = (entries: Record<number, number>) =>
  Array.from({ length: BUCKET_COUNT }, (_, i) => entries[i] ?? 0);

describe('duration histogram', () => {
  it('puts a duration in the first bucket whose upper edge holds it; past the last edge, the open bucket', () => {
    expect(bucketOf(0)).toBe(0);
    expect(bucketOf(50)).toBe(0);
    expect(bucketOf(51)).toBe(1);
    expect(bucketOf(400)).toBe(3);
    expect(bucketOf(10_000_000)).toBe(DURATION_BOUNDS_MS.length);
  });

  it('interpolates quantiles inside their bucket; null without runs', () => {
    // 5 runs <= 50 ms, 4 in (250, 500], 1 in (2500, 5000]
    const c = counts({ 0: 5, 3: 4, 6: 1 });
    expect(quantileOf(c, 0.5)).toBe(50);
    expect(quantileOf(c, 0.95)).toBe(3750);
    expect(quantileOf(c, 0.6)).toBe(250 + Math.round(250 * (1 / 4)));
    expect(quantileOf(counts({}), 0.5)).toBeNull();
    expect(quantileOf(counts({ [DURATION_BOUNDS_MS.length]: 2 }), 0.5)).toBe(DURATION_BOUNDS_MS.at(-1));
  });

  it('reads run starts and ends from both hubs’ events, and nothing else', () => {
    const event = (type: string, data: Record<string, unknown>) => ({
      sessionUuid: 's',
      seq: 1,
      type,
      data,
      createdAt: '',
    });
    expect(
      runEventOf(event('agent_state', { session_agent_uuid: 'x', agent_uuid: 'a', state: 'executing' })),
    ).toMatchObject({ kind: 'start', runKey: 'x' });
    expect(
      runEventOf(
        event('agent_state', { session_agent_uuid: 'x', agent_uuid: 'a', state: 'failed', attempts: 3 }),
      ),
    ).toMatchObject({ kind: 'end', ok: false, retries: 2 });
    expect(runEventOf(event('run_started', { run_uuid: 'r', agent_uuid: 'a' }))).toMatchObject({
      kind: 'start',
      runKey: 'r',
    });
    expect(runEventOf(event('run_timeout', { run_uuid: 'r', agent_uuid: 'a' }))).toMatchObject({
      kind: 'end',
      ok: false,
    });
    expect(runEventOf(event('agent_output', { session_agent_uuid: 'x', agent_uuid: 'a' }))).toBeUndefined();
    expect(runEventOf(event('session_status', { status: 'completed' }))).toBeUndefined();
  });
});
