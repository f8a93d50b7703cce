import type { Logger } from 'pino';
import type { PayloadStore } from '../payloads/store.js';
import { createDeadLetterConsumer, createSqsConsumer, type MessageRoutes } from './consumer.js';
import { PROCEDURE_MESSAGE_TYPES, type ProcedureMessage, type QueueMessage } from './messages.js';

/** What the queue needs of the procedure hub (the hub implements it; the queue never imports the hub). */
export interface ProcedureMessageHandler {
  handleMessage(message: ProcedureMessage): Promise<void>;
  /** A message that failed for good: fail its session with the reason. */
  handlePoisonMessage(message: ProcedureMessage, reason: string): Promise<void>;
}

export interface SqsHandlerDeps {
  readonly procedure: ProcedureMessageHandler;
  /** Routes of other features (operation hub, schedules); the procedure hub's are added here. */
  readonly routes?: MessageRoutes;
  readonly logger: Logger;
  readonly maxReceiveCount?: number;
  readonly metrics?: Parameters<typeof createSqsConsumer>[0]['metrics'];
  readonly backoff?: Parameters<typeof createSqsConsumer>[0]['backoff'];
  /** Reads back bodies that were too large for SQS. */
  readonly payloads?: PayloadStore;
}

const isProcedureMessage = (m: QueueMessage) =>
  (PROCEDURE_MESSAGE_TYPES as readonly string[]).includes(m.type);

/** The work-queue handler: the local stack's poller and tests call it with real SQSEvent records. */
export function createSqsHandler(deps: SqsHandlerDeps) {
  const procedureRoute = (message: QueueMessage) => deps.procedure.handleMessage(message as ProcedureMessage);
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
    payloads: deps.payloads,
    onPoison: async (message, reason) => {
      if (isProcedureMessage(message))
        await deps.procedure.handlePoisonMessage(message as ProcedureMessage, reason);
    },
  });
}

/** The DLQ handler: fails the session of every dead-lettered procedure message. */
export function createDlqHandler(deps: Pick<SqsHandlerDeps, 'procedure' | 'logger' | 'payloads'>) {
  return createDeadLetterConsumer({
    logger: deps.logger,
    payloads: deps.payloads,
    onPoison: async (message, reason) => {
      if (isProcedureMessage(message))
        await deps.procedure.handlePoisonMessage(message as ProcedureMessage, reason);
    },
  });
}
