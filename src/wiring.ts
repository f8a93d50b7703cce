import { LambdaClient } from '@aws-sdk/client-lambda';
import type { Logger } from 'pino';
import { governed } from './access/schema-guard.js';
import { handleExecuteTask } from './audit/execute-task.js';
import type { Clients } from './clients.js';
import type { Config } from './config.js';
import type { Repositories } from './domain/repositories.js';
import type { EgressGuard } from './egress/guard.js';
import type { EventPublisher } from './events/publisher.js';
import type { Caller, GraphQLContext, Services } from './graphql/context.js';
import type { createGraphQLServer, YogaOptions } from './graphql/yoga.js';
import { createBedrockGuardrail } from './guardrails/bedrock-guardrail.js';
import type { ComponentCheck } from './health/checks.js';
import { createOperationHub } from './hubs/operation/hub.js';
import { createSessionLock } from './hubs/operation/session-lock.js';
import { operationHubSettingsFromEnv } from './hubs/operation/settings.js';
import { createActionRegistry } from './hubs/procedure/actions.js';
import type { ProcedureHub } from './hubs/procedure/hub.js';
import { modelPolicyFromConfig, withModelPolicy } from './limits/model-policy.js';
import { createScopeResolver } from './memory/scope-resolver.js';
import { memoryTools } from './memory/tools.js';
import type { ExecuteTaskMessage } from './queue/messages.js';
import type { WorkQueue } from './queue/port.js';
import { createDlqHandler, createSqsHandler } from './queue/work-queue-handler.js';
import { type CredentialSource, envCredentials } from './runtimes/credentials.js';
import type { RuntimeResolver } from './runtimes/port.js';
import { createRuntimeResolver } from './runtimes/resolver.js';
import { createScriptedRuntime } from './runtimes/scripted.js';
import { handleFireSchedule } from './schedules/fire.js';
import type { FireScheduleMessage } from './schedules/messages.js';
import { createOccurrenceClaims } from './schedules/occurrence-claim.js';
import { instrumentRuntimes } from './telemetry/instrument.js';
import { type Metrics, noMetrics } from './telemetry/metrics.js';
import { tracingEnabled } from './telemetry/tracing.js';
import type { BuiltinTool } from './tools/builtins.js';
import { createEngineTools, type EngineTools } from './tools/engine-tools.js';
import type { TokenVerifier } from './transport/auth.js';
import type { ConnectionStore } from './transport/connection-store.js';
import type { Delivery } from './transport/delivery.js';
import type { EventLogReader } from './transport/event-log.js';
import { handleGraphqlOperation } from './transport/graphql-operation-message.js';
import type { Poster } from './transport/poster.js';
import { createWsProtocol, type WsProtocol } from './transport/ws-protocol.js';
import { createCore, procedureHubOf } from './wiring/core.js';
import { lambdaInvoker } from './wiring/lambda-invoker.js';

/**
 * The full composition root: everything the local stack, the tests and the
 * work queue's Lambda run on, built once from the Config on the shared core
 * (src/wiring/core.ts). The ws and http Lambdas build leaner roots
 * (src/wiring/ws.ts, src/wiring/http.ts) that carry no agent runtime.
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
  const core = createCore(config, {
    ...(options.logger && { logger: options.logger }),
    ...(options.graphiql !== undefined && { graphiql: options.graphiql }),
    ...(options.renderGraphiQL && { renderGraphiQL: options.renderGraphiQL }),
    ...(options.metrics && { metrics: options.metrics }),
    ...(options.egress && { egress: options.egress }),
    bedrock: createBedrockGuardrail({
      credentials: options.credentials ?? envCredentials(),
      region: config.AWS_REGION,
    }),
  });
  const { clients, logger, repos, services, metrics, egress, queue, store, poster, contextFor } = core;
  // Spans and metrics around the runtimes only when someone collects them: no wrapper otherwise.
  const observed = tracingEnabled() || metrics !== noMetrics;
  // The operator's model list and caps apply to every runtime, the built-in and the injected alike.
  const baseRuntimes = withModelPolicy(
    options.runtimes ??
      createRuntimeResolver({
        threads: core.threads,
        runtimes: { scripted: createScriptedRuntime() },
        ...(options.credentials && { credentials: options.credentials }),
      }),
    modelPolicyFromConfig(config),
  );
  const runtimes = observed ? instrumentRuntimes(baseRuntimes, metrics) : baseRuntimes;
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
  services.operation = createOperationHub({
    repos,
    runtimes,
    locks: createSessionLock(clients),
    events: core.sessionEventLog,
    logger,
    settings: operationHubSettingsFromEnv(),
    governance: core.governance,
    tables: clients.tables,
    tools,
    threads: core.threads,
  });
  const procedure = procedureHubOf(core, {
    runtimes,
    // `{type: "lambda", function_name}` action functions invoke other Lambdas by name.
    actions: createActionRegistry({ invokeLambda: lambdaInvoker(lambda), egress }),
    // Agents' tools, and what prefetch specs name: builtins (current_time, memory_*) and the agents' own.
    toolbox: tools.toolbox,
  });
  services.procedure = procedure;
  const ws = createWsProtocol({
    store,
    poster,
    verifier: core.verifier,
    delivery: core.delivery,
    assertSessionAccess: core.assertSessionAccess,
    get yoga() {
      return core.yoga();
    },
    logger,
    contextFor,
    ...(core.enqueue && { enqueue: core.enqueue }),
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
        handleGraphqlOperation(message, { store, poster, yoga: core.yoga(), logger, contextFor }),
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
      return core.yoga();
    },
    verifier: core.verifier,
    store,
    poster,
    delivery: core.delivery,
    eventLog: core.eventLog,
    publisher: core.publisher,
    ws,
    runtimes,
    egress,
    tools,
    procedure,
    queue,
    handleQueueEvent,
    handleDeadLetters: createDlqHandler({ procedure, logger, payloads: clients.payloads }),
    fireSchedule,
    httpContext: core.httpContext,
    metrics,
    healthChecks: core.healthChecks,
    graphiql: core.graphiql,
  };
}
