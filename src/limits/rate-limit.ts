import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { conditionHeld } from '../db/condition-held.js';
import { RateLimitedError } from '../errors.js';
import type { Tenant } from '../tenant.js';

declare module '../graphql/context.js' {
  interface Services {
    /** Per-tenant limits on the operations that start work (askOperationHub, executeProcedureTaskSession). */
    rateLimiter?: RateLimiter;
  }
}

export type LimitedOperation = 'askOperationHub' | 'executeProcedureTaskSession';

export interface RateLimiter {
  /** Counts one call for the tenant, or throws RateLimitedError (RATE_LIMITED, with retryAfterSeconds). */
  consume(tenant: Tenant, operation: LimitedOperation): Promise<void>;
}

export interface RateLimiterDeps {
  readonly doc: DynamoDBDocumentClient;
  readonly tableName: string;
  /** Calls per window per tenant and operation; 0 or absent: no limit. */
  readonly limits: Partial<Record<LimitedOperation, number>>;
  readonly windowSeconds?: number;
  readonly now?: () => number;
}

/** Pure: the counter item's key and lifetime for a call at `nowMs`. */
export function windowOf(tenant: Tenant, operation: LimitedOperation, windowSeconds: number, nowMs: number) {
  const start = Math.floor(nowMs / 1000 / windowSeconds) * windowSeconds;
  return {
    key: `${tenant.partitionKey}#${operation}#${start}`,
    end: start + windowSeconds,
    // Kept one window past its end so late writers of the same window still find it.
    expiresAt: start + 2 * windowSeconds,
  };
}

/**
 * Fixed-window counters in DynamoDB: one conditional ADD per call, so parallel
 * Lambdas never admit more than the limit in a window (the condition is checked
 * atomically with the increment), and nothing else is read or written.
 */
export function createRateLimiter(deps: RateLimiterDeps): RateLimiter {
  const windowSeconds = deps.windowSeconds ?? 60;
  const now = deps.now ?? Date.now;
  return {
    async consume(tenant, operation) {
      const limit = deps.limits[operation];
      if (!limit) return;
      const nowMs = now();
      const window = windowOf(tenant, operation, windowSeconds, nowMs);
      const admitted = await conditionHeld(() =>
        deps.doc.send(
          new UpdateCommand({
            TableName: deps.tableName,
            Key: { limit_key: window.key },
            UpdateExpression: 'ADD #count :one SET expires_at = if_not_exists(expires_at, :expires)',
            ConditionExpression: 'attribute_not_exists(#count) OR #count < :limit',
            ExpressionAttributeNames: { '#count': 'call_count' },
            ExpressionAttributeValues: { ':one': 1, ':limit': limit, ':expires': window.expiresAt },
          }),
        ),
      );
      if (!admitted) {
        const retryAfter = Math.max(1, window.end - Math.floor(nowMs / 1000));
        throw new RateLimitedError(operation, limit, windowSeconds, retryAfter);
      }
    },
  };
}
