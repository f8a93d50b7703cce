import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/ids.js';
import { createLocalScheduler } from '../../src/schedules/local-scheduler.js';
import type { FireScheduleMessage } from '../../src/schedules/messages.js';
import { createTestEnv, type TestEnv, tenantA, tenantB } from '../support/env.js';

describe('local scheduler', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await createTestEnv();
  });

  it('runs on its own timer: each tick emits what fell due since the last, for every tenant; stop() ends it', async () => {
    // Prepare: two tenants' schedules; a clock that moves one minute per reading.
    const every = await env.repos.taskSchedules.insert(tenantA, {
      task_uuid: newId(),
      schedule_uuid: newId(),
      coordination_uuid: newId(),
      schedule: '* * * * *',
      status: 'active',
      updated_by: 'tester',
    });
    const other = await env.repos.taskSchedules.insert(tenantB, {
      task_uuid: newId(),
      schedule_uuid: newId(),
      coordination_uuid: newId(),
      schedule: 'rate(1 minute)',
      status: 'active',
      updated_by: 'tester',
    });
    let minute = 0;
    const clock = () => new Date(Date.UTC(2026, 3, 1, 9, minute++, 30));
    const emitted: FireScheduleMessage[] = [];
    const scheduler = createLocalScheduler({
      doc: env.clients.doc,
      tables: env.clients.tables,
      fire: async (message) => emitted.push(message),
      now: clock,
      intervalMs: 5,
    });

    // Act: run until a few ticks have emitted, then stop.
    scheduler.start();
    for (let i = 0; i < 2000 && emitted.length < 6; i++) await sleep(5);
    await scheduler.stop();
    const atStop = emitted.length;
    await sleep(30);

    // Assess: one message per schedule per minute, in order, no gaps, none after stop.
    expect(emitted.length).toBe(atStop);
    const times = (uuid: string) =>
      emitted.filter((m) => m.schedule_uuid === uuid).map((m) => m.scheduled_time);
    const mine = times(every.schedule_uuid);
    expect(mine.length).toBeGreaterThanOrEqual(3);
    // The clock read 09:00:30 at creation and 09:01:30 at start: the first tick covers (09:01:30, 09:02:30].
    expect(mine.slice(0, 3)).toEqual([
      '2026-04-01T09:02:00Z',
      '2026-04-01T09:03:00Z',
      '2026-04-01T09:04:00Z',
    ]);
    expect(times(other.schedule_uuid).slice(0, 3)).toEqual(mine.slice(0, 3));
    expect(emitted.find((m) => m.schedule_uuid === other.schedule_uuid)).toMatchObject({
      endpoint_id: tenantB.endpointId,
      part_id: tenantB.partId,
      task_uuid: other.task_uuid,
    });
  });
});
