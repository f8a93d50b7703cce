import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import type { Logger } from 'pino';
import { accessControlFromConfig } from '../access/access-control.js';
import { createAnalyticsCounters } from '../analytics/counters.js';
import { withRunAnalytics } from '../analytics/run-observer.js';
import { coordinationOfSession, usageOfAgentRun } from '../analytics/sessions.js';
import { auditSettingsFromConfig } from '../audit/settings.js';
import { createAuditTrail } from '../audit/trail.js';
import { type Clients, createClients } from '../clients.js';
import type { Config } from '../config.js';
import { createRepositories, type Repositories } from '../domain/repositories.js';
import { createEgressGuard, type EgressGuard } from '../egress/guard.js';
import { egressSettingsFromConfig } from '../egress/settings.js';
import { createEventLog, type EventLog } from '../events/event-log.js';
import type { EventPublisher } from '../events/publisher.js';
import { createGovernance, type Governance } from '../governance/governance.js';
import type { Caller, GraphQLContext, Services } from '../graphql/context.js';
import { getSchema } from '../graphql/schema/index.js';
import { createGraphQLServer, type YogaOptions } from '../graphql/yoga.js';
import type { ApplyBedrockGuardrail } from '../guardrails/bedrock-guardrail.js';
import { type ComponentCheck, dynamoCheck, queueCheck, runtimeEndpointChecks } from '../health/checks.js';
import type { ActionRegistry } from '../hubs/procedure/actions.js';
import { createProcedureHub, type ProcedureHub } from '../hubs/procedure/hub.js';
import { createRateLimiter } from '../limits/rate-limit.js';
import { createLogger } from '../logger.js';
import type { GraphqlOperationMessage } from '../queue/operation-message.js';
import { createSqsWorkQueue, type WorkQueue } from '../queue/port.js';
import type { RuntimeResolver } from '../runtimes/port.js';
import { createScheduleSync } from '../schedules/eventbridge-sync.js';
import { countingPublisher } from '../telemetry/instrument.js';
import { type Metrics, metricsFromConfig, noMetrics } from '../telemetry/metrics.js';
import { tenantFromPartitionKey } from '../tenant.js';
import { createThreadStore, type ThreadStore } from '../threads/store.js';
import type { Toolbox } from '../tools/toolbox.js';
import { createTokenVerifier, type TokenVerifier } from '../transport/auth.js';
import { type ConnectionStore, createConnectionStore } from '../transport/connection-store.js';
import { createDelivery, createFanOutPublisher, type Delivery } from '../transport/delivery.js';
import { createEventLogReader, type EventLogReader, isTerminalEvent } from '../transport/event-log.js';
import { createPoster, type Poster } from '../transport/poster.js';
import { assertSessionOfTenant } from '../transport/session-access.js';
import { buildContext, type WsOperationRuntime } from '../transport/ws-protocol.js';
import { loadPriceTable } from '../usage/prices.js';

/**
 * What every function's composition root shares: clients, repositories, the
 * GraphQL services that need no agent runtime, the connection store and the
 * fan-out of session events, governance, the work queue. It imports no agent
 * runtime, tool runner or Lambda client: the ws and http roots (src/wiring/)
 * add nothing heavy on top, the full engine (src/wiring.ts) adds them.
 */
export interface CoreOptions {
  readonly logger?: Logger;
  readonly graphiql?: YogaOptions['graphiql'];
  readonly renderGraphiQL?: YogaOptions['renderGraphiQL'];
  readonly metrics?: Metrics;
  readonly egress?: EgressGuard;
  /** Bedrock Guardrails; a root that runs no agent passes one that refuses loudly. */
  readonly bedrock: ApplyBedrockGuardrail;
}

export interface Core {
  readonly config: Config;
  readonly clients: Clients;
  readonly logger: Logger;
  readonly repos: Repositories;
  readonly services: Services;
  /** Built on first use (builder.toSchema and yoga's plugins): a ping or a queue message without GraphQL never pays. */
  readonly yoga: () => ReturnType<typeof createGraphQLServer>;
  readonly metrics: Metrics;
  readonly verifier: TokenVerifier;
  readonly store: ConnectionStore;
  readonly poster: Poster;
  readonly eventLog: EventLogReader;
  readonly delivery: Delivery;
  readonly publisher: EventPublisher;
  /** The session event log both hubs record into (numbered, fanned out, counted for analytics). */
  readonly sessionEventLog: EventLog;
  readonly governance: Governance;
  readonly threads: ThreadStore;
  readonly egress: EgressGuard;
  readonly queue: WorkQueue;
  /** Sends a `graphql_operation` to the work queue; undefined where no queue is configured. */
  readonly enqueue: ((message: GraphqlOperationMessage) => Promise<void>) | undefined;
  readonly assertSessionAccess: (
    tenant: Parameters<typeof assertSessionOfTenant>[1],
    sessionUuid: string,
  ) => Promise<void>;
  readonly contextFor: WsOperationRuntime['contextFor'];
  readonly httpContext: (caller: Caller) => GraphQLContext;
  readonly healthChecks: () => readonly ComponentCheck[];
  readonly graphiql: boolean;
}

/** Where no queue is configured (an HTTP-only deployment), a dispatch is an error, never a silent skip. */
const missingQueue: WorkQueue = {
  send: async () => {
    throw new Error('WORK_QUEUE_URL is not set: this function cannot dispatch work');
  },
};

