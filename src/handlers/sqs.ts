import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { envCredentials } from '../runtimes/credentials.js';
import { lambdaEntry } from '../telemetry/lambda.js';
import { createEngine } from '../wiring.js';
import { lazyEngine } from './lazy-engine.js';

// The work queue runs agents, tools and queued GraphQL operations: the full engine.
const lambdaEngine = lazyEngine((config, env) => createEngine(config, { credentials: envCredentials(env) }));

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
