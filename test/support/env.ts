import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { type Clients, createClients } from '../../src/clients.js';
import { type Config, loadConfig } from '../../src/config.js';
import { createTables } from '../../src/db/create-tables.js';
import { createRepositories, type Repositories } from '../../src/domain/repositories.js';
import { type Tenant, tenantOf } from '../../src/tenant.js';

export interface TestEnv {
  readonly config: Config;
  readonly clients: Clients;
  readonly repos: Repositories;
}

/**
 * Real SDK clients against the run's local servers, with tables of their own
 * (a unique prefix per call), so test files never see each other's rows.
 */
export async function createTestEnv(overrides: Record<string, string> = {}): Promise<TestEnv> {
  const prefix = `t${randomBytes(4).toString('hex')}-`;
  const config = loadConfig({
    AWS_REGION: 'us-east-1',
    ACE_TABLE_PREFIX: prefix,
    DYNAMODB_ENDPOINT: inject('dynamoEndpoint'),
    SQS_ENDPOINT: inject('sqsEndpoint'),
    S3_ENDPOINT: inject('s3Endpoint'),
    ACE_PAYLOAD_BUCKET: inject('payloadBucket'),
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
    // Callers without roles may do everything; the access tests set their own.
    ACE_DEFAULT_ROLES: 'admin',
    ...overrides,
  });
  const clients = createClients(config);
  await createTables(clients.dynamo, clients.tables);
  return { config, clients, repos: createRepositories(clients) };
}

export const tenantA: Tenant = tenantOf('endpoint-a', 'part-1');
export const tenantB: Tenant = tenantOf('endpoint-b', 'part-1');
