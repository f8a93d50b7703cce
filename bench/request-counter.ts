import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

const WRITES = new Set([
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'BatchWriteItemCommand',
  'TransactWriteItemsCommand',
]);

/**
 * Counts DynamoDB requests by command (and table, for writes) with SDK
 * middleware: every request that reaches the wire, failed conditional
 * writes included.
 */
export function countRequests(client: DynamoDBClient) {
  const byCommand = new Map<string, number>();
  const writesByTable = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? 'unknown';
      byCommand.set(command, (byCommand.get(command) ?? 0) + 1);
      if (WRITES.has(command)) {
        const table = String((args.input as { TableName?: string }).TableName ?? '?');
        writesByTable.set(table, (writesByTable.get(table) ?? 0) + 1);
      }
      return next(args);
    },
    { step: 'initialize', name: 'countRequests' },
  );
  return {
    byCommand,
    writesByTable,
    get writes() {
      return [...byCommand].filter(([c]) => WRITES.has(c)).reduce((sum, [, n]) => sum + n, 0);
    },
    get total() {
      return [...byCommand.values()].reduce((sum, n) => sum + n, 0);
    },
    reset() {
      byCommand.clear();
      writesByTable.clear();
    },
  };
}
