import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { newId } from '../src/ids.js';

/**
 * Counts DynamoDB requests and the items each one read (Query: ScannedCount,
 * the items evaluated before any filter, which is what DynamoDB bills and
 * ships; GetItem: 0 or 1; BatchGetItem: the items returned), with SDK
 * middleware on the client every repository sends through.
 */
export function meterReads(dynamo: DynamoDBClient) {
  let requests = 0;
  let itemsRead = 0;
  const queries: { index?: string; select?: string; limit?: number; scanned: number }[] = [];
  const name = `read-meter-${newId()}`;
  dynamo.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      requests += 1;
      const output = result.output as {
        ScannedCount?: number;
        Item?: unknown;
        Responses?: Record<string, unknown[]>;
      };
      if (context.commandName === 'QueryCommand') {
        const input = args.input as { IndexName?: string; Select?: string; Limit?: number };
        const scanned = output.ScannedCount ?? 0;
        itemsRead += scanned;
        queries.push({ index: input.IndexName, select: input.Select, limit: input.Limit, scanned });
      } else if (context.commandName === 'GetItemCommand') {
        itemsRead += output.Item ? 1 : 0;
      } else if (context.commandName === 'BatchGetItemCommand') {
        itemsRead += Object.values(output.Responses ?? {}).reduce((sum, items) => sum + items.length, 0);
      }
      return result;
    },
    { step: 'initialize', name },
  );
  return {
    get requests() {
      return requests;
    },
    get itemsRead() {
      return itemsRead;
    },
    queries: () => [...queries],
    reset() {
      requests = 0;
      itemsRead = 0;
      queries.length = 0;
    },
    stop: () => dynamo.middlewareStack.remove(name),
  };
}
export type ReadMeter = ReturnType<typeof meterReads>;
