import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { Logger } from 'pino';
import { accessControlFromConfig } from './access/access-control.js';
import { governed } from './access/schema-guard.js';
import { createAnalyticsCounters } from './analytics/counters.js';
import { withRunAnalytics } from './analytics/run-observer.js';
import { coordinationOfSession, usageOfAgentRun } from './analytics/sessions.js';
import { handleExecuteTask } from './audit/execute-task.js';
import { auditSettingsFromConfig } from './audit/settings.js';
import { createAuditTrail } from './audit/trail.js';
import { type Clients, createClients } from './clients.js';
import type { Config } from './config.js';
import { createRepositories, type Repositories } from './domain/repositories.js';
import { createEgressGuard, type EgressGuard } from './egress/guard.js';
import { egressSettingsFromConfig } from './egress/settings.js';
import { createEventLog } from './events/event-log.js';
import type { EventPublisher } from './events/publisher.js';
import { createGovernance } from './governance/governance.js';
import type { Caller, GraphQLContext, Services } from './graphql/context.js';
import { getSchema } from './graphql/schema/index.js';
import { createGraphQLServer, type YogaOptions } from './graphql/yoga.js';
import { createBedrockGuardrail } from './guardrails/bedrock-guardrail.js';
import { type ComponentCheck, dynamoCheck, queueCheck, runtimeEndpointChecks } from './health/checks.js';
import { createOperationHub } from './hubs/operation/hub.js';
import { createSessionLock } from './hubs/operation/session-lock.js';
import { operationHubSettingsFromEnv } from './hubs/operation/settings.js';
import { createActionRegistry } from './hubs/procedure/actions.js';
import { createProcedureHub, type ProcedureHub } from './hubs/procedure/hub.js';
import { modelPolicyFromConfig, withModelPolicy } from './limits/model-policy.js';
import { createRateLimiter } from './limits/rate-limit.js';
import { createLogger } from './logger.js';
import { createScopeResolver } from './memory/scope-resolver.js';
import { memoryTools } from './memory/tools.js';
import type { ExecuteTaskMessage } from './queue/messages.js';
import { createSqsWorkQueue, type WorkQueue } from './queue/port.js';
import { createDlqHandler, createSqsHandler } from './queue/work-queue-handler.js';
import { type CredentialSource, envCredentials } from './runtimes/credentials.js';
import type { RuntimeResolver } from './runtimes/port.js';
import { createRuntimeResolver } from './runtimes/resolver.js';
import { createScriptedRuntime } from './runtimes/scripted.js';
import { createScheduleSync } from './schedules/eventbridge-sync.js';
import { handleFireSchedule } from './schedules/fire.js';
import type { FireScheduleMessage } from './schedules/messages.js';
import { createOccurrenceClaims } from './schedules/occurrence-claim.js';
import { countingPublisher, instrumentRuntimes } from './telemetry/instrument.js';
import { type Metrics, metricsFromConfig, noMetrics } from './telemetry/metrics.js';
import { tracingEnabled } from './telemetry/tracing.js';
import { tenantFromPartitionKey } from './tenant.js';
import { createThreadStore } from './threads/store.js';
import type { BuiltinTool } from './tools/builtins.js';
import { createEngineTools, type EngineTools } from './tools/engine-tools.js';
import { createTokenVerifier, type TokenVerifier } from './transport/auth.js';
import { type ConnectionStore, createConnectionStore } from './transport/connection-store.js';
import { createDelivery, createFanOutPublisher, type Delivery } from './transport/delivery.js';
import { createEventLogReader, type EventLogReader, isTerminalEvent } from './transport/event-log.js';
import { handleGraphqlOperation } from './transport/graphql-operation-message.js';
import { createPoster, type Poster } from './transport/poster.js';
import { assertSessionOfTenant } from './transport/session-access.js';
import {
  buildContext,
  createWsProtocol,
  type WsOperationRuntime,
  type WsProtocol,
} from './transport/ws-protocol.js';
import { loadPriceTable } from './usage/prices.js';

/**
 * The composition root: everything the handlers and the local stack run on,
 * built once from the Config. Lambda handlers build it lazily on their first
 * invocation and keep it warm; the local stack builds one for the process.
 */
