// DynamoDB requests for one relation-heavy list query, with the per-request loaders on and off.
// `npm run bench -- loaders` starts its own dynalite; the test test/graphql/loaders.test.ts asserts the same query.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { accessControlFromConfig } from '../src/access/access-control.js';
import { createClients, createLogger } from '../src/clients.js';
import { loadConfig } from '../src/config.js';
import { createTables } from '../src/db/create-tables.js';
import { createRepositories, type Repositories } from '../src/domain/repositories.js';
import type { GraphQLContext } from '../src/graphql/context.js';
import { createGraphQLServer } from '../src/graphql/yoga.js';
import { newId } from '../src/ids.js';
import { startLocalDynamo } from '../src/local/dynamo-server.js';
import { type Tenant, tenantOf } from '../src/tenant.js';

export const LOADER_QUERY =
  '{ sessionList(limit: 100) { sessionList { sessionUuid coordination { coordinationName } task { taskName } } } }';

/** 10 coordinations, 2 tasks each (20), 100 sessions spread evenly over the tasks. */
export async function seedLoaderScenario(repos: Repositories, tenant: Tenant) {
  const expected = new Map<string, { coordinationName: string; taskName: string }>();
  for (let c = 0; c < 10; c++) {
    const coordination = await repos.coordinations.insert(tenant, {
      coordination_uuid: newId(),
      coordination_name: `coordination ${c}`,
      agents: [],
      updated_by: 'bench',
    });
    for (let t = 0; t < 2; t++) {
      const task = await repos.tasks.insert(tenant, {
        coordination_uuid: coordination.coordination_uuid,
        task_uuid: newId(),
        task_name: `task ${c}.${t}`,
        subtask_queries: [],
        agent_actions: {},
        updated_by: 'bench',
      });
      await Promise.all(
        Array.from({ length: 5 }, async () => {
          const session = await repos.sessions.insert(tenant, {
            coordination_uuid: coordination.coordination_uuid,
            session_uuid: newId(),
            task_uuid: task.task_uuid,
            iteration_count: 0,
            subtask_queries: [],
            status: 'initial',
            updated_by: 'bench',
          });
          expected.set(session.session_uuid, {
            coordinationName: coordination.coordination_name,
            taskName: task.task_name,
          });
        }),
      );
    }
  }
  return expected;
}

/** Counts every command sent through the client (and the document client built on it), by name. */
export function countRequests(dynamo: DynamoDBClient) {
  const byCommand = new Map<string, number>();
  const name = `request-counter-${newId()}`;
  dynamo.middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? 'unknown';
      byCommand.set(command, (byCommand.get(command) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name },
  );
  return {
    total: () => [...byCommand.values()].reduce((a, b) => a + b, 0),
    byCommand: () => Object.fromEntries(byCommand),
    reset: () => byCommand.clear(),
    stop: () => dynamo.middlewareStack.remove(name),
  };
}

export async function run(): Promise<void> {
  const local = await startLocalDynamo();
  try {
    const config = loadConfig({
      DYNAMODB_ENDPOINT: local.endpoint,
      ACE_TABLE_PREFIX: 'bench-',
      LOG_LEVEL: 'silent',
    });
    const clients = createClients(config);
    await createTables(clients.dynamo, clients.tables);
    const repos = createRepositories(clients);
    const tenant = tenantOf('bench', 'part');
    await seedLoaderScenario(repos, tenant);

    const logger = createLogger({ LOG_LEVEL: 'silent' });
    const yoga = createGraphQLServer({ logger });
    const counter = countRequests(clients.dynamo);
    const rows: string[] = [];
    for (const loadersEnabled of [true, false]) {
      counter.reset();
      const context: GraphQLContext = {
        transport: 'http',
        caller: { tenant, userId: 'bench' },
        repos,
        logger,
        services: {
          access: accessControlFromConfig({ ACE_ROLES_CLAIM: 'roles', ACE_DEFAULT_ROLES: 'admin' }),
        },
        loadersEnabled,
      };
      const response = await yoga.fetch(
        'http://bench/graphql',
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: LOADER_QUERY }),
        },
        context,
      );
      const body = (await response.json()) as {
        errors?: unknown;
        data?: { sessionList: { sessionList: unknown[] } };
      };
      if (body.errors) throw new Error(JSON.stringify(body.errors));
      const sessions = body.data?.sessionList.sessionList.length ?? 0;
      rows.push(
        `loaders ${loadersEnabled ? 'on ' : 'off'} | sessions ${sessions} | DynamoDB requests ${String(counter.total()).padStart(3)} | ${JSON.stringify(counter.byCommand())}`,
      );
    }
    counter.stop();
    console.log('query:', LOADER_QUERY);
    console.log('data: 100 sessions over 10 coordinations and 20 tasks (dynalite)');
    for (const row of rows) console.log(row);
  } finally {
    await local.close();
  }
}
