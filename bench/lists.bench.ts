// What one page of sessionList costs at 100, 1,000 and 20,000 sessions in one tenant:
// DynamoDB requests and items read per page (cursor paging), the extra cost of `total`, and the
// old method (read the tenant, slice in memory) beside it. `npm run bench -- lists`.
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { accessControlFromConfig } from '../src/access/access-control.js';
import { createClients, createLogger } from '../src/clients.js';
import { loadConfig } from '../src/config.js';
import { createTables } from '../src/db/create-tables.js';
import { paginate } from '../src/db/paginate.js';
import type { TableNames } from '../src/db/tables.js';
import { createRepositories } from '../src/domain/repositories.js';
import { SessionSchema } from '../src/domain/session/model.js';
import type { GraphQLContext } from '../src/graphql/context.js';
import { createGraphQLServer } from '../src/graphql/yoga.js';
import { newId } from '../src/ids.js';
import { type Tenant, tenantOf } from '../src/tenant.js';
import { startBenchDynamo } from './local-dynamo.js';
import { meterReads, type ReadMeter } from './read-meter.js';

const SIZES = [100, 1_000, 20_000];
const ROUNDS = 5;
export const PAGE_QUERY = `query ($nextToken: String) {
  sessionList(limit: 10, nextToken: $nextToken) { sessionList { sessionUuid status } nextToken }
}`;
export const TOTAL_QUERY =
  '{ sessionList(limit: 10) { sessionList { sessionUuid status } total nextToken } }';

/** `count` sessions of one tenant over 10 coordinations, written 25 at a time (BatchWriteItem). */
export async function seedSessions(
  doc: DynamoDBDocumentClient,
  tables: TableNames,
  tenant: Tenant,
  count: number,
): Promise<void> {
  const coordinations = Array.from({ length: 10 }, () => newId());
  const stamp = new Date().toISOString();
  const items = Array.from({ length: count }, (_, i) =>
    SessionSchema.parse({
      partition_key: tenant.partitionKey,
      coordination_uuid: coordinations[i % 10],
      session_uuid: newId(),
      user_id: `user-${i % 7}`,
      task_query: `session ${i}`,
      status: i % 3 === 0 ? 'completed' : 'initial',
      created_at: stamp,
      updated_at: stamp,
      updated_by: 'bench',
    }),
  );
  const batches = Array.from({ length: Math.ceil(items.length / 25) }, (_, b) =>
    items.slice(b * 25, b * 25 + 25),
  );
  const workers = Array.from({ length: 8 }, async (_, w) => {
    for (let b = w; b < batches.length; b += 8) {
      let pending = batches[b]!.map((Item) => ({ PutRequest: { Item } }));
      while (pending.length > 0) {
        const out = await doc.send(new BatchWriteCommand({ RequestItems: { [tables.sessions]: pending } }));
        pending = (out.UnprocessedItems?.[tables.sessions] ?? []) as typeof pending;
      }
    }
  });
  await Promise.all(workers);
}

interface Cost {
  requests: number;
  items: number;
  ms: number;
}

/** Median wall time of ROUNDS runs; requests and items of the last (they do not vary). */
async function measure(meter: ReadMeter, act: () => Promise<unknown>): Promise<Cost> {
  const times: number[] = [];
  let cost = { requests: 0, items: 0 };
  for (let round = 0; round < ROUNDS; round++) {
    meter.reset();
    const started = performance.now();
    await act();
    times.push(performance.now() - started);
    cost = { requests: meter.requests, items: meter.itemsRead };
  }
  times.sort((a, b) => a - b);
  return { ...cost, ms: times[Math.floor(times.length / 2)] ?? 0 };
}

const row = (label: string, c: Cost) =>
  `${label.padEnd(34)} | requests ${String(c.requests).padStart(3)} | items read ${String(c.items).padStart(6)} | ${c.ms.toFixed(1).padStart(7)} ms`;

export async function run(): Promise<void> {
  const local = await startBenchDynamo();
  const logger = createLogger({ LOG_LEVEL: 'silent' });
  const yoga = createGraphQLServer({ logger });
  const tenant = tenantOf('bench', 'lists');
  try {
    for (const size of SIZES) {
      const config = loadConfig({
        DYNAMODB_ENDPOINT: local.endpoint,
        ACE_TABLE_PREFIX: `bench-lists-${size}-`,
        LOG_LEVEL: 'silent',
      });
      const clients = createClients(config);
      await createTables(clients.dynamo, clients.tables);
      const seeded = performance.now();
      await seedSessions(clients.doc, clients.tables, tenant, size);
      const seedSeconds = ((performance.now() - seeded) / 1000).toFixed(1);
      const repos = createRepositories(clients);
      const context: GraphQLContext = {
        transport: 'http',
        caller: { tenant, userId: 'bench' },
        repos,
        logger,
        services: {
          access: accessControlFromConfig({ ACE_ROLES_CLAIM: 'roles', ACE_DEFAULT_ROLES: 'admin' }),
        },
      };
      const gql = async (query: string, variables: Record<string, unknown> = {}) => {
        const response = await yoga.fetch(
          'http://bench/graphql',
          {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ query, variables }),
          },
          context,
        );
        const body = (await response.json()) as {
          errors?: unknown;
          data?: { sessionList: { sessionList: unknown[]; nextToken: string | null; total?: number } };
        };
        if (body.errors || !body.data) throw new Error(JSON.stringify(body.errors));
        return body.data.sessionList;
      };
      const meter = meterReads(clients.dynamo);
      const first = await gql(PAGE_QUERY);
      const page1 = await measure(meter, () => gql(PAGE_QUERY));
      const page2 = await measure(meter, () => gql(PAGE_QUERY, { nextToken: first.nextToken }));
      const withTotal = await measure(meter, () => gql(TOTAL_QUERY));
      const byNumber = await measure(meter, () =>
        gql('{ sessionList(limit: 10, pageNumber: 3) { sessionList { sessionUuid } } }'),
      );
      const old = await measure(meter, async () => paginate(await repos.sessions.list(tenant), 1, 10));
      meter.stop();
      const total = (await gql(TOTAL_QUERY)).total;
      console.log(`\n${size} sessions in one tenant (seeded in ${seedSeconds} s; total reads back ${total})`);
      console.log(row('page 1, no total', page1));
      console.log(row('page 2 (nextToken), no total', page2));
      console.log(row('page 1 with total', withTotal));
      console.log(
        row('  of which total', {
          requests: withTotal.requests - page1.requests,
          items: withTotal.items - page1.items,
          ms: withTotal.ms - page1.ms,
        }),
      );
      console.log(row('pageNumber: 3 (COUNT skip)', byNumber));
      console.log(row('old: read tenant, slice in memory', old));
    }
    console.log(`\nmedian of ${ROUNDS} runs each; dynalite in a child process; items read = ScannedCount`);
  } finally {
    await local.close();
  }
}
