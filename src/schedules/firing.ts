import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Logger } from 'pino';
import type { TableNames } from '../db/tables.js';
import type { TaskScheduleRepository } from '../domain/task-schedule/repository.js';
import { type FireOutcome, handleFireSchedule, type StartScheduledSession } from './fire.js';
import type { FireScheduleMessage } from './messages.js';
import { createOccurrenceClaims } from './occurrence-claim.js';

/**
 * The `fire_schedule` consumer, assembled from the engine's clients: the SQS
 * handler calls it for every fire_schedule message (EventBridge's and the
 * local scheduler's alike). `startSession` is the procedure hub's
 * `executeProcedureTaskSession`.
 */
export interface ScheduleFiringDeps {
  readonly doc: DynamoDBDocumentClient;
  readonly tables: Pick<TableNames, 'idempotency'>;
  readonly repos: { readonly taskSchedules: TaskScheduleRepository };
  readonly startSession: StartScheduledSession;
  readonly logger?: Logger;
}

export type FireSchedule = (message: FireScheduleMessage) => Promise<FireOutcome>;

export function createScheduleFiring(deps: ScheduleFiringDeps): FireSchedule {
  const claims = createOccurrenceClaims({ doc: deps.doc, tableName: deps.tables.idempotency });
  return (message) =>
    handleFireSchedule(message, {
      taskSchedules: deps.repos.taskSchedules,
      claims,
      startSession: deps.startSession,
      ...(deps.logger && { logger: deps.logger }),
    });
}
