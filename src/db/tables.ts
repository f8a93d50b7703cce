/**
 * The one definition of every DynamoDB table: keys, indexes and TTL.
 * Repositories, the local bootstrap and the CDK stack all read this file;
 * nothing else restates a key schema.
 *
 * The first six tables keep the Python engine's names, keys and LSIs so both
 * engines can share them. The tenant GSIs are additions: they let a tenant
 * list its rows without a parent id, without scanning other tenants' data.
 */
export type AttributeType = 'S' | 'N';

export interface KeyAttribute {
  readonly name: string;
  readonly type: AttributeType;
}

export interface IndexDefinition {
  readonly name: string;
  readonly hashKey?: KeyAttribute; // absent for an LSI: it shares the table's hash key
  readonly rangeKey: KeyAttribute;
}

export interface TableDefinition {
  readonly name: string;
  readonly hashKey: KeyAttribute;
  readonly rangeKey?: KeyAttribute;
  readonly localIndexes: readonly IndexDefinition[];
  readonly globalIndexes: readonly (IndexDefinition & { hashKey: KeyAttribute })[];
  readonly ttlAttribute?: string;
}

const s = (name: string): KeyAttribute => ({ name, type: 'S' });
const n = (name: string): KeyAttribute => ({ name, type: 'N' });
const tenantIndex = (rangeKey: string) => ({
  name: 'partition_key-index',
  hashKey: s('partition_key'),
  rangeKey: s(rangeKey),
});