export interface Engine {
  readonly config: Config;
  readonly clients: Clients;
  readonly logger: Logger;
  readonly repos: Repositories;
  readonly services: Services;
  readonly yoga: ReturnType<typeof createGraphQLServer>;
  readonly verifier: TokenVerifier;
  readonly store: ConnectionStore;
  readonly poster: Poster;
  readonly delivery: Delivery;
  readonly eventLog: EventLogReader;
  /** Give this to every hub that records session events: it pushes them to subscribers. */
  readonly publisher: EventPublisher;
  readonly ws: WsProtocol;
  /** Agent runtimes by `agent.runtime`: shared by the operation and procedure hubs. */
  readonly runtimes: RuntimeResolver;
  /** The one egress guard: every outbound call made on a tenant's behalf (webhooks, tools) goes through it. */
  readonly egress: EgressGuard;
  /** Agents' tools: the toolbox, the exactly-once call store, the write-time check. */
  readonly tools: EngineTools;
  readonly procedure: ProcedureHub;
  readonly queue: WorkQueue;
  /** The work-queue consumer (SQS Lambda, local poller): procedure messages and `graphql_operation`. */
  readonly handleQueueEvent: ReturnType<typeof createSqsHandler>;
  readonly handleDeadLetters: ReturnType<typeof createDlqHandler>;
  /** Fires one schedule occurrence (idempotent): the local scheduler calls it. */
  readonly fireSchedule: (message: FireScheduleMessage) => Promise<unknown>;
  readonly httpContext: (caller: Caller) => GraphQLContext;
  /** EMF metrics (noMetrics unless ACE_METRICS=emf); flushed at the end of each Lambda invocation. */
  readonly metrics: Metrics;
  /** What GET /health/detailed checks: DynamoDB, the work queue, each configured runtime endpoint. */
  readonly healthChecks: () => readonly ComponentCheck[];
  /** Whether the HTTP endpoint serves the GraphiQL page (the only request answered without a token). */
  readonly graphiql: boolean;
}

/** Where no queue is configured (an HTTP-only deployment), a dispatch is an error, never a silent skip. */
const missingQueue: WorkQueue = {
  send: async () => {
    throw new Error('WORK_QUEUE_URL is not set: this function cannot dispatch work');
  },
};

export interface EngineOptions {
  readonly logger?: Logger;
  /** GraphiQL on the HTTP endpoint (the local stack turns it on). */
  readonly graphiql?: YogaOptions['graphiql'];
  /** Agent runtimes; by default the built-in adapters with credentials from the environment. */
  readonly runtimes?: RuntimeResolver;
  /** Metrics sink; from ACE_METRICS by default (tests pass one that records). */
  readonly metrics?: Metrics;
  /** The GraphiQL page renderer (the local stack's offline one). */
  readonly renderGraphiQL?: YogaOptions['renderGraphiQL'];
  /** Runtime secrets and endpoints per (runtime, profile); the environment by default (Lambda: plus Secrets Manager). */
  readonly credentials?: CredentialSource;
  /** The egress guard; by default built from the config's ACE_TOOL_* settings. */
  readonly egress?: EgressGuard;
  /** More builtin tools for agents (on top of current_time and session_outputs). */
  readonly extraBuiltins?: readonly BuiltinTool[];
}

