import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { RepositoryDeps } from '../db/entity-repository.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import type { Tenant } from '../tenant.js';
import { decodePageToken, encodePageToken, memoryItem, memoryKeys, typeDateRange } from './keys.js';
import {
  MAX_MEMORY_DATA_CHARS,
  type MemoryHit,
  type MemoryListOptions,
  type MemoryPage,
  type MemoryRecord,
  MemoryRecordSchema,
  type MemoryWrite,
} from './model.js';
import { rankRecords } from './search.js';

const MAX_WRITE_ATTEMPTS = 12;
/** A search reads at most this many records of its namespace (newest writes included: one Query walk). */
const MAX_SEARCH_RECORDS = 2000;

type Index = 'table' | 'agent-index' | 'session-index' | 'partition_key-index';
const hashOf: Record<Index, string> = {
  table: 'namespace_key',
  'agent-index': 'agent_scope',
  'session-index': 'session_scope',
  'partition_key-index': 'partition_key',
};
const rangeOf: Record<Index, string> = {
  table: 'memory_key',
  'agent-index': 'type_date',
  'session-index': 'type_date',
  'partition_key-index': 'type_date',
};

/**
 * Agent memory (table agent_memory): one record per (tenant, namespace, key),
 * every write conditioned on the version it read, every read skipping
 * expired records (DynamoDB's TTL deletes late) and, where a user id is
 * given, other users' records.
 */
