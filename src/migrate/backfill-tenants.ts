import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  ScanCommand,
  type ScanCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { conditionalUpdate } from '../db/conditional-write.js';
import { type Condition, where } from '../db/expressions.js';
import type { TableNames } from '../db/tables.js';
import { createCheckpoint } from './checkpoint.js';
import { edgesOf, type LegacyAgentRow, LegacyAgentRowSchema } from './session-edges.js';

export interface BackfillOptions {
  readonly doc: DynamoDBDocumentClient;
  readonly tables: TableNames;
  /** Count what would change; write nothing (not even the checkpoint). */
  readonly dryRun?: boolean;
  /** Ignore a saved checkpoint and scan from the start. */
  readonly restart?: boolean;
  readonly pageSize?: number;
  readonly onProgress?: (progress: BackfillProgress) => void;
}

export interface BackfillProgress {
  readonly table: 'sessionAgents' | 'sessionRuns';
  /** Items DynamoDB read so far in this run. */
  scanned: number;
  /** Rows that lacked a tenant (or, for SessionAgents, the executor's edges). */
  matched: number;
  /** Rows written (or, with --dry-run, that would be). */
  updated: number;
  /** Rows whose session is missing or has no tenant itself: left alone, counted. */
  orphans: number;
  /** Rows changed by someone else between the read and the write. */
  raced: number;
  done: boolean;
}

type Row = Record<string, unknown>;

/**
 * `backfill-tenants`: every SessionAgent and SessionRun row the Python
 * engine wrote without `partition_key` gets its session's; SessionAgents also
 * get the executor's edges by session_agent_uuid (derived from their
 * `agent_action.predecessors`), so resume can continue a Python session.
 * Idempotent (each write is conditional on the attributes still missing),
 * resumable (a checkpoint per table), and a second run changes nothing.
 */
export async function backfillTenants(options: BackfillOptions): Promise<BackfillProgress[]> {
  const { doc, tables } = options;
  const checkpoint = createCheckpoint(doc, tables.idempotency, 'backfill-tenants');
  const tenantOfSession = sessionTenantLookup(doc, tables.sessions);
  const agentsOfSession = sessionAgentsLookup(doc, tables.sessionAgents);

  async function migrateTable(
    table: BackfillProgress['table'],
    filter: string,
    change: (row: Row, partitionKey: string) => Promise<{ set: Row; missing: string[] }>,
  ): Promise<BackfillProgress> {
    const progress: BackfillProgress = {
      table,
      scanned: 0,
      matched: 0,
      updated: 0,
      orphans: 0,
      raced: 0,
      done: false,
    };
    let start = options.restart ? undefined : await checkpoint.load(table);
    do {
      const input: ScanCommandInput = {
        TableName: tables[table],
        FilterExpression: filter,
        ConsistentRead: true,
        Limit: options.pageSize ?? 500,
        ExclusiveStartKey: start,
      };
      const page = await doc.send(new ScanCommand(input));
      progress.scanned += page.ScannedCount ?? 0;
      for (const row of page.Items ?? []) {
        progress.matched++;
        const partitionKey =
          typeof row.partition_key === 'string'
            ? row.partition_key
            : await tenantOfSession(row.coordination_uuid, row.session_uuid);
        if (!partitionKey) {
          progress.orphans++;
          continue;
        }
        const { set, missing } = await change(row, partitionKey);
        if (missing.length === 0) continue;
        if (options.dryRun) {
          progress.updated++;
          continue;
        }
        const written = await conditionalUpdate(
          { doc },
          {
            label: 'backfill',
            table: tables[table],
            key: keyOf(table, row),
            update: { set },
            condition: where.and(...missing.map((name): Condition => where.notExists(name))),
          },
        );
        if (written === false) progress.raced++;
        else progress.updated++;
      }
      start = page.LastEvaluatedKey;
      if (!options.dryRun && start) await checkpoint.save(table, start);
      options.onProgress?.({ ...progress });
    } while (start);
    if (!options.dryRun) await checkpoint.clear(table);
    progress.done = true;
    options.onProgress?.({ ...progress });
    return progress;
  }

  const agents = await migrateTable(
    'sessionAgents',
    'attribute_not_exists(partition_key) OR attribute_not_exists(predecessor_uuids)',
    async (row, partitionKey) => {
      const set: Row = {};
      if (row.partition_key === undefined) set.partition_key = partitionKey;
      if (row.predecessor_uuids === undefined) {
        const self = LegacyAgentRowSchema.parse(row);
        const edges = edgesOf(self, await agentsOfSession(self.session_uuid));
        set.predecessor_uuids = edges.predecessor_uuids;
        set.successor_uuids = edges.successor_uuids;
        // A string set cannot be empty; an absent one means "none counted yet".
        if (row.completed_predecessors === undefined && edges.completed_predecessors.length > 0) {
          set.completed_predecessors = new Set(edges.completed_predecessors);
        }
      }
      return { set, missing: Object.keys(set) };
    },
  );
  const runs = await migrateTable('sessionRuns', 'attribute_not_exists(partition_key)', async (_row, pk) => ({
    set: { partition_key: pk },
    missing: ['partition_key'],
  }));
  return [agents, runs];
}

function keyOf(table: BackfillProgress['table'], row: Row): Row {
  return table === 'sessionAgents'
    ? { session_uuid: row.session_uuid, session_agent_uuid: row.session_agent_uuid }
    : { session_uuid: row.session_uuid, run_uuid: row.run_uuid };
}

/** The tenant of a session (cached: a session's rows are many, its tenant one). */
function sessionTenantLookup(doc: DynamoDBDocumentClient, table: string) {
  const cache = new Map<string, string | undefined>();
  return async (coordinationUuid: unknown, sessionUuid: unknown): Promise<string | undefined> => {
    if (typeof coordinationUuid !== 'string' || typeof sessionUuid !== 'string') return undefined;
    const key = `${coordinationUuid}/${sessionUuid}`;
    if (!cache.has(key)) {
      const { Item } = await doc.send(
        new GetCommand({
          TableName: table,
          Key: { coordination_uuid: coordinationUuid, session_uuid: sessionUuid },
          ProjectionExpression: 'partition_key',
          ConsistentRead: true,
        }),
      );
      if (cache.size > 10_000) cache.clear();
      cache.set(key, typeof Item?.partition_key === 'string' ? Item.partition_key : undefined);
    }
    return cache.get(key);
  };
}

/** Every row of a session (any tenant attribute or none), for the edge derivation; cached. */
function sessionAgentsLookup(doc: DynamoDBDocumentClient, table: string) {
  const cache = new Map<string, LegacyAgentRow[]>();
  return async (sessionUuid: string): Promise<LegacyAgentRow[]> => {
    const cached = cache.get(sessionUuid);
    if (cached) return cached;
    const rows: LegacyAgentRow[] = [];
    let start: Row | undefined;
    do {
      const page = await doc.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: 'session_uuid = :s',
          ExpressionAttributeValues: { ':s': sessionUuid },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) rows.push(LegacyAgentRowSchema.parse(item));
      start = page.LastEvaluatedKey;
    } while (start);
    if (cache.size > 1_000) cache.clear();
    cache.set(sessionUuid, rows);
    return rows;
  };
}
