import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { lambdaEntry } from '../telemetry/lambda.js';
import { lambdaEngine } from './lazy-engine.js';

/** Lambda entry point of the work queue: the engine (src/wiring.ts) routes every message type. */
export const handler: (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse> = lambdaEntry(
  (event: SQSEvent, context?: Context) => lambdaEngine().handleQueueEvent(event, context),
  lambdaEngine,
);

/** Lambda entry point of the dead-letter queue. */
export const dlqHandler: (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse> = lambdaEntry(
  (event: SQSEvent) => lambdaEngine().handleDeadLetters(event),
  lambdaEngine,
);
