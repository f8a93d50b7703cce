import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { createYoga, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import type { Logger } from 'pino';
import { graphqlTracingPlugin } from '../telemetry/graphql-plugin.js';
import type { GraphQLContext } from './context.js';
import { maskError, recodeValidationError } from './errors.js';
import { getSchema } from './schema/index.js';

export interface YogaOptions {
  readonly logger: Logger;
  readonly maxDepth?: number;
  readonly maxCost?: number;
  /** false (default), true, or GraphiQL options (the local stack passes default headers). */
  readonly graphiql?:
    | boolean
    | { readonly title?: string; readonly headers?: string; readonly defaultQuery?: string };
  readonly graphqlEndpoint?: string;
  /** The GraphiQL page (the local stack passes @graphql-yoga/render-graphiql: every asset inline, no CDN). */
  readonly renderGraphiQL?: (options: unknown) => string | Promise<string>;
}

/** Wrong-typed literals get the same BAD_USER_INPUT as wrong-typed variables (see errors.ts). */
const recodeValidationErrors: Plugin = {
  onValidate:
    () =>
    ({ result, setResult }) => {
      if (result.length > 0) setResult(result.map(recodeValidationError));
    },
};

/**
 * The one yoga instance shape used by the HTTP handler, the WebSocket handler
 * and the in-process tests. The transport supplies the per-operation context
 * (tenant, repositories, services) as yoga's server context.
 */
export function createGraphQLServer(options: YogaOptions): YogaServerInstance<GraphQLContext, object> {
  return createYoga<GraphQLContext>({
    schema: getSchema(),
    graphqlEndpoint: options.graphqlEndpoint ?? '/graphql',
    graphiql: options.graphiql ?? false,
    ...(options.renderGraphiQL && { renderGraphiQL: options.renderGraphiQL as never }),
    logging: false,
    maskedErrors: { maskError: (error) => maskError(error, options.logger) },
    plugins: [
      // Bounded depth, cost, aliases and tokens; field suggestions off so the schema is not probed.
      EnvelopArmorPlugin({
        maxDepth: { n: options.maxDepth ?? 10 },
        costLimit: { maxCost: options.maxCost ?? 5000 },
        maxAliases: { n: 30 },
        maxTokens: { n: 5000 },
      }),
      recodeValidationErrors,
      graphqlTracingPlugin,
    ],
  });
}
