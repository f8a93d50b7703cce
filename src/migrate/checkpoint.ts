import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';

/**
 * Where a migration got to, per table: the scan's LastEvaluatedKey, kept on
 * the idempotency table so an interrupted run (any machine) resumes there.
 * Cleared when the table is done, so the next run scans from the start.
 */
export function createCheckpoint(doc: DynamoDBDocumentClient, table: string, migration: string) {
  const key = (scanned: string) => ({ idempotency_key: `migration#${migration}#${scanned}` });
  return {
    async load(scanned: string): Promise<Record<string, unknown> | undefined> {
      const { Item } = await doc.send(
        new GetCommand({ TableName: table, Key: key(scanned), ConsistentRead: true }),
      );
      return Item?.last_key as Record<string, unknown> | undefined;
    },
    async save(scanned: string, lastKey: Record<string, unknown>): Promise<void> {
      await doc.send(
        new PutCommand({
          TableName: table,
          Item: { ...key(scanned), last_key: lastKey, updated_at: new Date().toISOString() },
        }),
      );
    },
    async clear(scanned: string): Promise<void> {
      await doc.send(new DeleteCommand({ TableName: table, Key: key(scanned) }));
    },
  };
}
