import { GetScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { TaskSchedule } from '../../src/domain/task-schedule/model.js';
import { createScheduleSync } from '../../src/schedules/eventbridge-sync.js';
import { FireScheduleMessageSchema } from '../../src/schedules/messages.js';
import type { ScheduleSync } from '../../src/schedules/sync.js';
import { type LocalSchedulerApi, startLocalSchedulerApi } from './support/scheduler-server.js';

const GROUP = 'ace-dev-schedules';
const QUEUE_ARN = 'arn:aws:sqs:us-east-1:123456789012:ace-dev-work';
const ROLE_ARN = 'arn:aws:iam::123456789012:role/ace-dev-scheduler';

const schedule = (overrides: Partial<TaskSchedule> = {}): TaskSchedule => ({
  task_uuid: '11111111111111111111',
  schedule_uuid: '22222222222222222222',
  coordination_uuid: '33333333333333333333',
  schedule: 'rate(5 minutes)',
  status: 'active',
  partition_key: 'endpoint-a#part-1',
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
  updated_by: 'tester',
  ...overrides,
});

describe('EventBridge Scheduler sync (real SchedulerClient, local Scheduler API)', () => {
  let api: LocalSchedulerApi;
  let sync: ScheduleSync;
  let client: SchedulerClient;

  beforeAll(async () => {
    api = await startLocalSchedulerApi();
    sync = createScheduleSync(
      loadConfig({
        SCHEDULE_GROUP_NAME: GROUP,
        SCHEDULER_ROLE_ARN: ROLE_ARN,
        WORK_QUEUE_ARN: QUEUE_ARN,
        SCHEDULER_ENDPOINT: api.endpoint,
      }),
    );
    client = new SchedulerClient({
      region: 'us-east-1',
      endpoint: api.endpoint,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
  });
  afterAll(async () => {
    client.destroy();
    await api.close();
  });

  const stored = (name: string) => client.send(new GetScheduleCommand({ Name: name, GroupName: GROUP }));

  it('creates a schedule that sends fire_schedule to the work queue with the scheduled time', async () => {
    // Act
    await sync.put(schedule());
    // Assess
    expect(sync.mode).toBe('eventbridge');
    expect(api.calls.map((c) => c.method)).toEqual(['PUT', 'POST']); // update, not found, then create
    const created = await stored('22222222222222222222');
    expect(created).toMatchObject({
      Name: '22222222222222222222',
      GroupName: GROUP,
      ScheduleExpression: 'rate(5 minutes)',
      ScheduleExpressionTimezone: 'UTC',
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: { Arn: QUEUE_ARN, RoleArn: ROLE_ARN },
    });
    const input = JSON.parse(created.Target?.Input ?? '{}');
    expect(input).toEqual({
      type: 'fire_schedule',
      v: 1,
      endpoint_id: 'endpoint-a',
      part_id: 'part-1',
      task_uuid: '11111111111111111111',
      schedule_uuid: '22222222222222222222',
      scheduled_time: '<aws.scheduler.scheduled-time>',
    });
    // What the Scheduler delivers (placeholder filled in) is a valid message.
    const delivered = { ...input, scheduled_time: '2026-01-01T00:05:00Z' };
    expect(FireScheduleMessageSchema.parse(delivered).schedule_uuid).toBe('22222222222222222222');
  });

  it('updates an existing schedule with the EventBridge form of a Unix cron', async () => {
    api.calls.length = 0;
    await sync.put(schedule({ schedule: '30 8 * * 1-5' }));
    expect(api.calls.map((c) => c.method)).toEqual(['PUT']);
    expect((await stored('22222222222222222222')).ScheduleExpression).toBe('cron(30 8 ? * MON-FRI *)');
  });

  it('disables the schedule when the TaskSchedule is paused, and enables it again', async () => {
    await sync.put(schedule({ status: 'paused' }));
    expect((await stored('22222222222222222222')).State).toBe('DISABLED');
    await sync.put(schedule({ status: 'active' }));
    expect((await stored('22222222222222222222')).State).toBe('ENABLED');
  });

  it('deletes the schedule, and a second delete is not an error', async () => {
    api.calls.length = 0;
    await sync.remove(schedule());
    await sync.remove(schedule());
    expect(api.calls.map((c) => `${c.method} ${c.group}/${c.name}`)).toEqual([
      `DELETE ${GROUP}/22222222222222222222`,
      `DELETE ${GROUP}/22222222222222222222`,
    ]);
    expect(api.schedules.size).toBe(0);
  });

  it('refuses to send an invalid expression', async () => {
    api.calls.length = 0;
    await expect(sync.put(schedule({ schedule: 'rate(0 minutes)' }))).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
    });
    expect(api.calls).toHaveLength(0);
  });

  it('is the local no-op when the stack did not configure EventBridge', async () => {
    const local = createScheduleSync(loadConfig({}));
    await local.put(schedule());
    expect(local.mode).toBe('local');
  });
});
