import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { conditionHeld } from '../../db/condition-held.js';
import type { TableNames } from '../../db/tables.js';
import type { Tenant } from '../../tenant.js';

/**
 * "This session has an ask running": a leased lock item in the idempotency
 * table, keyed by session. Acquire is one conditional put (free, or the
 * previous lease expired), so two concurrent asks can never both hold it;
 * a crashed holder stops blocking the session when its lease ends.
 */
export interface SessionLockDeps {
  readonly doc: DynamoDBDocumentClient;
  readonly tables: Pick<TableNames, 'idempotency'>;
  readonly now?: () => Date;
}

export interface LockHolder {
  readonly runUuid: string;
  readonly leaseUntil: number;
}

export interface SessionLock {
  tryAcquire(tenant: Tenant, sessionUuid: string, runUuid: string, leaseMs: number): Promise<boolean>;
  /** Takes the lock whoever holds it (interrupt); returns the run it took it from, if any still held it. */
  takeOver(
    tenant: Tenant,
    sessionUuid: string,
    runUuid: string,
    leaseMs: number,
  ): Promise<LockHolder | undefined>;
  holder(tenant: Tenant, sessionUuid: string): Promise<LockHolder | undefined>;
  /** Releases only if `runUuid` still holds it (an interrupted run must not free its successor's lock). */
  release(tenant: Tenant, sessionUuid: string, runUuid: string): Promise<void>;
}

/** The tenant is part of the key: two tenants' sessions never share (or take over) one lock item. */
const keyOf = (tenant: Tenant, sessionUuid: string) => ({
  idempotency_key: `operation-session-lock#${tenant.partitionKey}#${sessionUuid}`,
});

export function createSessionLock(deps: SessionLockDeps): SessionLock {
  const TableName = deps.tables.idempotency;
  const nowMs = () => (deps.now?.() ?? new Date()).getTime();
  const item = (tenant: Tenant, sessionUuid: string, runUuid: string, leaseMs: number) => {
    const leaseUntil = nowMs() + leaseMs;
    return {
      ...keyOf(tenant, sessionUuid),
      partition_key: tenant.partitionKey,
      run_uuid: runUuid,
      lease_until: leaseUntil,
      // TTL cleanup an hour after the lease: the lease, not the TTL, decides who holds the lock.
      expires_at: Math.floor(leaseUntil / 1000) + 3600,
    };
  };
  const toHolder = (raw: Record<string, unknown> | undefined, tenant: Tenant): LockHolder | undefined => {
    if (!raw || raw.partition_key !== tenant.partitionKey || Number(raw.lease_until) <= nowMs())
      return undefined;
    return { runUuid: String(raw.run_uuid), leaseUntil: Number(raw.lease_until) };
  };

  return {
    async tryAcquire(tenant, sessionUuid, runUuid, leaseMs) {
      return conditionHeld(() =>
        deps.doc.send(
          new PutCommand({
            TableName,
            Item: item(tenant, sessionUuid, runUuid, leaseMs),
            ConditionExpression: 'attribute_not_exists(idempotency_key) OR lease_until < :now',
            ExpressionAttributeValues: { ':now': nowMs() },
          }),
        ),
      );
    },

    async takeOver(tenant, sessionUuid, runUuid, leaseMs) {
      const { Attributes } = await deps.doc.send(
        new PutCommand({
          TableName,
          Item: item(tenant, sessionUuid, runUuid, leaseMs),
          ReturnValues: 'ALL_OLD',
        }),
      );
      return toHolder(Attributes, tenant);
    },

    async holder(tenant, sessionUuid) {
      const { Item } = await deps.doc.send(
        new GetCommand({ TableName, Key: keyOf(tenant, sessionUuid), ConsistentRead: true }),
      );
      return toHolder(Item, tenant);
    },

    async release(tenant, sessionUuid, runUuid) {
      // A lost condition: another run holds the lock now, and keeps it.
      await conditionHeld(() =>
        deps.doc.send(
          new DeleteCommand({
            TableName,
            Key: keyOf(tenant, sessionUuid),
            ConditionExpression: 'run_uuid = :run',
            ExpressionAttributeValues: { ':run': runUuid },
          }),
        ),
      );
    },
  };
}