export function createCore(config: Config, options: CoreOptions): Core {
  const logger = options.logger ?? createLogger(config);
  const clients = createClients(config, logger);
  const repos = createRepositories(clients);
  const services: Services = {
    access: accessControlFromConfig(config),
    audit: createAuditTrail({ ...clients, settings: auditSettingsFromConfig(config) }),
  };
  let builtYoga: ReturnType<typeof createGraphQLServer> | undefined;
  const yoga = () => {
    builtYoga ??= createGraphQLServer({
      logger,
      maxDepth: config.MAX_QUERY_DEPTH,
      maxCost: config.MAX_QUERY_COST,
      ...(options.graphiql !== undefined && { graphiql: options.graphiql }),
      ...(options.renderGraphiQL && { renderGraphiQL: options.renderGraphiQL }),
    });
    return builtYoga;
  };
  const metrics = options.metrics ?? metricsFromConfig(config);
  const management = new ApiGatewayManagementApiClient({
    region: config.AWS_REGION,
    ...(config.WS_CALLBACK_URL && { endpoint: config.WS_CALLBACK_URL }),
    ...(config.WS_CALLBACK_URL?.startsWith('http://') && {
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
  });
  const store = createConnectionStore(clients);
  const poster = createPoster({ client: management, store, logger });
  const eventLog = createEventLogReader(clients);
  const assertSessionAccess: Core['assertSessionAccess'] = (tenant, sessionUuid) =>
    assertSessionOfTenant({ sessions: repos.sessions, eventLog }, tenant, sessionUuid);
  services.sessionEventFeed = {
    assertAccess: assertSessionAccess,
    after: (tenant, sessionUuid, afterSeq, limit) => eventLog.after(tenant, sessionUuid, afterSeq, limit),
    isTerminal: isTerminalEvent,
  };
  const base = { repos, services, logger };
  const contextFor: WsOperationRuntime['contextFor'] = (caller, connectionId, operationId, emit) =>
    buildContext(base, caller, connectionId, operationId, emit);
  const delivery = createDelivery({
    store,
    poster,
    eventLog,
    // Read when an event is shaped for a subscriber, not when the engine is built.
    get schema() {
      return getSchema();
    },
    logger,
    contextFor: (row) =>
      buildContext(
        base,
        {
          tenant: tenantFromPartitionKey(row.partition_key),
          userId: row.user_id,
          ...(row.roles && { roles: row.roles }),
        },
        row.connection_id,
        row.subscription_id,
      ),
  });
  const publisher = createFanOutPublisher({ store, delivery, logger });
  const prices = loadPriceTable(config.ACE_MODEL_PRICES);
  const governance = createGovernance({
    doc: clients.doc,
    tables: clients.tables,
    prices,
    bedrock: options.bedrock,
  });
  services.usage = { doc: clients.doc, tables: clients.tables };
  const analyticsCounters = createAnalyticsCounters(clients);
  services.analytics = { doc: clients.doc, tables: clients.tables, counters: analyticsCounters, prices };
  // One event log for both hubs: it numbers each session's events and hands them to the fan-out.
  const sessionEventLog = createEventLog({
    ...clients,
    // Every agent run's outcome and duration, counted once for agentAnalytics (src/analytics/).
    publisher: withRunAnalytics(metrics === noMetrics ? publisher : countingPublisher(publisher, metrics), {
      ...clients,
      counters: analyticsCounters,
      coordinationOf: coordinationOfSession(repos),
      usageOfAgentRun: usageOfAgentRun(repos),
      logger,
    }),
    logger,
  });
  const queue = config.WORK_QUEUE_URL
    ? createSqsWorkQueue({ sqs: clients.sqs, queueUrl: config.WORK_QUEUE_URL, payloads: clients.payloads })
    : missingQueue;
  services.scheduleSync = createScheduleSync(config);
  services.rateLimiter = createRateLimiter({
    doc: clients.doc,
    tableName: clients.tables.rateLimits,
    limits: {
      askOperationHub: config.ACE_RATE_LIMIT_ASK_PER_MINUTE,
      executeProcedureTaskSession: config.ACE_RATE_LIMIT_EXECUTE_PER_MINUTE,
    },
  });
  return {
    config,
    clients,
    logger,
    repos,
    services,
    yoga,
    metrics,
    verifier: createTokenVerifier(config, logger),
    store,
    poster,
    eventLog,
    delivery,
    publisher,
    sessionEventLog,
    governance,
    threads: createThreadStore(clients),
    egress: options.egress ?? createEgressGuard(egressSettingsFromConfig(config)),
    queue,
    enqueue: config.WORK_QUEUE_URL ? (message) => queue.send([message]) : undefined,
    assertSessionAccess,
    contextFor,
    httpContext: (caller) => ({ transport: 'http', caller, repos, logger, services }),
    healthChecks: () => [
      dynamoCheck(clients),
      ...(config.WORK_QUEUE_URL ? [queueCheck(clients, 'work-queue', config.WORK_QUEUE_URL, true)] : []),
      ...runtimeEndpointChecks(process.env),
    ],
    graphiql: options.graphiql !== undefined && options.graphiql !== false,
  };
}

export interface ProcedureParts {
  readonly runtimes: RuntimeResolver;
  readonly actions: ActionRegistry;
  /** Agents' tools and what prefetch specs name; absent where the function runs no tool. */
  readonly toolbox?: Toolbox;
}

/** The procedure hub on the core, with the runtimes, actions and tools the root supplies. */
export function procedureHubOf(core: Core, parts: ProcedureParts): ProcedureHub {
  return createProcedureHub({
    doc: core.clients.doc,
    payloads: core.clients.payloads,
    tables: core.clients.tables,
    eventLog: core.sessionEventLog,
    queue: core.queue,
    runtimes: parts.runtimes,
    actions: parts.actions,
    ...(parts.toolbox && { toolbox: parts.toolbox }),
    logger: core.logger,
    governance: core.governance,
    inlineRunsPerWorker: core.config.ACE_INLINE_RUNS_PER_WORKER,
  });
}
