import type { ExecutionResult } from 'graphql';
import {
  CloseCode,
  GRAPHQL_TRANSPORT_WS_PROTOCOL,
  MessageType,
  parseMessage,
  type SubscribeMessage,
} from 'graphql-ws';
import type { YogaServerInstance } from 'graphql-yoga';
import type { Logger } from 'pino';
import { authorizeRootFields } from '../access/schema-guard.js';
import type { Repositories } from '../domain/repositories.js';
import { AppError, ValidationError } from '../errors.js';
import type { Caller, GraphQLContext, Services } from '../graphql/context.js';
import type { GraphqlOperationMessage } from '../queue/operation-message.js';
import { type Tenant, tenantFromPartitionKey } from '../tenant.js';
import { type TokenVerifier, tokenFromRequest } from './auth.js';
import { type ConnectionStore, DuplicateOperationError, sessionTopic } from './connection-store.js';
import type { Delivery } from './delivery.js';
import { formatErrors, LONG_FIELDS, prepareOperation, subscriptionArguments } from './operation.js';
import type { Poster } from './poster.js';

type Yoga = YogaServerInstance<GraphQLContext, object>;

/** What executing an operation for a WebSocket client needs (shared with the queue consumer). */
export interface WsOperationRuntime {
  readonly yoga: Yoga;
  readonly logger: Logger;
  readonly contextFor: (
    caller: Caller,
    connectionId: string,
    operationId: string,
    emit?: (payload: Record<string, unknown>) => Promise<void>,
  ) => GraphQLContext;
}

export interface WsProtocolDeps extends WsOperationRuntime {
  readonly store: ConnectionStore;
  readonly poster: Poster;
  readonly verifier: TokenVerifier;
  readonly delivery: Delivery;
  readonly assertSessionAccess: (tenant: Tenant, sessionUuid: string) => Promise<void>;
  /** Sends a long operation to the work queue; absent, it runs inline (local use without a queue). */
  readonly enqueue?: (message: GraphqlOperationMessage) => Promise<void>;
  /**
   * The root fields sent to the queue (with `enqueue`): LONG_FIELDS by default; the WebSocket Lambda,
   * which carries no agent runtime, adds every field that may run an agent (AGENT_FIELDS).
   */
  readonly queuedFields?: ReadonlySet<string>;
}

export interface ConnectRequest {
  readonly connectionId: string;
  readonly headers: Record<string, string | undefined>;
  readonly query: Record<string, string | undefined>;
  /** Context set by the $connect REQUEST authorizer, when API Gateway ran one. */
  readonly authorizer?: Record<string, unknown> | null;
}

