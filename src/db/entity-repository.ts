import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type * as z from 'zod';
import { ConflictError, NotFoundError } from '../errors.js';
import type { PayloadStore } from '../payloads/store.js';
import type { Tenant } from '../tenant.js';
import { batchGet } from './batch-get.js';
import { buildUpdate, type Condition, ExpressionBuilder } from './expressions.js';
import { createPageTokenCodec, type PageTokenCodec, pageTokenKey, queryIdentity } from './page-token.js';
import { type Page, type PageRequest, queryPage } from './paginate.js';
import { type TableKey, type TableNames, tableDefinitions } from './tables.js';
import { hookedWrite, type WriteHooks } from './write-hooks.js';

export interface RepositoryDeps {
  readonly doc: DynamoDBDocumentClient;
  readonly tables: TableNames;
  readonly now?: () => Date;
  /** Signs list `nextToken`s; without one, a random key valid for this process only. */
  readonly pageTokenKey?: Uint8Array;
  /** Sees every write (the executor's crash test breaks the process between two). */
  readonly hooks?: WriteHooks;
  /** Where values over the inline limit go (S3); without it every value stays inline. */
  readonly payloads?: PayloadStore;
}

// biome-ignore lint/suspicious/noExplicitAny: a zod object of any shape
type AnyObjectSchema = z.ZodObject<any>;

export interface EntitySpec<S extends AnyObjectSchema> {
  readonly entity: string;
  readonly table: TableKey;
  readonly schema: S;
  readonly hashKey: keyof z.infer<S> & string;
  readonly rangeKey: keyof z.infer<S> & string;
  /** True where `partition_key` is the table's hash key (coordinations); else the tenant GSI is used. */
  readonly tenantIsHashKey?: boolean;
  /** String fields that may be large: stored in S3 behind a reference when over the inline limit. */
  readonly largeFields?: readonly string[];
}

export interface QueryOptions {
  readonly index?: string;
  readonly rangeEquals?: string;
  readonly conditions?: readonly Condition[];
}

/**
 * What a list reads: equality on the key attributes of the table or of one
 * index (hash, and range where pinned), then filter conditions. The tenant
 * filter is added unless `partition_key` is part of the key.
 */
export interface QueryTarget {
  readonly index?: string;
  readonly key: readonly { readonly name: string; readonly value: string }[];
  readonly conditions?: readonly Condition[];
}

const TENANT_INDEX = 'partition_key-index';

const isGlobalIndex = (table: TableKey, index: string | undefined) =>
  index !== undefined &&
  (tableDefinitions[table].globalIndexes as readonly { name: string }[]).some((i) => i.name === index);

/**
 * Get / batch get / query / insert / update / delete for one entity, every
 * call scoped to the caller's tenant: a row of another tenant reads as
 * missing, and writes to it fail their condition and report NOT_FOUND.
 */
