import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Logger } from 'pino';
import type { TableNames } from '../db/tables.js';
import { type TaskSchedule, TaskScheduleSchema } from '../domain/task-schedule/model.js';
import { tenantFromPartitionKey } from '../tenant.js';
import { parseScheduleExpression } from './expression.js';
import { type FireScheduleMessage, fireScheduleMessage } from './messages.js';

/**
 * The local stand-in for EventBridge Scheduler (`npm start`): every tick it
 * reads the active schedules of every tenant from task_schedules and emits a
 * `fire_schedule` message for each occurrence that fell due since the last
 * tick. Like EventBridge, it does not backfill time when it was not running.
 * Emitting twice is harmless: firing is idempotent per occurrence, so several
 * local schedulers (or a restart inside a tick) never start two sessions.
 */
export interface LocalSchedulerDeps {
  readonly doc: DynamoDBDocumentClient;
  readonly tables: Pick<TableNames, 'taskSchedules'>;
  /** Delivers one message: onto the work queue, or straight to handleFireSchedule. */
  readonly fire: (message: FireScheduleMessage) => Promise<unknown>;
  readonly logger?: Logger;
  readonly now?: () => Date;
  readonly intervalMs?: number;
  /** At most this many occurrences per schedule and tick (the newest), so a long pause does not flood. */
  readonly maxOccurrencesPerTick?: number;
}

export interface LocalScheduler {
  /** Emits what fell due in (previous tick, now]; returns the messages it emitted. */
  tick(now?: Date): Promise<FireScheduleMessage[]>;
  start(): void;
  stop(): Promise<void>;
}

export function createLocalScheduler(deps: LocalSchedulerDeps): LocalScheduler {
  const clock = () => deps.now?.() ?? new Date();
  const maxPerTick = deps.maxOccurrencesPerTick ?? 5;
  let windowStart = clock();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;

  async function activeSchedules(): Promise<TaskSchedule[]> {
    const schedules: TaskSchedule[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await deps.doc.send(
        new ScanCommand({
          TableName: deps.tables.taskSchedules,
          FilterExpression: '#status = :active',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':active': 'active' },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) {
        const parsed = TaskScheduleSchema.safeParse(item);
        if (parsed.success) schedules.push(parsed.data);
        else deps.logger?.warn({ item: item.schedule_uuid }, 'unreadable task schedule skipped');
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return schedules;
  }

  function dueOccurrences(schedule: TaskSchedule, from: Date, to: Date): Date[] {
    const parsed = parseScheduleExpression(schedule.schedule, { now: from });
    if (!parsed.ok) return [];
    const due: Date[] = [];
    for (let at = parsed.next(from); at && at <= to; at = parsed.next(at)) {
      due.push(at);
      if (due.length > maxPerTick) due.shift();
    }
    return due;
  }

  async function tick(now = clock()): Promise<FireScheduleMessage[]> {
    const from = windowStart;
    if (now <= from) return [];
    windowStart = now;
    const messages = (await activeSchedules()).flatMap((schedule) => {
      const tenant = tenantFromPartitionKey(schedule.partition_key);
      const target = {
        endpointId: tenant.endpointId,
        partId: tenant.partId,
        taskUuid: schedule.task_uuid,
        scheduleUuid: schedule.schedule_uuid,
      };
      return dueOccurrences(schedule, from, now).map((at) => fireScheduleMessage(target, at));
    });
    const results = await Promise.allSettled(messages.map((message) => deps.fire(message)));
    for (const result of results) {
      if (result.status === 'rejected') deps.logger?.error({ err: result.reason }, 'schedule firing failed');
    }
    return messages;
  }

  return {
    tick,
    start() {
      if (timer) return;
      windowStart = clock();
      timer = setInterval(() => {
        if (running) return; // a slow tick is never overlapped by the next
        running = tick()
          .catch((error: unknown) => deps.logger?.error({ err: error }, 'local scheduler tick failed'))
          .finally(() => {
            running = undefined;
          });
      }, deps.intervalMs ?? 1000);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await running;
    },
  };
}