export function createEngine(config: Config, options: EngineOptions = {}): Engine {
  const logger = options.logger ?? createLogger(config);
  const clients = createClients(config, logger);
  const repos = createRepositories(clients);
  const services: Services = {
    access: accessControlFromConfig(config),
    audit: createAuditTrail({ ...clients, settings: auditSettingsFromConfig(config) }),
  };
  // Built on first use: a queue message that runs no GraphQL, a WebSocket ping or $connect never pays
  // for the schema (builder.toSchema) or yoga's plugins on a cold start.
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
  // Spans and metrics around the runtimes only when someone collects them: no wrapper otherwise.
  const observed = tracingEnabled() || metrics !== noMetrics;
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
  const assertSessionAccess = (tenant: Parameters<typeof assertSessionOfTenant>[1], sessionUuid: string) =>
    assertSessionOfTenant({ sessions: repos.sessions, eventLog }, tenant, sessionUuid);
  services.sessionEventFeed = {
    assertAccess: assertSessionAccess,
    after: (tenant, sessionUuid, afterSeq, limit) => eventLog.after(tenant, sessionUuid, afterSeq, limit),
    isTerminal: isTerminalEvent,
  };
  const base = { repos, services, logger };
  const contextFor: WsOperationRuntime['contextFor'] = (caller, connectionId, operationId, emit) =>
    buildContext(base, caller, connectionId, operationId, emit);
  const verifier = createTokenVerifier(config, logger);
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
  const governance = createGovernance({
    doc: clients.doc,
    tables: clients.tables,
    prices: loadPriceTable(config.ACE_MODEL_PRICES),
    bedrock: createBedrockGuardrail({
      credentials: options.credentials ?? envCredentials(),
      region: config.AWS_REGION,
    }),
  });
  services.usage = { doc: clients.doc, tables: clients.tables };
  const analyticsCounters = createAnalyticsCounters(clients);
  services.analytics = {
    doc: clients.doc,
    tables: clients.tables,
    counters: analyticsCounters,
    prices: loadPriceTable(config.ACE_MODEL_PRICES),
  };
  // The operator's model list and caps apply to every runtime, the built-in and the injected alike.
  const threads = createThreadStore(clients);
  const baseRuntimes = withModelPolicy(
    options.runtimes ??
      createRuntimeResolver({
        threads,
        runtimes: { scripted: createScriptedRuntime() },
        ...(options.credentials && { credentials: options.credentials }),
      }),
    modelPolicyFromConfig(config),
  );
  const runtimes = observed ? instrumentRuntimes(baseRuntimes, metrics) : baseRuntimes;
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
  const egress = options.egress ?? createEgressGuard(egressSettingsFromConfig(config));
  const lambda = new LambdaClient({ region: config.AWS_REGION });
  const tools = createEngineTools({
    doc: clients.doc,
    tables: clients.tables,
    repos,
    egress,
    lambda,
    // Agent memory's tools (memory_put, memory_get, memory_search), then the caller's own.
    extraBuiltins: [
      ...memoryTools({ memory: repos.memory, resolveScope: createScopeResolver(repos) }),
      ...(options.extraBuiltins ?? []),
    ],
  });
  services.tools = tools;
  const queue = config.WORK_QUEUE_URL
    ? createSqsWorkQueue({ sqs: clients.sqs, queueUrl: config.WORK_QUEUE_URL, payloads: clients.payloads })
    : missingQueue;
  services.operation = createOperationHub({
    repos,
    runtimes,
    locks: createSessionLock(clients),
    events: sessionEventLog,
    logger,
    settings: operationHubSettingsFromEnv(),
    governance,
    tables: clients.tables,
    tools,
    threads,
  });
  const procedure = createProcedureHub({
    doc: clients.doc,
    payloads: clients.payloads,
    tables: clients.tables,
    eventLog: sessionEventLog,
    queue,
    runtimes,
    // `{type: "lambda", function_name}` action functions invoke other Lambdas by name.
    actions: createActionRegistry({ lambda, egress }),
    // Agents' tools, and what prefetch specs name: builtins (current_time, memory_*) and the agents' own.
    toolbox: tools.toolbox,
    logger,
    governance,
  });
  services.procedure = procedure;
  services.scheduleSync = createScheduleSync(config);
  services.rateLimiter = createRateLimiter({
    doc: clients.doc,
    tableName: clients.tables.rateLimits,
    limits: {
      askOperationHub: config.ACE_RATE_LIMIT_ASK_PER_MINUTE,
      executeProcedureTaskSession: config.ACE_RATE_LIMIT_EXECUTE_PER_MINUTE,
    },
  });
  const enqueue = config.WORK_QUEUE_URL
    ? (message: Parameters<typeof handleGraphqlOperation>[0]) => queue.send([message])
    : undefined;
  const ws = createWsProtocol({
    store,
    poster,
    verifier,
    delivery,
    assertSessionAccess,
    get yoga() {
      return yoga();
    },
    logger,
    contextFor,
    ...(enqueue && { enqueue }),
  });
  const claims = createOccurrenceClaims({ doc: clients.doc, tableName: clients.tables.idempotency });
  const fireSchedule = (message: FireScheduleMessage) =>
    handleFireSchedule(message, {
      taskSchedules: repos.taskSchedules,
      claims,
      startSession: (tenant, input) => procedure.executeProcedureTaskSession(tenant, input),
      logger,
    });
  const handleQueueEvent = createSqsHandler({
    payloads: clients.payloads,
    procedure,
    routes: {
      // The public message names its principal: checked like executeProcedureTaskSession.
      execute_task: (message) =>
        handleExecuteTask(message as ExecuteTaskMessage, { ...governed(services), procedure, repos }),
      graphql_operation: (message) =>
        handleGraphqlOperation(message, { store, poster, yoga: yoga(), logger, contextFor }),
      fire_schedule: async (message) => {
        await fireSchedule(message);
      },
    },
    logger,
    metrics,
    maxReceiveCount: config.WORK_QUEUE_MAX_RECEIVE_COUNT,
    ...(config.WORK_QUEUE_URL && { backoff: { sqs: clients.sqs, queueUrl: config.WORK_QUEUE_URL } }),
  });
  return {
    config,
    clients,
    logger,
    repos,
    services,
    get yoga() {
      return yoga();
    },
    verifier,
    store,
    poster,
    delivery,
    eventLog,
    publisher,
    ws,
    runtimes,
    egress,
    tools,
    procedure,
    queue,
    handleQueueEvent,
    handleDeadLetters: createDlqHandler({ procedure, logger, payloads: clients.payloads }),
    fireSchedule,
    httpContext: (caller) => ({ transport: 'http', caller, repos, logger, services }),
    metrics,
    healthChecks: () => [
      dynamoCheck(clients),
      ...(config.WORK_QUEUE_URL ? [queueCheck(clients, 'work-queue', config.WORK_QUEUE_URL, true)] : []),
      ...runtimeEndpointChecks(process.env),
    ],
    graphiql: options.graphiql !== undefined && options.graphiql !== false,
  };
}
