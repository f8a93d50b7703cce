import type { TaskSchedule } from '../domain/task-schedule/model.js';

/**
 * Keeps whatever fires schedules in step with the task_schedules table.
 * `insertUpdateTaskSchedule` calls `put` after it writes (create, update,
 * pause = status other than `active`, resume) and `deleteTaskSchedule` calls
 * `remove` after it deletes. On AWS that is EventBridge Scheduler; locally
 * the in-process scheduler reads the table itself, so there is nothing to do.
 */
export interface ScheduleSync {
  readonly mode: 'eventbridge' | 'local';
  put(schedule: TaskSchedule): Promise<void>;
  remove(schedule: Pick<TaskSchedule, 'task_uuid' | 'schedule_uuid'>): Promise<void>;
}

export const localScheduleSync: ScheduleSync = Object.freeze({
  mode: 'local' as const,
  put: async () => undefined,
  remove: async () => undefined,
});

declare module '../graphql/context.js' {
  interface Services {
    /** Called by the TaskSchedule mutations after their write. */
    scheduleSync?: ScheduleSync;
  }
}
