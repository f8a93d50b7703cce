import {
  ConflictException,
  CreateScheduleCommand,
  type CreateScheduleCommandInput,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import type { Config } from '../config.js';
import type { TaskSchedule } from '../domain/task-schedule/model.js';
import { tenantFromPartitionKey } from '../tenant.js';
import { assertValidSchedule } from './expression.js';
import { fireScheduleTemplate } from './messages.js';
import { localScheduleSync, type ScheduleSync } from './sync.js';

/**
 * One EventBridge Scheduler schedule per TaskSchedule, named by its
 * schedule_uuid inside the stack's schedule group. Each one sends a
 * `fire_schedule` message to the work queue with the role the stack made for
 * it (which can do nothing but sqs:SendMessage to that queue).
 */
export interface EventBridgeSyncOptions {
  readonly client: SchedulerClient;
  readonly groupName: string;
  readonly queueArn: string;
  readonly roleArn: string;
}

export function scheduleRequest(options: Omit<EventBridgeSyncOptions, 'client'>, schedule: TaskSchedule) {
  const parsed = assertValidSchedule(schedule.schedule);
  const tenant = tenantFromPartitionKey(schedule.partition_key);
  return {
    Name: schedule.schedule_uuid,
    GroupName: options.groupName,
    Description: `task ${schedule.task_uuid}`.slice(0, 512),
    ScheduleExpression: parsed.eventBridgeExpression,
    ScheduleExpressionTimezone: 'UTC',
    State: schedule.status === 'active' ? 'ENABLED' : 'DISABLED',
    FlexibleTimeWindow: { Mode: 'OFF' },
    Target: {
      Arn: options.queueArn,
      RoleArn: options.roleArn,
      Input: fireScheduleTemplate({
        endpointId: tenant.endpointId,
        partId: tenant.partId,
        taskUuid: schedule.task_uuid,
        scheduleUuid: schedule.schedule_uuid,
      }),
      // A late firing is still wanted for a while; after an hour the occurrence is dropped.
      RetryPolicy: { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 20 },
    },
  } satisfies CreateScheduleCommandInput;
}

export function createEventBridgeScheduleSync(options: EventBridgeSyncOptions): ScheduleSync {
  const { client } = options;
  return {
    mode: 'eventbridge',
    async put(schedule) {
      const request = scheduleRequest(options, schedule);
      try {
        await client.send(new UpdateScheduleCommand(request));
      } catch (error) {
        if (!(error instanceof ResourceNotFoundException)) throw error;
        try {
          await client.send(new CreateScheduleCommand(request));
        } catch (createError) {
          // Created concurrently by another writer: bring it to this version.
          if (!(createError instanceof ConflictException)) throw createError;
          await client.send(new UpdateScheduleCommand(request));
        }
      }
    },
    async remove(schedule) {
      try {
        await client.send(
          new DeleteScheduleCommand({ Name: schedule.schedule_uuid, GroupName: options.groupName }),
        );
      } catch (error) {
        if (!(error instanceof ResourceNotFoundException)) throw error;
      }
    },
  };
}

/** EventBridge when the stack configured it (group, role, queue ARN), else the local no-op. */
export function createScheduleSync(config: Config): ScheduleSync {
  const { SCHEDULE_GROUP_NAME: groupName, SCHEDULER_ROLE_ARN: roleArn, WORK_QUEUE_ARN: queueArn } = config;
  if (!groupName || !roleArn || !queueArn) return localScheduleSync;
  const client = new SchedulerClient({
    region: config.AWS_REGION,
    ...(config.SCHEDULER_ENDPOINT && {
      endpoint: config.SCHEDULER_ENDPOINT,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
  });
  return createEventBridgeScheduleSync({ client, groupName, queueArn, roleArn });
}
