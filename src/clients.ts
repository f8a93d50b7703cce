import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { pageTokenKey } from './db/page-token.js';
import { type TableNames, tableNames } from './db/tables.js';
import { createLogger } from './logger.js';
import { createPayloadStore, type PayloadStore } from './payloads/store.js';

// Kept here too for existing importers; modules that need only a logger import src/logger.ts.
export { createLogger };

/**
 * AWS SDK clients and the logger: the only long-lived objects. Lambda keeps
 * them across warm invocations; everything per-request (loaders, tenant) is
 * built fresh by the transports.
 */
export interface Clients {
  readonly dynamo: DynamoDBClient;
  readonly doc: DynamoDBDocumentClient;
  readonly sqs: SQSClient;
  readonly tables: TableNames;
  readonly logger: Logger;
  /** Signs list nextTokens (see ACE_PAGE_TOKEN_SECRET). */
  readonly pageTokenKey: Uint8Array;
  /** Large values to S3 and back (inline only when ACE_PAYLOAD_BUCKET is unset). */
  readonly payloads: PayloadStore;
}

const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };

export function createClients(config: Config, logger: Logger = createLogger(config)): Clients {
  const dynamo = new DynamoDBClient({
    region: config.AWS_REGION,
    ...(config.DYNAMODB_ENDPOINT && { endpoint: config.DYNAMODB_ENDPOINT, credentials: localCredentials }),
  });
  const sqs = new SQSClient({
    region: config.AWS_REGION,
    ...(config.SQS_ENDPOINT && { endpoint: config.SQS_ENDPOINT, credentials: localCredentials }),
  });
  const doc = DynamoDBDocumentClient.from(dynamo, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
  const pageKey = pageTokenKey(config.ACE_PAGE_TOKEN_SECRET ?? config.JWT_SECRET);
  const s3 = config.ACE_PAYLOAD_BUCKET
    ? new S3Client({
        region: config.AWS_REGION,
        ...(config.S3_ENDPOINT && {
          endpoint: config.S3_ENDPOINT,
          forcePathStyle: true,
          // The local S3-compatible server (s3rver) knows this one key pair.
          credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
        }),
      })
    : undefined;
  const payloads = createPayloadStore({
    s3,
    bucket: config.ACE_PAYLOAD_BUCKET,
    inlineMaxBytes: config.ACE_PAYLOAD_INLINE_MAX_BYTES,
  });
  return {
    dynamo,
    doc,
    sqs,
    tables: tableNames(config.ACE_TABLE_PREFIX),
    logger,
    payloads,
    pageTokenKey: pageKey,
  };
}
