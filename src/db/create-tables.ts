import {
  type AttributeDefinition,
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { type TableDefinition, type TableNames, tableDefinitions } from './tables.js';

/** Pure: the CreateTable request for one definition (on-demand billing, every index projecting ALL). */
export function createTableInput(def: TableDefinition, tableName: string): CreateTableCommandInput {
  const attributes = new Map<string, AttributeDefinition>();
  const remember = (a: { name: string; type: 'S' | 'N' }) =>
    attributes.set(a.name, { AttributeName: a.name, AttributeType: a.type });
  remember(def.hashKey);
  if (def.rangeKey) remember(def.rangeKey);
  for (const index of [...def.localIndexes, ...def.globalIndexes]) {
    if (index.hashKey) remember(index.hashKey);
    remember(index.rangeKey);
  }
  const keySchema = [
    { AttributeName: def.hashKey.name, KeyType: 'HASH' as const },
    ...(def.rangeKey ? [{ AttributeName: def.rangeKey.name, KeyType: 'RANGE' as const }] : []),
  ];
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [...attributes.values()],
    KeySchema: keySchema,
    ...(def.localIndexes.length > 0 && {
      LocalSecondaryIndexes: def.localIndexes.map((index) => ({
        IndexName: index.name,
        KeySchema: [
          { AttributeName: def.hashKey.name, KeyType: 'HASH' as const },
          { AttributeName: index.rangeKey.name, KeyType: 'RANGE' as const },
        ],
        Projection: { ProjectionType: 'ALL' as const },
      })),
    }),
    ...(def.globalIndexes.length > 0 && {
      GlobalSecondaryIndexes: def.globalIndexes.map((index) => ({
        IndexName: index.name,
        KeySchema: [
          { AttributeName: index.hashKey.name, KeyType: 'HASH' as const },
          { AttributeName: index.rangeKey.name, KeyType: 'RANGE' as const },
        ],
        Projection: { ProjectionType: 'ALL' as const },
      })),
    }),
  };
}

async function waitUntilActive(client: DynamoDBClient, tableName: string): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`Table ${tableName} did not become ACTIVE`);
}

/**
 * Creates every table that does not exist yet (local servers only; on AWS the
 * CDK stack owns them). Idempotent: an existing table is left as it is.
 */
export async function createTables(client: DynamoDBClient, names: TableNames): Promise<void> {
  await Promise.all(
    Object.entries(tableDefinitions).map(async ([key, def]) => {
      const tableName = names[key as keyof TableNames];
      try {
        await client.send(new CreateTableCommand(createTableInput(def, tableName)));
      } catch (error) {
        if (!(error instanceof ResourceInUseException)) throw error;
      }
      await waitUntilActive(client, tableName);
      if ('ttlAttribute' in def && def.ttlAttribute) {
        // dynalite has no UpdateTimeToLive; expiry is an AWS-side cleanup, never relied on for correctness.
        await client
          .send(
            new UpdateTimeToLiveCommand({
              TableName: tableName,
              TimeToLiveSpecification: { AttributeName: def.ttlAttribute, Enabled: true },
            }),
          )
          .catch(() => undefined);
      }
    }),
  );
}
