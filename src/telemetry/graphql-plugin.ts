import { getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { extractTraceContext, inSpan, markError, SpanKind, tracingEnabled } from './tracing.js';

/**
 * One SERVER span per executed GraphQL query or mutation, named
 * `{type} {name}` (e.g. `mutation StartDemo`), continuing the caller's W3C
 * `traceparent` header when the request has one. Resolvers run inside it, so
 * queue messages they send carry it on. Subscriptions are long-lived and get
 * none (their events have their own spans where the work happens).
 */
export const graphqlTracingPlugin: Plugin = {
  onExecute({ args, executeFn, setExecuteFn }) {
    if (!tracingEnabled()) return;
    const operation = getOperationAST(args.document, args.operationName);
    const type = operation?.operation ?? 'query';
    const name = operation?.name?.value ?? args.operationName ?? undefined;
    const request = (args.contextValue as { request?: Request } | undefined)?.request;
    const headers = request?.headers;
    const parent = headers
      ? extractTraceContext({
          traceparent: headers.get('traceparent') ?? undefined,
          tracestate: headers.get('tracestate') ?? undefined,
        })
      : undefined;
    setExecuteFn((executeArgs) =>
      inSpan(
        name ? `${type} ${name}` : type,
        {
          kind: SpanKind.SERVER,
          ...(parent && { parent }),
          attributes: {
            'graphql.operation.type': type,
            ...(name && { 'graphql.operation.name': name }),
          },
        },
        async (span) => {
          const result = await executeFn(executeArgs);
          const errors = (result as { errors?: readonly { extensions?: { code?: unknown } }[] }).errors;
          if (errors?.length)
            markError(span, undefined, String(errors[0]?.extensions?.code ?? 'GRAPHQL_ERROR'));
          return result;
        },
      ),
    );
  },
};