export function createMemoryRepository(deps: RepositoryDeps) {
  const { doc } = deps;
  const TableName = deps.tables.agentMemory;
  const nowMs = () => (deps.now?.() ?? new Date()).getTime();
  const tableKey = (tenant: Tenant, namespace: string, key: string) => ({
    namespace_key: memoryKeys.namespace(tenant, namespace),
    memory_key: key,
  });
  const live = (record: MemoryRecord) => record.expires_at == null || record.expires_at * 1000 > nowMs();
  const visible = (record: MemoryRecord, userId?: string) =>
    live(record) && (userId === undefined || record.user_id === userId);

  async function read(tenant: Tenant, namespace: string, key: string): Promise<MemoryRecord | undefined> {
    const { Item } = await doc.send(
      new GetCommand({ TableName, Key: tableKey(tenant, namespace, key), ConsistentRead: true }),
    );
    if (!Item || Item.partition_key !== tenant.partitionKey) return undefined;
    return MemoryRecordSchema.parse(Item);
  }

  function merged(
    tenant: Tenant,
    existing: MemoryRecord | undefined,
    write: MemoryWrite,
    storedVersion: number,
  ): MemoryRecord {
    const now = new Date(nowMs()).toISOString();
    const pick = <K extends keyof MemoryWrite & keyof MemoryRecord>(name: K) =>
      write[name] !== undefined ? write[name] : existing?.[name];
    const memory_type = write.memory_type ?? existing?.memory_type;
    if (!memory_type) throw new ValidationError('memoryType is required to create a memory record');
    if (!existing && write.memory_data === undefined)
      throw new ValidationError('memoryData is required to create a memory record');
    const expires_at =
      write.ttl_seconds === undefined
        ? existing?.expires_at
        : write.ttl_seconds === null
          ? undefined
          : Math.floor(nowMs() / 1000) + write.ttl_seconds;
    return MemoryRecordSchema.parse({
      partition_key: tenant.partitionKey,
      namespace: write.namespace,
      key: write.key,
      memory_type,
      memory_data: write.memory_data !== undefined ? write.memory_data : existing?.memory_data,
      agent_uuid: pick('agent_uuid') ?? undefined,
      session_uuid: pick('session_uuid') ?? undefined,
      coordination_uuid: pick('coordination_uuid') ?? undefined,
      user_id: pick('user_id') ?? undefined,
      ...(expires_at != null && { expires_at }),
      version: storedVersion + 1, // past an expired record's too: its version condition must not match twice
      created_at: existing?.created_at ?? now,
      updated_at: now,
      updated_by: write.updated_by,
    });
  }

  async function write(tenant: Tenant, input: MemoryWrite, mode: 'upsert' | 'update'): Promise<MemoryRecord> {
    if (input.memory_data !== undefined && JSON.stringify(input.memory_data).length > MAX_MEMORY_DATA_CHARS) {
      throw new ValidationError(`memoryData is over ${MAX_MEMORY_DATA_CHARS} characters of JSON`);
    }
    for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
      const stored = await read(tenant, input.namespace, input.key);
      const existing = stored && live(stored) ? stored : undefined; // an expired record is replaced, not revived
      if (mode === 'update' && (!existing || (input.user_id != null && existing.user_id !== input.user_id))) {
        throw new NotFoundError('Memory', { namespace: input.namespace, key: input.key });
      }
      if (
        existing &&
        input.user_id != null &&
        existing.user_id != null &&
        existing.user_id !== input.user_id
      ) {
        throw new ConflictError('this memory key belongs to another user', { namespace: input.namespace });
      }
      const record = merged(tenant, existing, input, stored?.version ?? 0);
      try {
        await doc.send(
          new PutCommand({
            TableName,
            Item: memoryItem(tenant, record),
            ...(stored
              ? { ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': stored.version } }
              : { ConditionExpression: 'attribute_not_exists(memory_key)' }),
          }),
        );
        return record;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        // another writer won: read again (after a short jittered pause) and apply this write on top of theirs
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * 2 ** Math.min(attempt, 6)));
      }
    }
    throw new ConflictError('memory record kept changing; try again', { namespace: input.namespace });
  }

  async function page(
    tenant: Tenant,
    index: Index,
    hashValue: string,
    options: MemoryListOptions,
    range?: { low: string; high: string } | { prefix: string },
  ): Promise<MemoryPage> {
    const limit = options.limit ?? 100;
    const hashName = hashOf[index];
    const rangeName = rangeOf[index];
    let start: Record<string, unknown> | undefined = decodePageToken(options.nextToken, hashName, hashValue);
    const items: MemoryRecord[] = [];
    const names: Record<string, string> = { '#h': hashName };
    const values: Record<string, unknown> = { ':h': hashValue };
    let keyCondition = '#h = :h';
    if (range) {
      names['#r'] = rangeName;
      if ('prefix' in range) {
        keyCondition += ' AND begins_with(#r, :prefix)';
        values[':prefix'] = range.prefix;
      } else {
        keyCondition += ' AND #r BETWEEN :low AND :high';
        values[':low'] = range.low;
        values[':high'] = range.high;
      }
    }
    do {
      const out = await doc.send(
        new QueryCommand({
          TableName,
          ...(index !== 'table' && { IndexName: index }),
          KeyConditionExpression: keyCondition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ...(index === 'table' && { ConsistentRead: true }),
          Limit: limit,
          ExclusiveStartKey: start,
          // Newest first on the type/date indexes; key order within a namespace.
          ScanIndexForward: index === 'table',
        }),
      );
      for (const item of out.Items ?? []) {
        if (item.partition_key !== tenant.partitionKey) continue;
        const record = MemoryRecordSchema.parse(item);
        if (!visible(record, options.userId)) continue;
        if (!withinDates(record, options)) continue;
        if (options.memoryType && record.memory_type !== options.memoryType) continue;
        items.push(record);
        if (items.length === limit) {
          const last = memoryItem(tenant, record);
          const token = encodePageToken(
            Object.fromEntries(
              [...new Set(['namespace_key', 'memory_key', hashName, rangeName])].map((n) => [n, last[n]]),
            ),
          );
          return { items, nextToken: token };
        }
      }
      start = out.LastEvaluatedKey;
    } while (start);
    return { items };
  }

  /** The type/date range of a list on a type/date index (the date filters apply when no type is given). */
  function typeRange(options: MemoryListOptions) {
    return options.memoryType ? typeDateRange(options.memoryType, options.from, options.to) : undefined;
  }

  return {
    find: async (tenant: Tenant, namespace: string, key: string, userId?: string) => {
      const record = await read(tenant, namespace, key);
      return record && visible(record, userId) ? record : undefined;
    },
    async get(tenant: Tenant, namespace: string, key: string, userId?: string): Promise<MemoryRecord> {
      const record = await this.find(tenant, namespace, key, userId);
      if (!record) throw new NotFoundError('Memory', { namespace, key });
      return record;
    },
    /** Creates or replaces the supplied fields (LangGraph's `put`). */
    put: (tenant: Tenant, input: MemoryWrite) => write(tenant, input, 'upsert'),
    /** NOT_FOUND unless the record exists (and, with a user id, is that user's). */
    update: (tenant: Tenant, input: MemoryWrite) => write(tenant, input, 'update'),
    async delete(tenant: Tenant, namespace: string, key: string, userId?: string): Promise<void> {
      const record = await this.get(tenant, namespace, key, userId);
      try {
        await doc.send(
          new DeleteCommand({
            TableName,
            Key: tableKey(tenant, namespace, key),
            ConditionExpression: 'version = :v',
            ExpressionAttributeValues: { ':v': record.version },
          }),
        );
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        throw new ConflictError('memory record changed while being deleted', { namespace, key });
      }
    },
    /** One namespace, in key order (optionally one type). */
    listNamespace: (tenant: Tenant, namespace: string, options: MemoryListOptions = {}) =>
      page(tenant, 'table', memoryKeys.namespace(tenant, namespace), options),
    /** An agent's records by type and date (newest first within a type), across its sessions. */
    listForAgent: (tenant: Tenant, agentUuid: string, options: MemoryListOptions = {}) =>
      page(tenant, 'agent-index', memoryKeys.agent(tenant, agentUuid), options, typeRange(options)),
    /** Every record written in one session, by type, newest first within a type. */
    listForSession: (tenant: Tenant, sessionUuid: string, options: MemoryListOptions = {}) =>
      page(tenant, 'session-index', memoryKeys.session(tenant, sessionUuid), options, typeRange(options)),
    /** Across agents and sessions: the tenant's records by type and date (newest first within a type). */
    listAcross: (tenant: Tenant, options: MemoryListOptions = {}) =>
      page(tenant, 'partition_key-index', tenant.partitionKey, options, typeRange(options)),
    /** Lexical search over one namespace (ranked by MiniSearch), best first. */
    async search(
      tenant: Tenant,
      namespace: string,
      query: string,
      options: { limit?: number; memoryType?: MemoryListOptions['memoryType']; userId?: string } = {},
    ): Promise<MemoryHit[]> {
      const { items } = await page(tenant, 'table', memoryKeys.namespace(tenant, namespace), {
        limit: MAX_SEARCH_RECORDS,
        ...(options.userId !== undefined && { userId: options.userId }),
        ...(options.memoryType !== undefined && { memoryType: options.memoryType }),
      });
      return rankRecords(items, query, options.limit ?? 10);
    },
  };
}
export type MemoryRepository = ReturnType<typeof createMemoryRepository>;

function withinDates(record: MemoryRecord, options: MemoryListOptions): boolean {
  if (options.from && record.created_at < options.from) return false;
  if (options.to && record.created_at > options.to) return false;
  return true;
}
