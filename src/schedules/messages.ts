import * as z from 'zod';

/**
 * The work-queue message that fires one occurrence of a TaskSchedule.
 * EventBridge Scheduler sends it (its target Input, with
 * `<aws.scheduler.scheduled-time>` filled in) and so does the local
 * in-process scheduler; the SQS handler routes it to `handleFireSchedule`.
 */
export const FIRE_SCHEDULE = 'fire_schedule';

const SCHEDULED_TIME_PLACEHOLDER = '<aws.scheduler.scheduled-time>';

export const FireScheduleMessageSchema = z.object({
  type: z.literal(FIRE_SCHEDULE),
  v: z.literal(1),
  endpoint_id: z.string().min(1).max(256),
  part_id: z.string().min(1).max(256),
  task_uuid: z.string().min(1).max(64),
  schedule_uuid: z.string().min(1).max(64),
  /** The occurrence's time (ISO-8601, UTC); with schedule_uuid it identifies the firing. */
  scheduled_time: z.iso.datetime({ offset: true }),
});
export type FireScheduleMessage = z.infer<typeof FireScheduleMessageSchema>;

/** The occurrence time in one canonical form (second precision, Z), whoever produced it. */
export function canonicalScheduledTime(time: string | Date): string {
  const date = typeof time === 'string' ? new Date(time) : time;
  if (Number.isNaN(date.getTime())) throw new Error(`invalid scheduled time: ${String(time)}`);
  return `${date.toISOString().slice(0, 19)}Z`;
}

export interface FireScheduleTarget {
  readonly endpointId: string;
  readonly partId: string;
  readonly taskUuid: string;
  readonly scheduleUuid: string;
}

export function fireScheduleMessage(target: FireScheduleTarget, scheduledTime: Date): FireScheduleMessage {
  return {
    type: FIRE_SCHEDULE,
    v: 1,
    endpoint_id: target.endpointId,
    part_id: target.partId,
    task_uuid: target.taskUuid,
    schedule_uuid: target.scheduleUuid,
    scheduled_time: canonicalScheduledTime(scheduledTime),
  };
}

/** The EventBridge Scheduler target Input: the same message, its time left to the Scheduler. */
export function fireScheduleTemplate(target: FireScheduleTarget): string {
  return JSON.stringify({
    type: FIRE_SCHEDULE,
    v: 1,
    endpoint_id: target.endpointId,
    part_id: target.partId,
    task_uuid: target.taskUuid,
    schedule_uuid: target.scheduleUuid,
    scheduled_time: SCHEDULED_TIME_PLACEHOLDER,
  });
}
