import type { TestProject } from 'vitest/node';
import { type DynamoBackend, startLocalDynamo } from '../../src/local/dynamo-server.js';
import { startLocalS3 } from '../../src/local/s3-server.js';
import { startLocalSqs } from '../../src/local/sqs-server.js';

/**
 * One local DynamoDB, one local SQS and one local S3 server for the whole
 * run; every test file creates its own tables and queues under a unique
 * prefix (payload keys are content-addressed per tenant, so one bucket serves all).
 * DYNAMODB_BACKEND=dynamodb-local runs the suite against Amazon's DynamoDB Local (Java).
 */
export default async function setup(project: TestProject) {
  const backend = (process.env.DYNAMODB_BACKEND ?? 'dynalite') as DynamoBackend;
  const dynamo = await startLocalDynamo({ backend });
  const sqs = await startLocalSqs();
  const s3 = await startLocalS3();
  project.provide('dynamoEndpoint', dynamo.endpoint);
  project.provide('sqsEndpoint', sqs.endpoint);
  project.provide('s3Endpoint', s3.endpoint);
  project.provide('payloadBucket', s3.bucket);
  return async () => {
    await s3.close();
    await sqs.close();
    await dynamo.close();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
    sqsEndpoint: string;
    s3Endpoint: string;
    payloadBucket: string;
  }
}
