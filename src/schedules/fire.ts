import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { TaskScheduleRepository } from '../domain/task-schedule/repository.js';
import { AppError, NotFoundError } from '../errors.js';
import { type Tenant, tenantOf } from '../tenant.js';
import { canonicalScheduledTime, type FireScheduleMessage } from './messages.js';
import type { OccurrenceClaims } from './occurrence-claim.js';

/**
 * Fires one occurrence of a TaskSchedule: starts the task's session through
 * the procedure hub, at most once per (schedule_uuid, scheduled time), however
 * often the message is delivered.
 */

/** The procedure hub's `executeProcedureTaskSession`, injected so this module knows none of its internals. */
export type StartScheduledSession = (tenant: Tenant, input: ScheduledSessionInput) => Promise<StartedSession>;

export interface ScheduledSessionInput {
  readonly coordinationUuid: string;
  readonly taskUuid: string;
  readonly taskQuery?: string;
  readonly userId?: string;
  /** Recorded on the session it starts. */
  readonly scheduleUuid: string;
  /** Stable per occurrence: the hub starts no second session for a key it has seen. */
  readonly idempotencyKey: string;
}

/** The hub returns the Session (snake_case) or a GraphQL-shaped result (camelCase); either names it. */
export type StartedSession = { readonly session_uuid: string } | { readonly sessionUuid: string };

export interface FireScheduleDeps {
  readonly taskSchedules: TaskScheduleRepository;
  readonly claims: OccurrenceClaims;
  readonly startSession: StartScheduledSession;
  readonly logger?: Logger;
  readonly now?: () => Date;
}

export type FireOutcome =
  | { readonly status: 'started'; readonly sessionUuid: string }
  | { readonly status: 'duplicate' }
  /** The hub refused for good (task gone, invalid DAG...): retrying cannot help, so the occurrence is spent. */
  | { readonly status: 'rejected'; readonly reason: string }
  | { readonly status: 'skipped'; readonly reason: 'schedule not found' | 'schedule paused' };

export const SCHEDULER_USER = 'scheduler';

/** Claim key on the idempotency table; distinct from the key handed to the hub, which may keep its own. */
export const fireClaimKey = (scheduleUuid: string, scheduledTime: string) =>
  `fire#${scheduleUuid}#${scheduledTime}`;
export const sessionIdempotencyKey = (scheduleUuid: string, scheduledTime: string) =>
  `schedule#${scheduleUuid}#${scheduledTime}`;

export async function handleFireSchedule(
  message: FireScheduleMessage,
  deps: FireScheduleDeps,
): Promise<FireOutcome> {
  const tenant = tenantOf(message.endpoint_id, message.part_id);
  const scheduledTime = canonicalScheduledTime(message.scheduled_time);
  const log = deps.logger?.child({ scheduleUuid: message.schedule_uuid, scheduledTime });

  const schedule = await deps.taskSchedules.find(tenant, message.task_uuid, message.schedule_uuid);
  // Deleted or paused after the message was sent: nothing to do, and nothing to retry.
  if (!schedule) return { status: 'skipped', reason: 'schedule not found' };
  if (schedule.status !== 'active') return { status: 'skipped', reason: 'schedule paused' };

  const claimKey = fireClaimKey(schedule.schedule_uuid, scheduledTime);
  const owner = randomUUID();
  if (!(await deps.claims.claim(claimKey, owner, 'schedule_fire'))) {
    log?.info('occurrence already fired or being fired; duplicate ignored');
    return { status: 'duplicate' };
  }

  let sessionUuid: string;
  try {
    const started = await deps.startSession(tenant, {
      coordinationUuid: schedule.coordination_uuid,
      taskUuid: schedule.task_uuid,
      ...(schedule.task_query && { taskQuery: schedule.task_query }),
      ...(schedule.user_id && { userId: schedule.user_id }),
      scheduleUuid: schedule.schedule_uuid,
      idempotencyKey: sessionIdempotencyKey(schedule.schedule_uuid, scheduledTime),
    });
    sessionUuid = 'session_uuid' in started ? started.session_uuid : started.sessionUuid;
  } catch (error) {
    if (error instanceof AppError) {
      await deps.claims.complete(claimKey, owner, { error: error.message, code: error.code });
      log?.error({ err: error }, 'scheduled session refused by the procedure hub');
      return { status: 'rejected', reason: error.message };
    }
    // Let the queue redeliver: the next attempt must be able to claim the occurrence again.
    await deps.claims.release(claimKey, owner);
    throw error;
  }

  await deps.claims.complete(claimKey, owner, { session_uuid: sessionUuid });
  await recordLastFired(deps, tenant, schedule.task_uuid, schedule.schedule_uuid, scheduledTime);
  log?.info({ sessionUuid }, 'schedule fired');
  return { status: 'started', sessionUuid };
}

async function recordLastFired(
  deps: FireScheduleDeps,
  tenant: Tenant,
  taskUuid: string,
  scheduleUuid: string,
  scheduledTime: string,
): Promise<void> {
  try {
    await deps.taskSchedules.update(tenant, taskUuid, scheduleUuid, {
      last_fired_at: scheduledTime,
      updated_by: SCHEDULER_USER,
    });
  } catch (error) {
    // Deleted while firing: the session started anyway; there is nothing left to annotate.
    if (!(error instanceof NotFoundError)) throw error;
  }
}
