import { setTimeout as sleep } from 'node:timers/promises';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/ids.js';
import { fireClaimKey, handleFireSchedule, type StartScheduledSession } from '../../src/schedules/fire.js';
import { createLocalScheduler } from '../../src/schedules/local-scheduler.js';
import { fireScheduleMessage } from '../../src/schedules/messages.js';
import { createOccurrenceClaims } from '../../src/schedules/occurrence-claim.js';
import type { Tenant } from '../../src/tenant.js';
import { createTestEnv, type TestEnv, tenantA, tenantB } from '../support/env.js';

/**
 * Firing against dynalite through the real SDK. The procedure hub is injected;
 * here a stand-in that writes a real Session row (recording its schedule) and
 * counts its calls, slow enough that concurrent deliveries overlap.
 */
describe('firing task schedules', () => {
  let env: TestEnv;
  const coordinationUuid = newId();
  const starts: { tenant: Tenant; scheduleUuid: string; idempotencyKey: string }[] = [];
  let failNextStarts = 0;

  const startSession: StartScheduledSession = async (tenant, input) => {
    await sleep(20);
    if (failNextStarts > 0) {
      failNextStarts--;
      throw new Error('hub unavailable');
    }
    starts.push({ tenant, scheduleUuid: input.scheduleUuid, idempotencyKey: input.idempotencyKey });
    return env.repos.sessions.insert(tenant, {
      coordination_uuid: input.coordinationUuid,
      session_uuid: newId(),
      task_uuid: input.taskUuid,
      schedule_uuid: input.scheduleUuid,
      iteration_count: 0,
      subtask_queries: [],
      status: 'initial',
      updated_by: 'scheduler',
    });
  };

  const deps = (now?: () => Date) => ({
    taskSchedules: env.repos.taskSchedules,
    claims: createOccurrenceClaims({
      doc: env.clients.doc,
      tableName: env.clients.tables.idempotency,
      ...(now && { now }),
    }),
    startSession,
  });

  const insertSchedule = (tenant: Tenant, schedule: string, status = 'active') =>
    env.repos.taskSchedules.insert(tenant, {
      task_uuid: newId(),
      schedule_uuid: newId(),
      coordination_uuid: coordinationUuid,
      schedule,
      status,
      updated_by: 'tester',
    });

  const sessionsOf = async (tenant: Tenant, scheduleUuid: string) =>
    (await env.repos.sessions.list(tenant, { coordinationUuid })).filter(
      (s) => s.schedule_uuid === scheduleUuid,
    );

  beforeAll(async () => {
    env = await createTestEnv();
  });

  it('fires a due schedule exactly once when schedulers and deliveries are duplicated', async () => {
    // Prepare: a schedule due every minute; three local schedulers that all saw it at 12:00:30.
    const schedule = await insertSchedule(tenantA, 'rate(1 minute)');
    const paused = await insertSchedule(tenantA, 'rate(1 minute)', 'paused');
    const start = new Date('2026-03-01T12:00:30Z');
    const delivered: Promise<unknown>[] = [];
    const fire = async (message: Parameters<typeof handleFireSchedule>[0]) => {
      // Every message is delivered twice, concurrently (an at-least-once queue at its worst).
      delivered.push(handleFireSchedule(message, deps()), handleFireSchedule(message, deps()));
    };
    const schedulers = [1, 2, 3].map(() =>
      createLocalScheduler({ doc: env.clients.doc, tables: env.clients.tables, fire, now: () => start }),
    );

    // Act: all three tick at 12:01:10, concurrently.
    const emitted = await Promise.all(schedulers.map((s) => s.tick(new Date('2026-03-01T12:01:10Z'))));
    const outcomes = await Promise.all(delivered);

    // Assess: each scheduler emitted the 12:01:00 occurrence of the active schedule only; one session started.
    const ours = emitted.map((list) => list.filter((m) => m.schedule_uuid === schedule.schedule_uuid));
    expect(ours.map((list) => list.map((m) => m.scheduled_time))).toEqual([
      ['2026-03-01T12:01:00Z'],
      ['2026-03-01T12:01:00Z'],
      ['2026-03-01T12:01:00Z'],
    ]);
    expect(emitted.flat().some((m) => m.schedule_uuid === paused.schedule_uuid)).toBe(false);
    expect(outcomes.filter((o) => (o as { status: string }).status === 'started')).toHaveLength(1);
    expect(outcomes.filter((o) => (o as { status: string }).status === 'duplicate')).toHaveLength(5);
    expect(starts.filter((s) => s.scheduleUuid === schedule.schedule_uuid)).toEqual([
      {
        tenant: tenantA,
        scheduleUuid: schedule.schedule_uuid,
        idempotencyKey: `schedule#${schedule.schedule_uuid}#2026-03-01T12:01:00Z`,
      },
    ]);
    const sessions = await sessionsOf(tenantA, schedule.schedule_uuid);
    expect(sessions).toHaveLength(1);
    const after = await env.repos.taskSchedules.get(tenantA, schedule.task_uuid, schedule.schedule_uuid);
    expect(after.last_fired_at).toBe('2026-03-01T12:01:00Z');
    const claim = await env.clients.doc.send(
      new GetCommand({
        TableName: env.clients.tables.idempotency,
        Key: { idempotency_key: fireClaimKey(schedule.schedule_uuid, '2026-03-01T12:01:00Z') },
      }),
    );
    expect(claim.Item).toMatchObject({ state: 'done', result: { session_uuid: sessions[0]?.session_uuid } });

    // Act again: the next tick covers 12:02:00, a new occurrence, which starts a second session.
    const next = await Promise.all(schedulers.map((s) => s.tick(new Date('2026-03-01T12:02:05Z'))));
    await Promise.all(delivered.splice(0));
    expect(next.flat().filter((m) => m.schedule_uuid === schedule.schedule_uuid)).toHaveLength(3);
    expect(await sessionsOf(tenantA, schedule.schedule_uuid)).toHaveLength(2);
  });

  it('a redelivery after a failed start fires once; later duplicates do nothing', async () => {
    const schedule = await insertSchedule(tenantB, 'cron(0 6 * * ? *)');
    const message = fireScheduleMessage(
      {
        endpointId: tenantB.endpointId,
        partId: tenantB.partId,
        taskUuid: schedule.task_uuid,
        scheduleUuid: schedule.schedule_uuid,
      },
      new Date('2026-03-02T06:00:00.000Z'),
    );
    failNextStarts = 1;
    await expect(handleFireSchedule(message, deps())).rejects.toThrow('hub unavailable');
    expect(await handleFireSchedule(message, deps())).toMatchObject({ status: 'started' });
    expect(await handleFireSchedule(message, deps())).toEqual({ status: 'duplicate' });
    // The same occurrence written with milliseconds / an offset is the same occurrence.
    expect(
      await handleFireSchedule({ ...message, scheduled_time: '2026-03-02T07:00:00.000+01:00' }, deps()),
    ).toEqual({
      status: 'duplicate',
    });
    expect(await sessionsOf(tenantB, schedule.schedule_uuid)).toHaveLength(1);
  });

  it('takes over an occurrence whose claimant died once its lease has run out', async () => {
    const schedule = await insertSchedule(tenantA, 'rate(1 hour)');
    const scheduledTime = '2026-03-03T10:00:00Z';
    const claims = createOccurrenceClaims({
      doc: env.clients.doc,
      tableName: env.clients.tables.idempotency,
    });
    expect(
      await claims.claim(
        fireClaimKey(schedule.schedule_uuid, scheduledTime),
        'crashed-owner',
        'schedule_fire',
      ),
    ).toBe(true);
    const message = fireScheduleMessage(
      {
        endpointId: tenantA.endpointId,
        partId: tenantA.partId,
        taskUuid: schedule.task_uuid,
        scheduleUuid: schedule.schedule_uuid,
      },
      new Date(scheduledTime),
    );
    expect(await handleFireSchedule(message, deps())).toEqual({ status: 'duplicate' });
    const sixMinutesLater = () => new Date(Date.now() + 6 * 60_000);
    expect(await handleFireSchedule(message, deps(sixMinutesLater))).toMatchObject({ status: 'started' });
    expect(await sessionsOf(tenantA, schedule.schedule_uuid)).toHaveLength(1);
  });

  it("skips paused, deleted and other tenants' schedules without starting anything", async () => {
    const schedule = await insertSchedule(tenantA, 'rate(5 minutes)', 'paused');
    const target = {
      endpointId: tenantA.endpointId,
      partId: tenantA.partId,
      taskUuid: schedule.task_uuid,
      scheduleUuid: schedule.schedule_uuid,
    };
    const at = new Date('2026-03-04T00:05:00Z');
    const before = starts.length;
    expect(await handleFireSchedule(fireScheduleMessage(target, at), deps())).toEqual({
      status: 'skipped',
      reason: 'schedule paused',
    });
    const foreign = fireScheduleMessage({ ...target, endpointId: tenantB.endpointId }, at);
    expect(await handleFireSchedule(foreign, deps())).toEqual({
      status: 'skipped',
      reason: 'schedule not found',
    });
    await env.repos.taskSchedules.delete(tenantA, schedule.task_uuid, schedule.schedule_uuid);
    expect(await handleFireSchedule(fireScheduleMessage(target, at), deps())).toEqual({
      status: 'skipped',
      reason: 'schedule not found',
    });
    expect(starts.length).toBe(before);
  });
});