export function createEntityRepository<S extends AnyObjectSchema>(
  deps: RepositoryDeps,
  spec: S extends S ? EntitySpec<S> : never,
) {
  type T = z.infer<S>;
  type Key = Record<string, string>;
  const { doc } = deps;
  const tableName = deps.tables[spec.table];
  const keyNames = [spec.hashKey, spec.rangeKey] as const;
  const now = () => (deps.now?.() ?? new Date()).toISOString();
  const parse = (item: Record<string, unknown>): T => spec.schema.parse(item) as T;
  const large = spec.largeFields ?? [];
  /** An item as read: references resolved (only where the entity has large fields), then validated. */
  const read = async (tenant: Tenant, item: Record<string, unknown>): Promise<T> =>
    parse(large.length && deps.payloads ? await deps.payloads.getFields(tenant, item) : item);
  /** A record about to be written: its large values offloaded. */
  const stored = <R extends Record<string, unknown>>(tenant: Tenant, record: R): Promise<R> =>
    large.length && deps.payloads ? deps.payloads.putFields(tenant, record, large) : Promise.resolve(record);
  const keyOf = (key: Key): Key => ({
    [spec.hashKey]: key[spec.hashKey] ?? '',
    [spec.rangeKey]: key[spec.rangeKey] ?? '',
  });
  const owned = (item: Record<string, unknown> | undefined, tenant: Tenant) =>
    item !== undefined && item.partition_key === tenant.partitionKey;
  const codec: PageTokenCodec = createPageTokenCodec(deps.pageTokenKey ?? pageTokenKey(undefined));

  async function queryAll(
    tenant: Tenant,
    input: ConstructorParameters<typeof QueryCommand>[0],
  ): Promise<T[]> {
    const items: T[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await doc.send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
      items.push(...(await Promise.all((page.Items ?? []).map((item) => read(tenant, item)))));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }

  /** The Query request (pure): key condition, tenant filter unless the key is the tenant, consistency. */
  function queryInput(
    tenant: Tenant,
    keyCondition: { name: string; value: string }[],
    options: QueryOptions,
  ): ConstructorParameters<typeof QueryCommand>[0] {
    const b = new ExpressionBuilder();
    const key = keyCondition.map((c) => `${b.name(c.name)} = ${b.value(c.value)}`).join(' AND ');
    const conditions: Condition[] = [...(options.conditions ?? [])];
    if (!keyCondition.some((c) => c.name === 'partition_key')) {
      conditions.unshift({ kind: 'eq', path: ['partition_key'], value: tenant.partitionKey });
    }
    const filter = b.all(conditions);
    return {
      TableName: tableName,
      IndexName: options.index,
      KeyConditionExpression: key,
      ...(filter && { FilterExpression: filter }),
      ExpressionAttributeNames: b.names,
      ExpressionAttributeValues: b.values,
      // GSIs cannot be read consistently; tables and LSIs can.
      ...(!isGlobalIndex(spec.table, options.index) && { ConsistentRead: true }),
    };
  }

  const runQuery = (tenant: Tenant, keyCondition: { name: string; value: string }[], options: QueryOptions) =>
    queryAll(tenant, queryInput(tenant, keyCondition, options));

  const tenantTarget = (conditions: readonly Condition[] = [], rangeEquals?: string): QueryTarget => ({
    index: spec.tenantIsHashKey ? undefined : TENANT_INDEX,
    key: [
      { name: 'partition_key', value: '' },
      ...(rangeEquals !== undefined ? [{ name: spec.rangeKey, value: rangeEquals }] : []),
    ],
    conditions,
  });
  const targetInput = (tenant: Tenant, target: QueryTarget) =>
    queryInput(
      tenant,
      target.key.map((k) => (k.name === 'partition_key' ? { name: k.name, value: tenant.partitionKey } : k)),
      { index: target.index, conditions: target.conditions },
    );

  return {
    entity: spec.entity,
    tableName,

    /** The target of every row of the caller's tenant (the table or the tenant GSI). */
    tenantTarget,

    /** Every row the target matches. */
    all: (tenant: Tenant, target: QueryTarget): Promise<T[]> => queryAll(tenant, targetInput(tenant, target)),

    /**
     * One page of the target; `filter` is what the client asked (it binds the
     * token to this query). `total` counts only when called.
     */
    page: (tenant: Tenant, target: QueryTarget, filter: object, request: PageRequest): Promise<Page<T>> =>
      queryPage(
        {
          doc,
          input: targetInput(tenant, target),
          table: spec.table,
          parse: (item) => read(tenant, item),
          codec,
          binding: { tenant: tenant.partitionKey, query: queryIdentity(spec.entity, filter) },
        },
        request,
      ),

    async find(tenant: Tenant, key: Key): Promise<T | undefined> {
      const { Item } = await doc.send(
        new GetCommand({ TableName: tableName, Key: keyOf(key), ConsistentRead: true }),
      );
      return owned(Item, tenant) ? read(tenant, Item as Record<string, unknown>) : undefined;
    },

    async get(tenant: Tenant, key: Key): Promise<T> {
      const item = await this.find(tenant, key);
      if (!item) throw new NotFoundError(spec.entity, keyOf(key));
      return item;
    },

    /** Results in key order; undefined for a missing key or another tenant's row. */
    async batchGet(tenant: Tenant, keys: readonly Key[]): Promise<(T | undefined)[]> {
      const items = await batchGet(doc, tableName, keyNames, keys.map(keyOf));
      return Promise.all(
        items.map((item) =>
          owned(item, tenant) ? read(tenant, item as Record<string, unknown>) : undefined,
        ),
      );
    },

    /** Every row under one hash key (optionally an LSI range value), filtered. */
    queryByHash(tenant: Tenant, hashValue: string, options: QueryOptions = {}): Promise<T[]> {
      const key = [{ name: spec.hashKey, value: hashValue }];
      if (options.index && options.rangeEquals !== undefined) {
        const lsiRange = options.index.replace(/-index$/, '');
        key.push({ name: lsiRange, value: options.rangeEquals });
      }
      return runQuery(tenant, key, options);
    },

    /**
     * Every row of the tenant, filtered: the table itself or the tenant GSI.
     * `rangeEquals` pins the index's range key (the entity's own uuid), which a filter may not name.
     */
    queryTenant(tenant: Tenant, conditions: readonly Condition[] = [], rangeEquals?: string): Promise<T[]> {
      return queryAll(tenant, targetInput(tenant, tenantTarget(conditions, rangeEquals)));
    },

    /** A row by its own uuid alone (the tenant index), for callers that lack its parent's id. */
    async getByRange(tenant: Tenant, rangeValue: string): Promise<T> {
      const [item] = await this.queryTenant(tenant, [], rangeValue);
      if (!item) throw new NotFoundError(spec.entity, { [spec.rangeKey]: rangeValue });
      return item;
    },

    /** The tenant's rows under one hash key, counted by DynamoDB (Select COUNT): no item comes back. */
    async countByHash(tenant: Tenant, hashValue: string): Promise<number> {
      const input = queryInput(tenant, [{ name: spec.hashKey, value: hashValue }], {});
      let count = 0;
      let start: Record<string, unknown> | undefined;
      do {
        const page = await doc.send(
          new QueryCommand({ ...input, Select: 'COUNT', ExclusiveStartKey: start }),
        );
        count += page.Count ?? 0;
        start = page.LastEvaluatedKey;
      } while (start);
      return count;
    },

    async insert(
      tenant: Tenant,
      fields: Omit<z.input<S>, 'partition_key' | 'created_at' | 'updated_at'>,
    ): Promise<T> {
      const stamp = now();
      const item = parse({
        ...fields,
        partition_key: tenant.partitionKey,
        created_at: stamp,
        updated_at: stamp,
      });
      const b = new ExpressionBuilder();
      const Item = await stored(tenant, item as Record<string, unknown>);
      try {
        await hookedWrite(deps.hooks, `${spec.table}_insert`, () =>
          doc.send(
            new PutCommand({
              TableName: tableName,
              Item,
              ConditionExpression: `attribute_not_exists(${b.name(spec.rangeKey)})`,
              ExpressionAttributeNames: b.names,
            }),
          ),
        );
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) {
          throw new ConflictError(`${spec.entity} already exists`, keyOf(item as Key));
        }
        throw error;
      }
      return item;
    },

    /** Writes only the supplied fields (null removes one), stamping updated_at/updated_by. */
    async update(tenant: Tenant, key: Key, fields: Partial<T> & { updated_by: string }): Promise<T> {
      spec.schema.partial().parse(fields);
      const b = new ExpressionBuilder();
      const update = buildUpdate(
        await stored(tenant, { ...fields, updated_at: now() } as Record<string, unknown>),
        [...keyNames, 'partition_key', 'created_at'],
        b,
      );
      try {
        const { Attributes } = await hookedWrite(deps.hooks, `${spec.table}_update`, () =>
          doc.send(
            new UpdateCommand({
              TableName: tableName,
              Key: keyOf(key),
              UpdateExpression: update,
              ConditionExpression: `${b.name('partition_key')} = ${b.value(tenant.partitionKey)}`,
              ExpressionAttributeNames: b.names,
              ExpressionAttributeValues: b.values,
              ReturnValues: 'ALL_NEW',
            }),
          ),
        );
        return await read(tenant, Attributes as Record<string, unknown>);
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException)
          throw new NotFoundError(spec.entity, keyOf(key));
        throw error;
      }
    },

    async delete(tenant: Tenant, key: Key): Promise<T> {
      const b = new ExpressionBuilder();
      try {
        const { Attributes } = await hookedWrite(deps.hooks, `${spec.table}_delete`, () =>
          doc.send(
            new DeleteCommand({
              TableName: tableName,
              Key: keyOf(key),
              ConditionExpression: `${b.name('partition_key')} = ${b.value(tenant.partitionKey)}`,
              ExpressionAttributeNames: b.names,
              ExpressionAttributeValues: b.values,
              ReturnValues: 'ALL_OLD',
            }),
          ),
        );
        return await read(tenant, Attributes as Record<string, unknown>);
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException)
          throw new NotFoundError(spec.entity, keyOf(key));
        throw error;
      }
    },

    /** Offloads a record's large fields (for writes the generic methods do not make: transitions). */
    stored,
  };
}

export type EntityRepository<S extends AnyObjectSchema> = ReturnType<typeof createEntityRepository<S>>;
