import type { Logger } from 'pino';
import type { ProcedureHub } from '../hubs/procedure/hub.js';
import { createDeadLetterConsumer, createSqsConsumer, type MessageRoutes } from './consumer.js';
import { PROCEDURE_MESSAGE_TYPES, type QueueMessage } from './messages.js';

export interface SqsHandlerDeps {
  readonly procedure: ProcedureHub;
  /** Routes of other features (operation hub, schedules); the procedure hub's are added here. */
  readonly routes?: MessageRoutes;
  readonly logger: Logger;
  readonly maxReceiveCount?: number;
  readonly metrics?: Parameters<typeof createSqsConsumer>[0]['metrics'];
  readonly backoff?: Parameters<typeof createSqsConsumer>[0]['backoff'];
}

const isProcedureMessage = (m: QueueMessage) =>
  (PROCEDURE_MESSAGE_TYPES as readonly string[]).includes(m.type);

/** The work-queue handler: the local stack's poller and tests call it with real SQSEvent records. */
export function createSqsHandler(deps: SqsHandlerDeps) {
  const procedureRoute = (message: QueueMessage) => deps.procedure.handleMessage(message as never);
  const routes: MessageRoutes = {
    execute_task: procedureRoute,
    start_session: procedureRoute,
    execute_agent: procedureRoute,
    resume_session: procedureRoute,
    ...deps.routes,
  };
  return createSqsConsumer({
    routes,
    logger: deps.logger,
    maxReceiveCount: deps.maxReceiveCount,
    metrics: deps.metrics,
    backoff: deps.backoff,
    onPoison: async (message, reason) => {
      if (isProcedureMessage(message)) await deps.procedure.handlePoisonMessage(message as never, reason);
    },
  });
}

/** The DLQ handler: fails the session of every dead-lettered procedure message. */
export function createDlqHandler(deps: Pick<SqsHandlerDeps, 'procedure' | 'logger'>) {
  return createDeadLetterConsumer({
    logger: deps.logger,
    onPoison: async (message, reason) => {
      if (isProcedureMessage(message)) await deps.procedure.handlePoisonMessage(message as never, reason);
    },
  });
}
