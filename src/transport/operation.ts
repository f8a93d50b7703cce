import {
  type DocumentNode,
  type ExecutionResult,
  execute,
  type FieldNode,
  type FragmentDefinitionNode,
  GraphQLError,
  type GraphQLFormattedError,
  type GraphQLSchema,
  getArgumentValues,
  getOperationAST,
  getVariableValues,
  Kind,
  type OperationDefinitionNode,
  parse,
  type SelectionNode,
} from 'graphql';
import type { YogaServerInstance } from 'graphql-yoga';
import type { Logger } from 'pino';
import type { GraphQLContext } from '../graphql/context.js';
import { maskError } from '../graphql/errors.js';

export interface OperationPayload {
  readonly query: string;
  readonly variables?: Record<string, unknown> | null;
  readonly operationName?: string | null;
}

/** Root fields whose work can outlast API Gateway's 29 s integration timeout: they run from the queue. */
export const LONG_FIELDS = new Set(['askOperationHub']);

/**
 * Root fields that may run an agent in the request: askOperationHub, and deciding an operation run's
 * held tool calls or escalation, which continues that run. A function without agent runtimes (the
 * WebSocket Lambda) sends them to the queue; decisions on a procedure agent only dispatch, and run
 * from the queue as well, unchanged.
 */
export const AGENT_FIELDS: ReadonlySet<string> = new Set([
  ...LONG_FIELDS,
  'decideToolCalls',
  'decideEscalation',
]);

/**
 * The root field names an operation selects once fragments are expanded:
 * `{ ... on Query { askOperationHub } }` and named fragment spreads count like
 * a plain selection (directives are ignored: a field that might run counts).
 */
export function rootFieldsOf(document: DocumentNode, operation: OperationDefinitionNode): string[] {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions)
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  const names = new Set<string>();
  const visited = new Set<string>();
  const walk = (selections: readonly SelectionNode[]) => {
    for (const selection of selections) {
      if (selection.kind === Kind.FIELD) names.add(selection.name.value);
      else if (selection.kind === Kind.INLINE_FRAGMENT) walk(selection.selectionSet.selections);
      else if (!visited.has(selection.name.value)) {
        visited.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        if (fragment) walk(fragment.selectionSet.selections);
      }
    }
  };
  walk(operation.selectionSet.selections);
  return [...names];
}

/** Whether a query text selects a LONG_FIELDS root field (false when it does not parse: validation answers that). */
export function selectsLongField(query: string, operationName?: string | null): boolean {
  let document: DocumentNode;
  try {
    document = parse(query);
  } catch {
    return false;
  }
  const operation = getOperationAST(document, operationName ?? undefined);
  return !!operation && rootFieldsOf(document, operation).some((field) => LONG_FIELDS.has(field));
}

export type PreparedOperation =
  | { readonly ok: false; readonly errors: readonly GraphQLFormattedError[] }
  | {
      readonly ok: true;
      readonly kind: 'query' | 'mutation' | 'subscription';
      readonly document: DocumentNode;
      readonly operation: OperationDefinitionNode;
      readonly rootFields: readonly string[];
      run(): Promise<ExecutionResult>;
    };

type Yoga = YogaServerInstance<GraphQLContext, object>;

export function formatErrors(errors: readonly unknown[], logger: Logger): GraphQLFormattedError[] {
  return errors.map((error) => maskError(error, logger).toJSON());
}

/**
 * Parses and validates an operation through yoga's envelop (same depth/cost
 * limits and error masking as HTTP). Parse/validation failures come back as
 * errors for the protocol's `error` message; `run()` executes a query or
 * mutation with the per-operation context.
 */
export function prepareOperation(
  yoga: Yoga,
  context: GraphQLContext,
  payload: OperationPayload,
): PreparedOperation {
  const enveloped = yoga.getEnveloped(context);
  let document: DocumentNode;
  try {
    document = enveloped.parse(payload.query);
  } catch (error) {
    return { ok: false, errors: formatErrors([error], context.logger) };
  }
  let validationErrors: readonly unknown[];
  try {
    validationErrors = enveloped.validate(enveloped.schema, document);
  } catch (error) {
    // graphql-armor's limits (aliases, depth, cost) throw their GraphQLError instead of returning it.
    validationErrors = [error];
  }
  if (validationErrors.length > 0)
    return { ok: false, errors: formatErrors(validationErrors, context.logger) };
  const operation = getOperationAST(document, payload.operationName ?? undefined);
  if (!operation) {
    return {
      ok: false,
      errors: [{ message: 'Must provide a single operation, or the operationName of one.' }],
    };
  }
  const rootFields = rootFieldsOf(document, operation);
  return {
    ok: true,
    kind: operation.operation,
    document,
    operation,
    rootFields,
    async run() {
      const contextValue = await enveloped.contextFactory();
      const result = (await enveloped.execute({
        schema: enveloped.schema,
        document,
        operationName: payload.operationName ?? undefined,
        variableValues: payload.variables ?? undefined,
        contextValue,
      })) as ExecutionResult;
      return result.errors
        ? { ...result, errors: result.errors.map((e) => maskError(e, context.logger)) }
        : result;
    },
  };
}

/** Coerces the variables and reads the arguments of a subscription's single root field. */
export function subscriptionArguments(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | null | undefined,
): { field: string; args: Record<string, unknown> } | { errors: readonly GraphQLError[] } {
  const subscriptionType = schema.getSubscriptionType();
  const node = operation.selectionSet.selections[0];
  if (!subscriptionType || node?.kind !== Kind.FIELD) {
    return {
      errors: [new GraphQLError('Subscriptions must select one root field directly (no fragments).')],
    };
  }
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables ?? {});
  // The user's input: reported as such, without the scalar's internal error attached.
  const badInput = (e: GraphQLError) =>
    new GraphQLError(e.message, { nodes: e.nodes, extensions: { code: 'BAD_USER_INPUT' } });
  if (coerced.errors) return { errors: coerced.errors.map(badInput) };
  const fieldDef = subscriptionType.getFields()[node.name.value];
  if (!fieldDef) return { errors: [new GraphQLError(`Unknown subscription field ${node.name.value}.`)] };
  try {
    return { field: node.name.value, args: getArgumentValues(fieldDef, node as FieldNode, coerced.coerced) };
  } catch (error) {
    return { errors: [badInput(error instanceof GraphQLError ? error : new GraphQLError(String(error)))] };
  }
}

const documentCache = new Map<string, DocumentNode>();

/**
 * Shapes one event for a stored subscription: its selection set executed with
 * the event as root value (what graphql-js does for each subscription event).
 */
export async function executeForEvent(
  schema: GraphQLSchema,
  subscription: { query: string; variables?: Record<string, unknown>; operation_name?: string },
  event: unknown,
  context: GraphQLContext,
): Promise<ExecutionResult> {
  let document = documentCache.get(subscription.query);
  if (!document) {
    document = parse(subscription.query);
    if (documentCache.size > 500) documentCache.clear();
    documentCache.set(subscription.query, document);
  }
  const result = (await execute({
    schema,
    document,
    rootValue: event,
    contextValue: context,
    variableValues: subscription.variables,
    operationName: subscription.operation_name,
  })) as ExecutionResult;
  return result.errors
    ? { ...result, errors: result.errors.map((e) => maskError(e, context.logger)) }
    : result;
}
