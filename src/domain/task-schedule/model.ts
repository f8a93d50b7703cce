import * as z from 'zod';
import { AuditFields, IdSchema } from '../common/fields.js';

export const ScheduleStatusSchema = z.enum(['active', 'paused']);

export const TaskScheduleSchema = z.object({
  task_uuid: IdSchema,
  schedule_uuid: IdSchema,
  coordination_uuid: IdSchema,
  /** cron(...) / rate(...) (EventBridge forms) or a 5/6-field cron expression. */
  schedule: z.string().min(1).max(256),
  status: z.string().min(1).max(64).default('active'),
  /** Optional JSON task query for the sessions this schedule starts. */
  task_query: z.string().max(32_768).optional().nullable(),
  user_id: z.string().max(256).optional().nullable(),
  /** ISO time of the last occurrence that started a session (the idempotency key holds the truth). */
  last_fired_at: z.string().optional().nullable(),
  ...AuditFields,
});
export type TaskSchedule = z.infer<typeof TaskScheduleSchema>;