export interface ConnectResponse {
  readonly statusCode: number;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

export function buildContext(
  base: { repos: Repositories; services: Services; logger: Logger },
  caller: Caller,
  connectionId: string,
  operationId: string,
  emit?: (payload: Record<string, unknown>) => Promise<void>,
): GraphQLContext {
  return {
    transport: 'ws',
    caller,
    repos: base.repos,
    services: base.services,
    logger: base.logger.child({ connectionId, operationId, tenant: caller.tenant.partitionKey }),
    connectionId,
    operationId,
    ...(emit && { emit }),
  };
}

/**
 * The graphql-transport-ws protocol on API Gateway's WebSocket model: each
 * frame arrives as its own invocation, so the connection's state (tenant,
 * acknowledged) and its active operations live in DynamoDB, and replies go out
 * through the management API. Close codes follow the protocol (4400, 4401,
 * 4409, 4429).
 */
export function createWsProtocol(deps: WsProtocolDeps) {
  const { store, poster, logger } = deps;
  const queuedFields = deps.queuedFields ?? LONG_FIELDS;

  const send = (connectionId: string, message: Record<string, unknown>) => poster.post(connectionId, message);
  const close = (connectionId: string, code: number, reason: string) =>
    poster.close(connectionId, code, reason);

  async function sendResult(
    connectionId: string,
    id: string,
    payload: ExecutionResult | Record<string, unknown>,
  ) {
    if (await send(connectionId, { id, type: MessageType.Next, payload })) {
      await send(connectionId, { id, type: MessageType.Complete });
    }
  }

  async function connect(request: ConnectRequest): Promise<ConnectResponse> {
    const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), v]));
    const offered = headers['sec-websocket-protocol']?.split(',').map((p) => p.trim()) ?? [];
    if (offered.length > 0 && !offered.includes(GRAPHQL_TRANSPORT_WS_PROTOCOL)) {
      return { statusCode: 400, body: `Subprotocol ${GRAPHQL_TRANSPORT_WS_PROTOCOL} required` };
    }
    let caller: Caller;
    try {
      caller =
        callerFromAuthorizer(request.authorizer) ??
        (await deps.verifier.verify(tokenFromRequest({ headers, queryStringParameters: request.query })));
    } catch (error) {
      logger.info({ reason: (error as Error).message }, 'websocket connect refused');
      return { statusCode: 401, body: 'Unauthorized' };
    }
    await store.putConnection(request.connectionId, caller.tenant, caller.userId, caller.roles);
    return {
      statusCode: 200,
      ...(offered.length > 0 && { headers: { 'Sec-WebSocket-Protocol': GRAPHQL_TRANSPORT_WS_PROTOCOL } }),
    };
  }

  async function message(connectionId: string, body: string): Promise<void> {
    let parsed: ReturnType<typeof parseMessage>;
    try {
      parsed = parseMessage(body);
    } catch (error) {
      return close(
        connectionId,
        CloseCode.BadRequest,
        (error as Error).message || 'Invalid message received',
      );
    }
    switch (parsed.type) {
      case MessageType.ConnectionInit: {
        if (await store.acknowledge(connectionId)) {
          await send(connectionId, { type: MessageType.ConnectionAck });
          return;
        }
        const exists = await store.getConnection(connectionId);
        return exists
          ? close(connectionId, CloseCode.TooManyInitialisationRequests, 'Too many initialisation requests')
          : close(connectionId, CloseCode.Unauthorized, 'Unauthorized');
      }
      case MessageType.Ping:
        await send(connectionId, {
          type: MessageType.Pong,
          ...(parsed.payload && { payload: parsed.payload }),
        });
        return;
      case MessageType.Pong:
        return;
      case MessageType.Subscribe:
        return subscribe(connectionId, parsed);
      case MessageType.Complete:
        await store.deleteSubscription(connectionId, parsed.id);
        return;
      default:
        return close(
          connectionId,
          CloseCode.BadRequest,
          `Unexpected message of type ${parsed.type} received`,
        );
    }
  }

  // Queries and mutations answered in this invocation are never stored (nothing to write or release):
  // their ids are held here while they run, so a duplicate id reaching this container still gets 4409.
  const runningInline = new Set<string>();

  async function subscribe(connectionId: string, message: SubscribeMessage): Promise<void> {
    const { id, payload } = message;
    // Both reads at once: the connection row is remembered per container once acknowledged.
    const [connection, active] = await Promise.all([
      store.getConnection(connectionId),
      store.getSubscription(connectionId, id),
    ]);
    if (!connection?.acknowledged_at) return close(connectionId, CloseCode.Unauthorized, 'Unauthorized');
    const inlineKey = `${connectionId}#${id}`;
    if (active || runningInline.has(inlineKey)) {
      return close(connectionId, CloseCode.SubscriberAlreadyExists, `Subscriber for ${id} already exists`);
    }
    const caller: Caller = {
      tenant: tenantFromPartitionKey(connection.partition_key),
      userId: connection.user_id,
      ...(connection.roles && { roles: connection.roles }),
    };
    const emit = async (next: Record<string, unknown>) => {
      await send(connectionId, { id, type: MessageType.Next, payload: next });
    };
    const context = deps.contextFor(caller, connectionId, id, emit);
    const prepared = prepareOperation(deps.yoga, context, payload);
    if (!prepared.ok) {
      await send(connectionId, { id, type: MessageType.Error, payload: prepared.errors });
      return;
    }
    try {
      // Refused before anything is stored or queued; resolvers check again (src/access/schema-guard.ts).
      authorizeRootFields(context, prepared.rootFields);
      if (prepared.kind === 'subscription') {
        const enveloped = deps.yoga.getEnveloped(context);
        const parsedArgs = subscriptionArguments(enveloped.schema, prepared.operation, payload.variables);
        if ('errors' in parsedArgs) {
          return sendResult(connectionId, id, {
            data: null,
            errors: formatErrors(parsedArgs.errors, logger),
          });
        }
        const sessionUuid = String(parsedArgs.args.sessionUuid);
        const after = (parsedArgs.args.after as number | null | undefined) ?? 0;
        if (after < 0) throw new ValidationError('after: must be 0 or more');
        await deps.assertSessionAccess(caller.tenant, sessionUuid);
        await store.putSubscription({
          connection_id: connectionId,
          subscription_id: id,
          kind: 'session_events',
          partition_key: caller.tenant.partitionKey,
          user_id: caller.userId,
          ...(caller.roles && { roles: [...caller.roles] }),
          topic: sessionTopic(caller.tenant, sessionUuid),
          session_uuid: sessionUuid,
          query: payload.query,
          ...(payload.variables && { variables: payload.variables }),
          ...(payload.operationName && { operation_name: payload.operationName }),
          cursor: after,
        });
        await deps.delivery.pump(connectionId, id);
        return;
      }
      if (deps.enqueue && prepared.rootFields.some((field) => queuedFields.has(field))) {
        await store.putSubscription({
          connection_id: connectionId,
          subscription_id: id,
          kind: 'queued_operation',
          partition_key: caller.tenant.partitionKey,
          user_id: caller.userId,
        });
        await deps.enqueue({
          type: 'graphql_operation',
          v: 1,
          connection_id: connectionId,
          operation_id: id,
          query: payload.query,
          variables: payload.variables ?? null,
          operation_name: payload.operationName ?? null,
          endpoint_id: caller.tenant.endpointId,
          part_id: caller.tenant.partId,
          user_id: caller.userId,
          ...(caller.roles && { roles: [...caller.roles] }),
        });
        return;
      }
      runningInline.add(inlineKey);
      try {
        await sendResult(connectionId, id, await prepared.run());
      } finally {
        runningInline.delete(inlineKey);
      }
    } catch (error) {
      if (error instanceof DuplicateOperationError) {
        return close(connectionId, CloseCode.SubscriberAlreadyExists, `Subscriber for ${id} already exists`);
      }
      if (error instanceof AppError) {
        return sendResult(connectionId, id, { data: null, errors: formatErrors([error], logger) });
      }
      throw error;
    }
  }

  async function disconnect(connectionId: string): Promise<void> {
    await store.removeConnection(connectionId);
  }

  return { connect, message, disconnect };
}

export type WsProtocol = ReturnType<typeof createWsProtocol>;

/** The REQUEST authorizer (src/handlers/authorizer.ts) passes the verified caller in its context. */
function callerFromAuthorizer(authorizer: Record<string, unknown> | null | undefined): Caller | undefined {
  const endpointId = authorizer?.endpoint_id;
  const partId = authorizer?.part_id;
  const userId = authorizer?.user_id;
  if (typeof endpointId !== 'string' || typeof partId !== 'string' || typeof userId !== 'string')
    return undefined;
  const roles = typeof authorizer?.roles === 'string' ? rolesOfAuthorizer(authorizer.roles) : undefined;
  return { tenant: tenantFromPartitionKey(`${endpointId}#${partId}`), userId, ...(roles && { roles }) };
}

const rolesOfAuthorizer = (json: string): string[] | undefined => {
  const parsed: unknown = JSON.parse(json);
  return Array.isArray(parsed) ? parsed.filter((r): r is string => typeof r === 'string') : undefined;
};
