import { type DynamoDBDocumentClient, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { ValidationError } from '../errors.js';
import type { PageTokenCodec, TokenBinding } from './page-token.js';
import { type TableKey, tableDefinitions } from './tables.js';

/**
 * The Python engine's page shape (1-based pageNumber, limit rows a page, total
 * before paging) plus `nextToken`. `total` may be a function: lists read from
 * DynamoDB count only when a client selects it.
 */
export interface Page<T> {
  readonly items: T[];
  readonly pageNumber: number;
  readonly pageSize: number;
  readonly total: number | (() => Promise<number>);
  readonly nextToken?: string | null;
}

/** What a client asked for: a page by number (Python-engine clients) or after a token. */
export interface PageRequest {
  readonly limit: number;
  readonly pageNumber?: number;
  readonly nextToken?: string;
}

/** In-memory paging of an already read list (lists that are not DynamoDB queries). */
export function paginate<T>(items: readonly T[], pageNumber = 1, limit = 100): Page<T> {
  const start = (pageNumber - 1) * limit;
  return { items: items.slice(start, start + limit), pageNumber, pageSize: limit, total: items.length };
}

type Item = Record<string, unknown>;
type Key = Record<string, string | number>;

/** The attributes of a LastEvaluatedKey on this table or index: the table's keys plus the index's. */
export function keyAttributesOf(table: TableKey, index?: string): string[] {
  const def = tableDefinitions[table];
  const names: string[] = [def.hashKey.name];
  if ('rangeKey' in def && def.rangeKey) names.push(def.rangeKey.name);
  if (index) {
    const found = [...def.localIndexes, ...def.globalIndexes].find((i) => i.name === index) as
      | { hashKey?: { name: string }; rangeKey: { name: string } }
      | undefined;
    if (!found) throw new Error(`${def.name} has no index ${index}`);
    if (found.hashKey) names.push(found.hashKey.name);
    names.push(found.rangeKey.name);
  }
  return [...new Set(names)];
}

export interface PagedQuery<T> {
  readonly doc: DynamoDBDocumentClient;
  /** The Query without Limit, Select or ExclusiveStartKey. */
  readonly input: QueryCommandInput;
  readonly table: TableKey;
  /** Validates a row as read (may resolve large values first). */
  readonly parse: (item: Item) => T | Promise<T>;
  readonly codec: PageTokenCodec;
  readonly binding: TokenBinding;
}

const MAX_READ_LIMIT = 1000;

/**
 * One page, reading only what it needs: Limit = rows still missing + 1 (the
 * extra row says whether a next page exists), growing only when a filter
 * expression drops rows. The token points after the last row returned, so rows
 * read beyond it are read again by the next page, never skipped.
 */
export async function queryPage<T>(query: PagedQuery<T>, request: PageRequest): Promise<Page<T>> {
  const { doc, input, limit } = { ...query, limit: request.limit };
  const start = await startOf(query, request);
  const items: Item[] = [];
  let exclusiveStart = start.key;
  let readLimit = limit + 1;
  let more = !start.exhausted;
  while (more && items.length <= limit) {
    const page = await doc.send(
      new QueryCommand({ ...input, Limit: readLimit, ExclusiveStartKey: exclusiveStart }),
    );
    items.push(...(page.Items ?? []));
    exclusiveStart = page.LastEvaluatedKey as Key | undefined;
    more = exclusiveStart !== undefined;
    readLimit = Math.min(MAX_READ_LIMIT, Math.max(readLimit * 4, limit + 1 - items.length));
  }
  const shown = items.slice(0, limit);
  const last = shown.at(-1);
  const hasNext = items.length > limit;
  const keyNames = keyAttributesOf(query.table, input.IndexName);
  const nextToken =
    hasNext && last
      ? query.codec.encode(
          { lastKey: pick(last, keyNames), page: start.pageNumber + 1, index: input.IndexName },
          query.binding,
        )
      : null;
  return {
    items: await Promise.all(shown.map(query.parse)),
    pageNumber: start.pageNumber,
    pageSize: limit,
    nextToken,
    total: () => countQuery(doc, input),
  };
}

/** Every match of the query, counted by DynamoDB (Select COUNT): no item comes back. */
export async function countQuery(doc: DynamoDBDocumentClient, input: QueryCommandInput): Promise<number> {
  let count = 0;
  let start: Key | undefined;
  do {
    const page = await doc.send(new QueryCommand({ ...input, Select: 'COUNT', ExclusiveStartKey: start }));
    count += page.Count ?? 0;
    start = page.LastEvaluatedKey as Key | undefined;
  } while (start);
  return count;
}

async function startOf<T>(query: PagedQuery<T>, request: PageRequest) {
  if (request.nextToken !== undefined) {
    if (request.pageNumber !== undefined) {
      throw new ValidationError('pass either nextToken or pageNumber, not both');
    }
    const cursor = query.codec.decode(request.nextToken, query.binding);
    if (cursor.index !== query.input.IndexName) {
      throw new ValidationError(
        'nextToken is not valid for this query: pass the nextToken of its previous page',
      );
    }
    return { key: cursor.lastKey, pageNumber: cursor.page, exhausted: false };
  }
  const pageNumber = request.pageNumber ?? 1;
  const skip = (pageNumber - 1) * request.limit;
  const key = skip > 0 ? await skipMatches(query, skip) : undefined;
  return { key: key === 'exhausted' ? undefined : key, pageNumber, exhausted: key === 'exhausted' };
}

/**
 * pageNumber > 1: the key after the first `skip` matches, found with COUNT
 * queries (keys evaluated, no item sent). Limit never exceeds the matches still
 * to skip, so the position never overshoots (a filter may make it take more
 * requests). Cost grows with the offset: new clients page with nextToken.
 */
async function skipMatches<T>(query: PagedQuery<T>, skip: number): Promise<Key | 'exhausted'> {
  let remaining = skip;
  let start: Key | undefined;
  while (remaining > 0) {
    const page = await query.doc.send(
      new QueryCommand({
        ...query.input,
        Select: 'COUNT',
        Limit: Math.min(remaining, MAX_READ_LIMIT),
        ExclusiveStartKey: start,
      }),
    );
    remaining -= page.Count ?? 0;
    start = page.LastEvaluatedKey as Key | undefined;
    // No row after the skipped ones: the page past the end is empty.
    if (!start) return 'exhausted';
  }
  return start as Key;
}

function pick(item: Item, names: readonly string[]): Key {
  return Object.fromEntries(names.map((name) => [name, item[name] as string | number]));
}