export const tableDefinitions = {
  coordinations: {
    name: 'coordinations',
    hashKey: s('partition_key'),
    rangeKey: s('coordination_uuid'),
    localIndexes: [],
    globalIndexes: [],
  },
  tasks: {
    name: 'tasks',
    hashKey: s('coordination_uuid'),
    rangeKey: s('task_uuid'),
    localIndexes: [],
    globalIndexes: [tenantIndex('task_uuid')],
  },
  taskSchedules: {
    name: 'task_schedules',
    hashKey: s('task_uuid'),
    rangeKey: s('schedule_uuid'),
    localIndexes: [],
    globalIndexes: [tenantIndex('schedule_uuid')],
  },
  sessions: {
    name: 'sessions',
    hashKey: s('coordination_uuid'),
    rangeKey: s('session_uuid'),
    localIndexes: [
      { name: 'user_id-index', rangeKey: s('user_id') },
      { name: 'task_uuid-index', rangeKey: s('task_uuid') },
    ],
    globalIndexes: [
      tenantIndex('session_uuid'),
      // A user's sessions across coordinations (sessionList(userId)); tenant-filtered.
      { name: 'user_id-session_uuid-index', hashKey: s('user_id'), rangeKey: s('session_uuid') },
      // Sparse: only sessions the executor may still owe work carry sweep_shard (the sweeper's reads).
      { name: 'sweep-index', hashKey: s('sweep_shard'), rangeKey: s('session_uuid') },
    ],
  },
  sessionAgents: {
    name: 'session_agents',
    hashKey: s('session_uuid'),
    rangeKey: s('session_agent_uuid'),
    localIndexes: [],
    globalIndexes: [tenantIndex('session_agent_uuid')],
  },
  sessionRuns: {
    name: 'session_runs',
    hashKey: s('session_uuid'),
    rangeKey: s('run_uuid'),
    localIndexes: [
      { name: 'thread_uuid-index', rangeKey: s('thread_uuid') },
      { name: 'agent_uuid-index', rangeKey: s('agent_uuid') },
    ],
    globalIndexes: [
      tenantIndex('run_uuid'),
      // A thread's runs across sessions (sessionRunList(threadUuid)). CloudFormation adds one GSI
      // per table per deployment, so the agent filter without a session stays a filter expression.
      { name: 'thread_uuid-run_uuid-index', hashKey: s('thread_uuid'), rangeKey: s('run_uuid') },
    ],
  },
  /** Append-only, ordered log of every transition of a session (replay, resumable subscriptions). */
  sessionEvents: {
    name: 'session_events',
    hashKey: s('session_uuid'),
    rangeKey: n('seq'),
    localIndexes: [],
    globalIndexes: [],
    ttlAttribute: 'expires_at',
  },
  /** Messages of threads whose runtime keeps no history of its own (chat completions, Bedrock). */
  threadMessages: {
    name: 'thread_messages',
    hashKey: s('thread_uuid'),
    rangeKey: n('seq'),
    localIndexes: [],
    globalIndexes: [],
    ttlAttribute: 'expires_at',
  },
  /** Open WebSocket connections (API Gateway connection ids) with their tenant. */
  connections: {
    name: 'connections',
    hashKey: s('connection_id'),
    localIndexes: [],
    globalIndexes: [],
    ttlAttribute: 'expires_at',
  },
  /** graphql-transport-ws subscriptions; the topic index fans an event out to its subscribers. */
  subscriptions: {
    name: 'subscriptions',
    hashKey: s('connection_id'),
    rangeKey: s('subscription_id'),
    localIndexes: [],
    globalIndexes: [{ name: 'topic-index', hashKey: s('topic'), rangeKey: s('subscriber') }],
    ttlAttribute: 'expires_at',
  },
  /**
   * The tool loop's record of one run (keyed by the run): `turn#NNNNNN` items hold each model turn
   * that asked for tools, `call#<call id>` items each tool call and its result (exactly-once side
   * effects), `approval` the decisions gate of an operation-hub run waiting for approval.
   */
  toolCalls: {
    name: 'tool_calls',
    hashKey: s('run_uuid'),
    rangeKey: s('item_key'),
    localIndexes: [],
    globalIndexes: [],
    ttlAttribute: 'expires_at',
  },
  /** Changes of running sessions' plans: the audit trail of modifyProcedureTaskSession (with approvals). */
  planModifications: {
    name: 'plan_modifications',
    hashKey: s('session_uuid'),
    rangeKey: s('modification_uuid'),
    localIndexes: [],
    globalIndexes: [],
  },
  /** Idempotency keys: public execute-task messages, schedule firings, operation-hub asks. */
  idempotency: {
    name: 'idempotency',
    hashKey: s('idempotency_key'),
    localIndexes: [],
    globalIndexes: [],
    ttlAttribute: 'expires_at',
  },
  /**
   * Usage totals per (tenant, coordination) and day, by agent, model, task and
   * day: the ledger ADDs to them, usageReport reads them (never the runs).
   */
  usageRollups: {
    name: 'usage_rollups',
    hashKey: s('rollup_key'),
    rangeKey: s('bucket'),
    localIndexes: [],
    globalIndexes: [],
  },
  /** Per-tenant rate-limit counters: one item per (tenant, operation, window), conditional ADD, TTL-expired. */
  rateLimits: {
    name: 'rate_limits',
    hashKey: s('limit_key'),
    localIndexes: [],
    globalIndexes: [],
    ttlAttribute: 'expires_at',
  },
  /**
   * The tenant cache (prefetch, GraphQL). One partition per tenant: entries at
   * `k#{cache_key}` (so a key prefix is a range condition), tag memberships at
   * `t#{tag}#{cache_key}` (so invalidating a tag is one Query), hit/miss
   * counters at `stats`. Expiry is checked on read; TTL only cleans up.
   */
  cacheEntries: {
    name: 'cache_entries',
    hashKey: s('partition_key'),
    rangeKey: s('sk'),
    localIndexes: [],
    globalIndexes: [],
    ttlAttribute: 'expires_at',
  },
  /**
   * Agent memory: one record per (namespace, key) of a tenant. The indexes
   * answer the seed's queries: an agent's records by type and date, all
   * records of a session, and the tenant's records by type and date across
   * agents and sessions. Expiry is checked on read; TTL only cleans up.
   */
  agentMemory: {
    name: 'agent_memory',
    hashKey: s('namespace_key'),
    rangeKey: s('memory_key'),
    localIndexes: [],
    globalIndexes: [
      { name: 'agent-index', hashKey: s('agent_scope'), rangeKey: s('type_date') },
      { name: 'session-index', hashKey: s('session_scope'), rangeKey: s('type_date') },
      { name: 'partition_key-index', hashKey: s('partition_key'), rangeKey: s('type_date') },
    ],
    ttlAttribute: 'expires_at',
  },
  /**
   * The audit trail (src/audit/): one record per API write. The key is a
   * deterministic id (a retried or duplicated write puts the same id, once);
   * the indexes list a tenant's records by time, an entity's and a user's.
   */
  auditLog: {
    name: 'audit_log',
    hashKey: s('audit_id'),
    localIndexes: [],
    globalIndexes: [
      { name: 'partition_key-at-index', hashKey: s('partition_key'), rangeKey: s('at_id') },
      { name: 'entity-at-index', hashKey: s('entity_ref'), rangeKey: s('at_id') },
      { name: 'user-at-index', hashKey: s('user_ref'), rangeKey: s('at_id') },
    ],
    ttlAttribute: 'expires_at',
  },
  /** Feedback on a session's results (src/feedback/): per session, the agent it rates where known. */
  feedback: {
    name: 'feedback',
    hashKey: s('session_uuid'),
    rangeKey: s('feedback_uuid'),
    localIndexes: [],
    globalIndexes: [],
  },
  /**
   * When each agent run started (src/analytics/): written at its start event, deleted by the event
   * that ends it, which so learns the duration; TTL removes starts whose end never came.
   */
  runTimings: {
    name: 'run_timings',
    hashKey: s('timing_key'),
    localIndexes: [],
    globalIndexes: [],
    ttlAttribute: 'expires_at',
  },
} as const satisfies Record<string, TableDefinition>;

export type TableKey = keyof typeof tableDefinitions;
export type TableNames = Readonly<Record<TableKey, string>>;

export function tableNames(prefix: string): TableNames {
  const entries = Object.entries(tableDefinitions).map(([key, def]) => [key, `${prefix}${def.name}`]);
  return Object.freeze(Object.fromEntries(entries)) as TableNames;
}
