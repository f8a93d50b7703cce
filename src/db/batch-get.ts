import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

const MAX_KEYS_PER_CALL = 100;
const MAX_ATTEMPTS = 8;

export type Key = Record<string, string | number>;

const keyId = (key: Key, keyNames: readonly string[]) => JSON.stringify(keyNames.map((name) => key[name]));

/**
 * BatchGetItem for any number of keys: chunks of 100, UnprocessedKeys retried
 * with exponential backoff and jitter, results re-ordered to the keys
 * (undefined where an item does not exist). Duplicate keys are fetched once.
 */
export async function batchGet(
  doc: DynamoDBDocumentClient,
  tableName: string,
  keyNames: readonly string[],
  keys: readonly Key[],
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): Promise<(Record<string, unknown> | undefined)[]> {
  const unique = new Map<string, Key>();
  for (const key of keys) unique.set(keyId(key, keyNames), key);
  const found = new Map<string, Record<string, unknown>>();
  const chunks: Key[][] = [];
  const all = [...unique.values()];
  for (let i = 0; i < all.length; i += MAX_KEYS_PER_CALL) chunks.push(all.slice(i, i + MAX_KEYS_PER_CALL));

  await Promise.all(
    chunks.map(async (chunk) => {
      let pending: Key[] = chunk;
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt >= MAX_ATTEMPTS) throw new Error(`BatchGetItem left ${pending.length} keys unprocessed`);
        if (attempt > 0) await sleep(Math.random() * Math.min(1000, 25 * 2 ** attempt));
        const result = await doc.send(
          new BatchGetCommand({ RequestItems: { [tableName]: { Keys: pending } } }),
        );
        for (const item of result.Responses?.[tableName] ?? []) found.set(keyId(item as Key, keyNames), item);
        pending = (result.UnprocessedKeys?.[tableName]?.Keys as Key[] | undefined) ?? [];
      }
    }),
  );
  return keys.map((key) => found.get(keyId(key, keyNames)));
}
