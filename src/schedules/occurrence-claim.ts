import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, type DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { conditionHeld } from '../db/condition-held.js';

/**
 * "Exactly one firing per occurrence" on the idempotency table, without
 * transactions: a conditional put claims the key; the loser of a race (a
 * duplicate delivery, a second scheduler) sees the condition fail and does
 * nothing. A claim is a lease: if its owner dies before finishing, the key can
 * be claimed again after `leaseMs` (the session hub's own idempotency key then
 * keeps that retry from starting a second session).
 */
export interface ClaimDeps {
  readonly doc: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly now?: () => Date;
  /** Longer than the slowest start; 5 minutes by default. */
  readonly leaseMs?: number;
  /** How long a finished key is remembered (TTL); 35 days by default. */
  readonly retainDays?: number;
}

export type ClaimState = 'claimed' | 'done';

const DAY_SECONDS = 86_400;

export function createOccurrenceClaims(deps: ClaimDeps) {
  const now = () => deps.now?.() ?? new Date();
  const expiresAt = () => Math.floor(now().getTime() / 1000) + (deps.retainDays ?? 35) * DAY_SECONDS;
  const names = { '#key': 'idempotency_key', '#state': 'state', '#owner': 'owner', '#lease': 'lease_until' };

  return {
    /** True when this caller now owns the key; false when another caller holds or finished it. */
    async claim(key: string, owner: string, kind: string): Promise<boolean> {
      const at = now().getTime();
      return conditionHeld(() =>
        deps.doc.send(
          new PutCommand({
            TableName: deps.tableName,
            Item: {
              idempotency_key: key,
              kind,
              state: 'claimed' satisfies ClaimState,
              owner,
              lease_until: at + (deps.leaseMs ?? 300_000),
              created_at: new Date(at).toISOString(),
              expires_at: expiresAt(),
            },
            ConditionExpression: 'attribute_not_exists(#key) OR (#state = :claimed AND #lease < :now)',
            ExpressionAttributeNames: {
              '#key': names['#key'],
              '#state': names['#state'],
              '#lease': names['#lease'],
            },
            ExpressionAttributeValues: { ':claimed': 'claimed', ':now': at },
          }),
        ),
      );
    },

    /** Marks the key done with what it produced; only its owner can. */
    async complete(key: string, owner: string, result: Record<string, string>): Promise<void> {
      await deps.doc.send(
        new UpdateCommand({
          TableName: deps.tableName,
          Key: { idempotency_key: key },
          UpdateExpression: 'SET #state = :done, #result = :result, #finished = :finished REMOVE #lease',
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: {
            '#state': names['#state'],
            '#owner': names['#owner'],
            '#lease': names['#lease'],
            '#result': 'result',
            '#finished': 'finished_at',
          },
          ExpressionAttributeValues: {
            ':done': 'done',
            ':owner': owner,
            ':result': result,
            ':finished': now().toISOString(),
          },
        }),
      );
    },

    /** Gives the key back after a failed attempt, so a retry can claim it at once. */
    async release(key: string, owner: string): Promise<void> {
      try {
        await deps.doc.send(
          new DeleteCommand({
            TableName: deps.tableName,
            Key: { idempotency_key: key },
            ConditionExpression: '#owner = :owner AND #state = :claimed',
            ExpressionAttributeNames: { '#owner': names['#owner'], '#state': names['#state'] },
            ExpressionAttributeValues: { ':owner': owner, ':claimed': 'claimed' },
          }),
        );
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    },
  };
}
export type OccurrenceClaims = ReturnType<typeof createOccurrenceClaims>;
