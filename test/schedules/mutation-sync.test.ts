import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createScheduleSync } from '../../src/schedules/eventbridge-sync.js';
import { dataOf, errorCode, factories } from '../graphql/helpers.js';
import { createTestEnv, type TestEnv, tenantB } from '../support/env.js';
import { createGraphQLClient } from '../support/graphql.js';
import { type LocalSchedulerApi, startLocalSchedulerApi } from './support/scheduler-server.js';

/**
 * The TaskSchedule mutations keep EventBridge Scheduler in step: the real
 * SchedulerClient against a local server speaking its API, through GraphQL.
 */
describe('TaskSchedule mutations sync EventBridge Scheduler', () => {
  let env: TestEnv;
  let api: LocalSchedulerApi;
  let gql: ReturnType<typeof createGraphQLClient>;
  let otherTenant: ReturnType<typeof createGraphQLClient>;

  beforeAll(async () => {
    env = await createTestEnv();
    api = await startLocalSchedulerApi();
    const scheduleSync = createScheduleSync(
      loadConfig({
        SCHEDULE_GROUP_NAME: 'ace-dev',
        SCHEDULER_ROLE_ARN: 'arn:aws:iam::123456789012:role/scheduler',
        WORK_QUEUE_ARN: 'arn:aws:sqs:us-east-1:123456789012:ace-dev-work',
        SCHEDULER_ENDPOINT: api.endpoint,
      }),
    );
    gql = createGraphQLClient(env, { services: { scheduleSync } });
    otherTenant = createGraphQLClient(env, {
      services: { scheduleSync },
      caller: { tenant: tenantB, userId: 'b' },
    });
  });
  afterAll(async () => {
    await api.close();
  });
  const storedSchedule = (name: string) => [...api.schedules.values()].find((s) => s.Name === name);

  it('creates, pauses, and deletes the schedule; another tenant cannot touch it', async () => {
    // Prepare
    const make = factories(gql);
    const taskUuid = await make.task(await make.coordination());

    // Act: create
    const scheduleUuid = await make.schedule(taskUuid, { s: 'cron(0 9 * * ? *)' });
    // Assess
    const created =
      api.schedules.get(`ace-dev/${scheduleUuid}`) ??
      [...api.schedules.values()].find((s) => s.Name === scheduleUuid);
    expect(created?.ScheduleExpression).toBe('cron(0 9 * * ? *)');
    expect(created?.State).toBe('ENABLED');

    // Act: pause
    const paused = await gql(
      `mutation($t: String!, $s: String!) {
        insertUpdateTaskSchedule(taskUuid: $t, scheduleUuid: $s, status: "paused", updatedBy: "u") { taskSchedule { status } }
      }`,
      { t: taskUuid, s: scheduleUuid },
    );
    expect(dataOf(paused)).toEqual({ insertUpdateTaskSchedule: { taskSchedule: { status: 'paused' } } });
    expect(storedSchedule(scheduleUuid)?.State).toBe('DISABLED');

    // Act: another tenant tries to delete it
    const callsBefore = api.calls.length;
    const refused = await otherTenant(
      'mutation($t: String!, $s: String!) { deleteTaskSchedule(taskUuid: $t, scheduleUuid: $s) { ok } }',
      { t: taskUuid, s: scheduleUuid },
    );
    expect(errorCode(refused)).toBe('NOT_FOUND');
    expect(api.calls.length).toBe(callsBefore);

    // Act: delete
    const deleted = await gql(
      'mutation($t: String!, $s: String!) { deleteTaskSchedule(taskUuid: $t, scheduleUuid: $s) { ok } }',
      { t: taskUuid, s: scheduleUuid },
    );
    expect(dataOf(deleted)).toEqual({ deleteTaskSchedule: { ok: true } });
    expect(storedSchedule(scheduleUuid)).toBeUndefined();
  });

  it('rejects a bad expression with its reason and calls nothing', async () => {
    const make = factories(gql);
    const taskUuid = await make.task(await make.coordination());
    const callsBefore = api.calls.length;
    const result = await gql(
      `mutation($t: String!) {
        insertUpdateTaskSchedule(taskUuid: $t, schedule: "cron(61 * * * ? *)", updatedBy: "u") { taskSchedule { scheduleUuid } }
      }`,
      { t: taskUuid },
    );
    expect(errorCode(result)).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0]?.message).toMatch(/schedule/i);
    expect(api.calls.length).toBe(callsBefore);
  });
});
