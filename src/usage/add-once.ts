import { createHash } from 'node:crypto';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { conditionHeld } from '../db/condition-held.js';

/** The set on a counted item that remembers which calls it already added. */
export const COUNTED_ATTRIBUTE = 'usage_counted';

/** A short, fixed-size marker for a call id (16 base64url chars, 96 bits): small sets, no collisions in practice. */
export const markerOf = (callId: string) =>
  createHash('sha256').update(callId).digest('base64url').slice(0, 16);

export interface AddOnceInput {
  readonly tableName: string;
  readonly key: Record<string, unknown>;
  /** Attribute -> amount to ADD (zero amounts are left out). */
  readonly counters: Readonly<Record<string, number>>;
  readonly marker: string;
  /** Attributes set only when the item is created (rollup dimensions). */
  readonly setIfAbsent?: Readonly<Record<string, unknown>>;
  /** The item must exist and belong to this tenant (rows of other tables); rollup items are created on demand. */
  readonly tenantPartitionKey?: string;
  /** Markers an item holds at most; an item that is full refuses new markers (rolling generations). */
  readonly maxMarkers?: number;
}

/**
 * One conditional UpdateItem that ADDs the counters and the call's marker
 * together, unless the item already holds the marker: a retried write or a
 * duplicate delivery of the same call changes nothing. No transaction is
 * needed because the guard and the sums live on the same item.
 */
export async function addOnce(doc: DynamoDBDocumentClient, input: AddOnceInput): Promise<boolean> {
  const names: Record<string, string> = { '#counted': COUNTED_ATTRIBUTE };
  const values: Record<string, unknown> = { ':marker': input.marker, ':markerSet': new Set([input.marker]) };
  const adds = ['#counted :markerSet'];
  Object.entries(input.counters).forEach(([attribute, amount], i) => {
    if (!amount) return;
    names[`#c${i}`] = attribute;
    values[`:c${i}`] = amount;
    adds.push(`#c${i} :c${i}`);
  });
  const sets = Object.entries(input.setIfAbsent ?? {}).map(([attribute, value], i) => {
    names[`#s${i}`] = attribute;
    values[`:s${i}`] = value;
    return `#s${i} = if_not_exists(#s${i}, :s${i})`;
  });
  const conditions = ['NOT contains(#counted, :marker)'];
  if (input.tenantPartitionKey !== undefined) {
    conditions.push('partition_key = :pk');
    values[':pk'] = input.tenantPartitionKey;
  }
  if (input.maxMarkers !== undefined) {
    conditions.push('(attribute_not_exists(#counted) OR size(#counted) < :max)');
    values[':max'] = input.maxMarkers;
  }
  return conditionHeld(() =>
    doc.send(
      new UpdateCommand({
        TableName: input.tableName,
        Key: input.key,
        UpdateExpression: `ADD ${adds.join(', ')}${sets.length ? ` SET ${sets.join(', ')}` : ''}`,
        ConditionExpression: conditions.join(' AND '),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    ),
  );
}

/**
 * addOnce over an item that may fill up: the item `{rangeKey}#g{n}` takes
 * markers until it holds `maxMarkers`, then generation n+1 starts. A marker
 * goes to generation n only after every earlier (full, so frozen) generation
 * was read and found without it: exact even when duplicates race.
 */
export async function addOnceRolling(
  doc: DynamoDBDocumentClient,
  input: Omit<AddOnceInput, 'key' | 'maxMarkers'> & {
    readonly hashKey: readonly [string, string];
    readonly rangeKey: readonly [string, string];
    readonly maxMarkers: number;
  },
): Promise<boolean> {
  const [hashName, hashValue] = input.hashKey;
  const [rangeName, rangeValue] = input.rangeKey;
  for (let generation = 0; generation < 10_000; generation++) {
    const key = { [hashName]: hashValue, [rangeName]: `${rangeValue}#g${generation}` };
    if (await addOnce(doc, { ...input, key })) return true;
    const { Item } = await doc.send(
      new GetCommand({
        TableName: input.tableName,
        Key: key,
        ConsistentRead: true,
        ProjectionExpression: '#counted',
        ExpressionAttributeNames: { '#counted': COUNTED_ATTRIBUTE },
      }),
    );
    const counted = Item?.[COUNTED_ATTRIBUTE] as Set<string> | undefined;
    if (counted?.has(input.marker)) return false;
    // Full without this marker: the next generation.
  }
  throw new Error(`usage rollup ${rangeValue} has no free generation`);
}
