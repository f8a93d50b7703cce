import { accessControlFromConfig } from '../../src/access/access-control.js';
import { createLogger } from '../../src/clients.js';
import type { Caller, GraphQLContext, Services } from '../../src/graphql/context.js';
import { createGraphQLServer } from '../../src/graphql/yoga.js';
import type { TestEnv } from './env.js';

/** In-process test callers carry no roles: they act as admins unless a test passes its own access. */
const adminByDefault = accessControlFromConfig({ ACE_ROLES_CLAIM: 'roles', ACE_DEFAULT_ROLES: 'admin' });

import { tenantA } from './env.js';

export interface GraphQLResult<T = Record<string, unknown>> {
  data?: T | null;
  errors?: { message: string; path?: unknown[]; extensions?: { code?: string; [k: string]: unknown } }[];
}

/** Runs operations in-process through yoga.fetch, as the HTTP handler would. */
export function createGraphQLClient(
  env: TestEnv,
  options: { caller?: Caller; services?: Services; loadersEnabled?: boolean } = {},
) {
  const logger = createLogger({ LOG_LEVEL: 'silent' });
  const yoga = createGraphQLServer({ logger });
  const caller = options.caller ?? { tenant: tenantA, userId: 'user-1' };
  return async function execute<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<GraphQLResult<T>> {
    const context: GraphQLContext = {
      transport: 'http',
      caller,
      repos: env.repos,
      logger,
      services: { access: adminByDefault, ...options.services },
      loadersEnabled: options.loadersEnabled ?? true,
    };
    const response = await yoga.fetch(
      'http://yoga/graphql',
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query, variables }),
      },
      context,
    );
    return (await response.json()) as GraphQLResult<T>;
  };
}
