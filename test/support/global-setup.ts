import type { TestProject } from 'vitest/node';
import { type DynamoBackend, startLocalDynamo } from '../../src/local/dynamo-server.js';
import { startLocalSqs } from '../../src/local/sqs-server.js';

/**
 * One local DynamoDB and one local SQS server for the whole run; every test
 * file creates its own tables and queues under a unique prefix.
 * DYNAMODB_BACKEND=dynamodb-local runs the suite against Amazon's DynamoDB Local (Java).
 */
export default async function setup(project: TestProject) {
  const backend = (process.env.DYNAMODB_BACKEND ?? 'dynalite') as DynamoBackend;
  const dynamo = await startLocalDynamo({ backend });
  const sqs = await startLocalSqs();
  project.provide('dynamoEndpoint', dynamo.endpoint);
  project.provide('sqsEndpoint', sqs.endpoint);
  return async () => {
    await sqs.close();
    await dynamo.close();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
    sqsEndpoint: string;
  }
}
