import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { conditionalPut } from '../../db/conditional-write.js';
import type { RepositoryDeps } from '../../db/entity-repository.js';
import { where } from '../../db/expressions.js';

/**
 * Set-once keys on the idempotency table: the first writer of a key wins and
 * every later one reads what the first stored. (Schedule occurrence claims
 * and the operation hub's session lock are leased items on the same table,
 * each with its own module: src/schedules/occurrence-claim.ts,
 * src/hubs/operation/session-lock.ts.)
 */
export function createIdempotencyKeys(deps: RepositoryDeps) {
  const table = deps.tables.idempotency;
  return {
    /** Stores `item` under `key` unless the key exists; else returns the stored item. */
    async claim(
      key: string,
      item: Record<string, unknown>,
      ttlSeconds: number,
    ): Promise<
      { readonly claimed: true } | { readonly claimed: false; readonly stored: Record<string, unknown> }
    > {
      const at = deps.now?.() ?? new Date();
      const claimed = await conditionalPut(deps, {
        label: 'idempotency_key',
        table,
        item: {
          ...item,
          idempotency_key: key,
          created_at: at.toISOString(),
          expires_at: Math.floor(at.getTime() / 1000) + ttlSeconds,
        },
        condition: where.notExists('idempotency_key'),
      });
      if (claimed) return { claimed: true };
      const { Item } = await deps.doc.send(
        new GetCommand({ TableName: table, Key: { idempotency_key: key }, ConsistentRead: true }),
      );
      return { claimed: false, stored: Item ?? {} };
    },
  };
}
export type IdempotencyKeys = ReturnType<typeof createIdempotencyKeys>;
