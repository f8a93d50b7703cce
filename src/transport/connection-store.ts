import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { conditionHeld } from '../db/condition-held.js';
import type { TableNames } from '../db/tables.js';
import type { Tenant } from '../tenant.js';

/** API Gateway closes a WebSocket after 2 h; rows outlive it a little, then TTL removes strays. */
export const CONNECTION_TTL_SECONDS = 3 * 60 * 60;

export const ConnectionSchema = z.object({
  connection_id: z.string().min(1),
  partition_key: z.string().min(3),
  user_id: z.string().min(1),
  /** The token's roles (absent: it named none, the default roles apply). */
  roles: z.array(z.string()).optional(),
  connected_at: z.string(),
  /** Set by the first connection_init; a second one closes the socket with 4429. */
  acknowledged_at: z.string().optional(),
  /** Set before the connection's first stored operation: a disconnect without it has no rows to look for. */
  has_operations: z.boolean().optional(),
  expires_at: z.number().int(),
});
export type Connection = z.infer<typeof ConnectionSchema>;

/**
 * An active operation of a connection: a `sessionEvents` subscription (with
 * its topic and delivery cursor) or a queued long operation.
 */
export const SubscriptionSchema = z.object({
  connection_id: z.string().min(1),
  subscription_id: z.string().min(1),
  kind: z.enum(['session_events', 'queued_operation']),
  partition_key: z.string().min(3),
  user_id: z.string().min(1),
  roles: z.array(z.string()).optional(),
  /** `session#{partition_key}#{session_uuid}`; absent for queued operations (not in the topic index). */
  topic: z.string().optional(),
  /** `{connection_id}#{subscription_id}`: the topic index's range key. */
  subscriber: z.string().optional(),
  session_uuid: z.string().optional(),
  /** The client's operation, re-executed against each event to shape its `next` payload. */
  query: z.string().optional(),
  variables: z.record(z.string(), z.unknown()).optional(),
  operation_name: z.string().optional(),
  /** seq of the last event sent; replay and live delivery both advance it. */
  cursor: z.number().int().default(0),
  /** Queued operations: set by the consumer that runs it, so a redelivered message runs nothing. */
  started_at: z.string().optional(),
  created_at: z.string(),
  expires_at: z.number().int(),
});
export type Subscription = z.infer<typeof SubscriptionSchema>;

export function sessionTopic(tenant: Tenant, sessionUuid: string): string {
  return `session#${tenant.partitionKey}#${sessionUuid}`;
}

export class DuplicateOperationError extends Error {}

export interface ConnectionStoreDeps {
  readonly doc: DynamoDBDocumentClient;
  readonly tables: TableNames;
  readonly now?: () => Date;
  /** Acknowledged connections this container remembers (default 10,000); 0 turns the memory off. */
  readonly cachedConnections?: number;
}

/**
 * Acknowledged connection rows, per container. Once acknowledged a row's identity (tenant, user,
 * acknowledged_at) cannot change until the connection is removed, so one read per container is enough;
 * a removal anywhere else only means a later post meets GoneException, which removes it here too.
 */
function connectionMemory(limit: number) {
  const rows = new Map<string, Connection>();
  return {
    get: (connectionId: string) => rows.get(connectionId),
    remember(row: Connection) {
      if (limit <= 0 || !row.acknowledged_at) return;
      if (rows.size >= limit) rows.delete(rows.keys().next().value as string);
      rows.set(row.connection_id, row);
    },
    forget: (connectionId: string) => rows.delete(connectionId),
  };
}

