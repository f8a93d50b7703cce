import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { lambdaEngine } from './lazy-engine.js';

/** Lambda entry point of the work queue: the engine (src/wiring.ts) routes every message type. */
export async function handler(event: SQSEvent, context?: Context): Promise<SQSBatchResponse> {
  return lambdaEngine().handleQueueEvent(event, context);
}

/** Lambda entry point of the dead-letter queue. */
export async function dlqHandler(event: SQSEvent): Promise<SQSBatchResponse> {
  return lambdaEngine().handleDeadLetters(event);
}
