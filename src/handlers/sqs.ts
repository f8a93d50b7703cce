import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { Logger } from 'pino';
import type { ProcedureHub } from '../hubs/procedure/hub.js';
import { createDeadLetterConsumer, createSqsConsumer, type MessageRoutes } from '../queue/consumer.js';
import { PROCEDURE_MESSAGE_TYPES, type QueueMessage } from '../queue/messages.js';
import { lambdaEngine } from './lazy-engine.js';

export interface SqsHandlerDeps {
  readonly procedure: ProcedureHub;
  /** Routes of other features (operation hub, schedules); the procedure hub's are added here. */
  readonly routes?: MessageRoutes;
  readonly logger: Logger;
  readonly maxReceiveCount?: number;
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

let built:
  | { work: ReturnType<typeof createSqsHandler>; dlq: ReturnType<typeof createDlqHandler> }
  | undefined;

/** Lambda: the handlers over the container's engine (src/wiring.ts), built on the first invocation. */
function lambdaHandlers() {
  if (built) return built;
  const engine = lambdaEngine();
  const procedure = engine.services.procedure;
  const queueUrl = engine.config.WORK_QUEUE_URL;
  if (!procedure || !queueUrl) throw new Error('WORK_QUEUE_URL is not set: the procedure hub is not wired');
  built = {
    work: createSqsHandler({
      procedure,
      logger: engine.logger,
      maxReceiveCount: Number(process.env.WORK_QUEUE_MAX_RECEIVE_COUNT ?? '5'),
      backoff: { sqs: engine.clients.sqs, queueUrl },
    }),
    dlq: createDlqHandler({ procedure, logger: engine.logger }),
  };
  return built;
}

/** Lambda entry point of the work queue. */
export async function handler(event: SQSEvent, context?: Context): Promise<SQSBatchResponse> {
  return lambdaHandlers().work(event, context);
}

/** Lambda entry point of the dead-letter queue. */
export async function dlqHandler(event: SQSEvent): Promise<SQSBatchResponse> {
  return lambdaHandlers().dlq(event);
}