export function createConnectionStore(deps: ConnectionStoreDeps) {
  const { doc } = deps;
  const connections = deps.tables.connections;
  const subscriptions = deps.tables.subscriptions;
  const now = () => deps.now?.() ?? new Date();
  const expiresAt = () => Math.floor(now().getTime() / 1000) + CONNECTION_TTL_SECONDS;
  const memory = connectionMemory(deps.cachedConnections ?? 10_000);

  /**
   * Flags the connection row before its first stored operation (once per container), so that a
   * disconnect of a connection that only ran queries deletes one row and queries nothing. A row
   * already gone (or never written, as in unit tests) is left so: removal then looks for rows anyway.
   */
  async function flagOperations(connectionId: string): Promise<void> {
    const known = memory.get(connectionId);
    if (known?.has_operations) return;
    const held = await conditionHeld(() =>
      doc.send(
        new UpdateCommand({
          TableName: connections,
          Key: { connection_id: connectionId },
          UpdateExpression: 'SET has_operations = :t',
          ConditionExpression: 'attribute_exists(connection_id)',
          ExpressionAttributeValues: { ':t': true },
        }),
      ),
    );
    if (held && known) memory.remember({ ...known, has_operations: true });
  }

  /** Sets `attribute` to now, once: false when it was set before or the row is gone. */
  async function stampOnce(
    tableName: string,
    key: Record<string, string>,
    existing: string,
    attribute: string,
  ): Promise<boolean> {
    return conditionHeld(() =>
      doc.send(
        new UpdateCommand({
          TableName: tableName,
          Key: key,
          UpdateExpression: `SET ${attribute} = :now`,
          ConditionExpression: `attribute_exists(${existing}) AND attribute_not_exists(${attribute})`,
          ExpressionAttributeValues: { ':now': now().toISOString() },
        }),
      ),
    );
  }

  async function listSubscriptions(connectionId: string): Promise<Subscription[]> {
    const rows: Subscription[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await doc.send(
        new QueryCommand({
          TableName: subscriptions,
          KeyConditionExpression: 'connection_id = :c',
          ExpressionAttributeValues: { ':c': connectionId },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) rows.push(SubscriptionSchema.parse(item));
      start = page.LastEvaluatedKey;
    } while (start);
    return rows;
  }

  return {
    async putConnection(
      connectionId: string,
      tenant: Tenant,
      userId: string,
      roles?: readonly string[],
    ): Promise<Connection> {
      const item = ConnectionSchema.parse({
        connection_id: connectionId,
        partition_key: tenant.partitionKey,
        user_id: userId,
        ...(roles && { roles: [...roles] }),
        connected_at: now().toISOString(),
        expires_at: expiresAt(),
      });
      await doc.send(new PutCommand({ TableName: connections, Item: item }));
      return item;
    },

    /** An acknowledged row comes from this container's memory after its first read (see connectionMemory). */
    async getConnection(connectionId: string): Promise<Connection | undefined> {
      const known = memory.get(connectionId);
      if (known) return known;
      const { Item } = await doc.send(
        new GetCommand({
          TableName: connections,
          Key: { connection_id: connectionId },
          ConsistentRead: true,
        }),
      );
      const row = Item ? ConnectionSchema.parse(Item) : undefined;
      if (row) memory.remember(row);
      return row;
    },

    /**
     * Stamps acknowledged_at once and returns the acknowledged row (remembered: the next subscribe
     * in this container reads nothing); undefined when it was acknowledged before or is gone.
     */
    async acknowledge(connectionId: string): Promise<Connection | undefined> {
      let attributes: Record<string, unknown> | undefined;
      const held = await conditionHeld(async () => {
        ({ Attributes: attributes } = await doc.send(
          new UpdateCommand({
            TableName: connections,
            Key: { connection_id: connectionId },
            UpdateExpression: 'SET acknowledged_at = :now',
            ConditionExpression: 'attribute_exists(connection_id) AND attribute_not_exists(acknowledged_at)',
            ExpressionAttributeValues: { ':now': now().toISOString() },
            ReturnValues: 'ALL_NEW',
          }),
        ));
      });
      if (!held || !attributes) return undefined;
      const row = ConnectionSchema.parse(attributes);
      memory.remember(row);
      return row;
    },

    /** Stores an operation; throws DuplicateOperationError when the id is already active. */
    async putSubscription(
      fields: Omit<Subscription, 'created_at' | 'expires_at' | 'cursor' | 'subscriber'> & { cursor?: number },
    ): Promise<Subscription> {
      const item = SubscriptionSchema.parse({
        ...fields,
        ...(fields.topic && { subscriber: `${fields.connection_id}#${fields.subscription_id}` }),
        created_at: now().toISOString(),
        expires_at: expiresAt(),
      });
      await flagOperations(fields.connection_id);
      try {
        await doc.send(
          new PutCommand({
            TableName: subscriptions,
            Item: item,
            ConditionExpression: 'attribute_not_exists(subscription_id)',
          }),
        );
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException)
          throw new DuplicateOperationError(fields.subscription_id);
        throw error;
      }
      return item;
    },

    async getSubscription(connectionId: string, subscriptionId: string): Promise<Subscription | undefined> {
      const { Item } = await doc.send(
        new GetCommand({
          TableName: subscriptions,
          Key: { connection_id: connectionId, subscription_id: subscriptionId },
          ConsistentRead: true,
        }),
      );
      return Item ? SubscriptionSchema.parse(Item) : undefined;
    },

    /**
     * Moves the delivery cursor from `from` to `to`. False when another delivery
     * moved it first (or the subscription was completed): the caller then sends nothing.
     */
    async advanceCursor(
      connectionId: string,
      subscriptionId: string,
      from: number,
      to: number,
    ): Promise<boolean> {
      return conditionHeld(() =>
        doc.send(
          new UpdateCommand({
            TableName: subscriptions,
            Key: { connection_id: connectionId, subscription_id: subscriptionId },
            UpdateExpression: 'SET #c = :to',
            ConditionExpression: 'attribute_exists(subscription_id) AND #c = :from',
            ExpressionAttributeNames: { '#c': 'cursor' },
            ExpressionAttributeValues: { ':from': from, ':to': to },
          }),
        ),
      );
    },

    /** Claims a queued operation for execution; false when it was claimed before or is gone (completed). */
    claimOperation(connectionId: string, subscriptionId: string): Promise<boolean> {
      return stampOnce(
        subscriptions,
        { connection_id: connectionId, subscription_id: subscriptionId },
        'subscription_id',
        'started_at',
      );
    },

    /** Subscribers of a topic (eventually consistent GSI: a just-stored one may be missed; replay covers it). */
    async subscribersOf(topic: string): Promise<Subscription[]> {
      const rows: Subscription[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const page = await doc.send(
          new QueryCommand({
            TableName: subscriptions,
            IndexName: 'topic-index',
            KeyConditionExpression: 'topic = :t',
            ExpressionAttributeValues: { ':t': topic },
            ExclusiveStartKey: start,
          }),
        );
        for (const item of page.Items ?? []) rows.push(SubscriptionSchema.parse(item));
        start = page.LastEvaluatedKey;
      } while (start);
      return rows;
    },

    listSubscriptions,

    async deleteSubscription(connectionId: string, subscriptionId: string): Promise<boolean> {
      const { Attributes } = await doc.send(
        new DeleteCommand({
          TableName: subscriptions,
          Key: { connection_id: connectionId, subscription_id: subscriptionId },
          ReturnValues: 'ALL_OLD',
        }),
      );
      return Attributes !== undefined;
    },

    /**
     * Removes the connection and every operation it had (disconnect, GoneException). Idempotent.
     * A connection row without has_operations never stored one: its removal is the one delete.
     */
    async removeConnection(connectionId: string): Promise<void> {
      memory.forget(connectionId);
      const { Attributes } = await doc.send(
        new DeleteCommand({
          TableName: connections,
          Key: { connection_id: connectionId },
          ReturnValues: 'ALL_OLD',
        }),
      );
      if (Attributes && Attributes.has_operations !== true) return;
      const rows = await listSubscriptions(connectionId);
      for (let i = 0; i < rows.length; i += 25) {
        let requests: Record<string, unknown[]> | undefined = {
          [subscriptions]: rows.slice(i, i + 25).map((row) => ({
            DeleteRequest: {
              Key: { connection_id: row.connection_id, subscription_id: row.subscription_id },
            },
          })),
        };
        for (let attempt = 0; requests && Object.keys(requests).length > 0 && attempt < 8; attempt++) {
          if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** attempt));
          const result = await doc.send(new BatchWriteCommand({ RequestItems: requests as never }));
          requests = result.UnprocessedItems as Record<string, unknown[]> | undefined;
        }
      }
    },
  };
}

export type ConnectionStore = ReturnType<typeof createConnectionStore>;
