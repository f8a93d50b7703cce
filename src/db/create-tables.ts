import {
  type AttributeDefinition,
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  UpdateTableCommand,
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
 * A table created by an older version (a kept `--data` directory) gets the
 * global indexes added since (e.g. the sessions' sparse sweep index).
 */
async function addMissingGlobalIndexes(client: DynamoDBClient, def: TableDefinition, tableName: string) {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
  const present = new Set((Table?.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName));
  const input = createTableInput(def, tableName);
  for (const index of input.GlobalSecondaryIndexes ?? []) {
    if (present.has(index.IndexName)) continue;
    await client.send(
      new UpdateTableCommand({
        TableName: tableName,
        AttributeDefinitions: input.AttributeDefinitions,
        GlobalSecondaryIndexUpdates: [{ Create: index }],
      }),
    );
    await waitUntilActive(client, tableName);
  }
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
      await addMissingGlobalIndexes(client, def, tableName);
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
