import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { Logger } from 'pino';
import { createClients } from '../clients.js';
import { loadConfig } from '../config.js';
import { createRepositories } from '../domain/repositories.js';
import { createEventLog } from '../events/event-log.js';
import type { EventPublisher } from '../events/publisher.js';
import { createProcedureHub, type ProcedureHub } from '../hubs/procedure/hub.js';
import { createDeadLetterConsumer, createSqsConsumer, type MessageRoutes } from '../queue/consumer.js';
import { PROCEDURE_MESSAGE_TYPES, type QueueMessage } from '../queue/messages.js';
import { createSqsWorkQueue } from '../queue/port.js';
import type { RuntimeResolver } from '../runtimes/port.js';
import { createScriptedRuntime } from '../runtimes/scripted.js';

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

/** Lambda wiring, built once per container from the environment. */
export interface LambdaWiring {
  readonly runtimes?: RuntimeResolver;
  readonly publisher?: EventPublisher;
}

let built:
  | { work: ReturnType<typeof createSqsHandler>; dlq: ReturnType<typeof createDlqHandler> }
  | undefined;

export function buildFromEnvironment(wiring: LambdaWiring = {}) {
  const config = loadConfig();
  const clients = createClients(config);
  if (!config.WORK_QUEUE_URL) throw new Error('WORK_QUEUE_URL is not set');
  const scripted = createScriptedRuntime();
  const procedure = createProcedureHub({
    repos: createRepositories(clients),
    doc: clients.doc,
    tables: clients.tables,
    eventLog: createEventLog({
      doc: clients.doc,
      tables: clients.tables,
      logger: clients.logger,
      publisher: wiring.publisher,
    }),
    queue: createSqsWorkQueue({ sqs: clients.sqs, queueUrl: config.WORK_QUEUE_URL }),
    runtimes: wiring.runtimes ?? { forAgent: () => scripted },
    logger: clients.logger,
  });
  const maxReceiveCount = Number(process.env.WORK_QUEUE_MAX_RECEIVE_COUNT ?? '5');
  return {
    work: createSqsHandler({
      procedure,
      logger: clients.logger,
      maxReceiveCount,
      backoff: { sqs: clients.sqs, queueUrl: config.WORK_QUEUE_URL },
    }),
    dlq: createDlqHandler({ procedure, logger: clients.logger }),
  };
}

/** Lambda entry point of the work queue. */
export async function handler(event: SQSEvent, context?: Context): Promise<SQSBatchResponse> {
  built ??= buildFromEnvironment();
  return built.work(event, context);
}

/** Lambda entry point of the dead-letter queue. */
export async function dlqHandler(event: SQSEvent): Promise<SQSBatchResponse> {
  built ??= buildFromEnvironment();
  return built.dlq(event);
}
