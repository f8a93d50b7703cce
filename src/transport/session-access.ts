import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { TableNames } from '../db/tables.js';
import { NotFoundError } from '../errors.js';
import type { Tenant } from '../tenant.js';
import type { EventLogReader } from './event-log.js';

/**
 * Refuses a subscription to a session the caller's tenant does not own, with
 * the same NOT_FOUND a missing session gets (existence is not revealed).
 * The tenant GSI is eventually consistent on AWS, so a session created a
 * moment ago is also recognised by the owner of its event log.
 */
export async function assertSessionOfTenant(
  deps: { doc: DynamoDBDocumentClient; tables: TableNames; eventLog: EventLogReader },
  tenant: Tenant,
  sessionUuid: string,
): Promise<void> {
  const page = await deps.doc.send(
    new QueryCommand({
      TableName: deps.tables.sessions,
      IndexName: 'partition_key-index',
      KeyConditionExpression: 'partition_key = :p AND session_uuid = :s',
      ExpressionAttributeValues: { ':p': tenant.partitionKey, ':s': sessionUuid },
      Limit: 1,
    }),
  );
  if ((page.Items ?? []).length > 0) return;
  if ((await deps.eventLog.ownerOf(sessionUuid)) === tenant.partitionKey) return;
  throw new NotFoundError('Session', { session_uuid: sessionUuid });
}
