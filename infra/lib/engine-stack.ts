import { ArnFormat, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import {
  CorsHttpMethod,
  HttpApi,
  HttpMethod,
  HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { EngineAlarms } from '../constructs/alarms.js';
import { EngineDashboard } from '../constructs/dashboard.js';
import { EngineTables } from '../constructs/engine-tables.js';
import { createHandlerFunction, type HandlerName } from '../constructs/handler-function.js';
import { PayloadBucket } from '../constructs/payload-bucket.js';
import { ScheduleTarget } from '../constructs/schedule-target.js';
import { EngineWebSocketApi } from '../constructs/websocket-api.js';
import { WorkQueue } from '../constructs/work-queue.js';
import { type LambdaEnvironment, lambdaEnvironment } from './environment.js';
import { grantBedrockModels, grantSecrets, namedSecrets, restrictQueueSenders } from './security.js';
import type { EngineSettings } from './settings.js';

/**
 * The whole engine in one stack: tables, work queue + DLQ, the WebSocket and
 * HTTP GraphQL endpoints, one function per handler, the schedule group and
 * its role, alarms. Grants are per function: the three engine functions run
 * the same GraphQL schema and hubs, so they share data access; the
 * authorizer reads nothing but its configuration.
 */
export interface EngineStackProps extends StackProps {
  readonly settings: EngineSettings;
}

export class EngineStack extends Stack {
  readonly functions: Readonly<Record<HandlerName, NodejsFunction> & { dlq?: NodejsFunction }>;

  constructor(scope: Construct, id: string, props: EngineStackProps) {
    super(scope, id, props);
    const s = props.settings;
    const prefix = `ace-${s.stage}-`;
    const actionFunctionPrefix = s.actionFunctionPrefix ?? `${prefix}action-`;
    const removalPolicy = s.removalPolicy === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;

    // Derived from the stage unless set: two stages in one account never share tables.
    const tablePrefix = s.tablePrefix ?? prefix;
    const tables = new EngineTables(this, 'Tables', {
      tablePrefix,
      removalPolicy,
      deletionProtection: s.deletionProtection,
      deferGlobalIndexes: s.deferGlobalIndexes,
    });
    const payloads = new PayloadBucket(this, 'Payloads', { removalPolicy });
    const work = new WorkQueue(this, 'Work', {
      maxReceiveCount: s.maxReceiveCount,
      visibilityTimeout: Duration.seconds(s.workerTimeoutSeconds * 6),
    });
    const schedules = new ScheduleTarget(this, 'Schedules', {
      groupName: `ace-${s.stage}`,
      queue: work.queue,
    });
    // Self-healing: every minute, resume what expired leases and lost dispatches left behind.
    schedules.addRecurringMessage('Sweep', {
      rate: 'rate(1 minute)',
      body: { type: 'sweep_sessions', v: 1 },
      description: 'Resume stuck procedure sessions (docs/EXECUTOR.md, "Sweeping")',
    });

    const common = {
      tracing: s.otlpEndpoint !== undefined,
      memorySize: s.memorySize,
      logRetention: s.logRetentionDays as RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY, // logs of a deleted stack are not worth keeping
      bundleAwsSdk: s.bundleAwsSdk,
    };
    // JWT_SECRET never appears here: it comes from a Secrets Manager secret (ACE_SECRET_IDS) at init.
    const secrets = namedSecrets(this, s.secretIds);
    const auth: LambdaEnvironment = {
      LOG_LEVEL: s.logLevel,
      // EMF metrics and (when an endpoint is set) OTLP traces: src/telemetry.
      ACE_METRICS: 'emf',
      ACE_METRICS_NAMESPACE: s.metricsNamespace,
      OTEL_EXPORTER_OTLP_ENDPOINT: s.otlpEndpoint,
      OTEL_SERVICE_NAME: s.otlpEndpoint ? `ace-${s.stage}` : undefined,
      JWKS_URL: s.jwksUrl,
      JWT_ISSUER: s.jwtIssuer,
      JWT_AUDIENCE: s.jwtAudience,
      ACE_SECRET_IDS: secrets.length ? secrets.map((secret) => secret.secretArn).join(',') : undefined,
      // Roles are read from the token wherever it is verified (the $connect authorizer too).
      ACE_ROLES_CLAIM: s.rolesClaim,
    };
    const authorizer = createHandlerFunction(this, 'AuthorizerFunction', {
      ...common,
      name: 'authorizer',
      functionName: `${prefix}authorizer`,
      memorySize: 256,
      timeout: Duration.seconds(10),
      environment: lambdaEnvironment({ ...auth, ACE_METRICS_SERVICE: 'authorizer' }),
      reservedConcurrentExecutions: s.apiReservedConcurrency || undefined,
    });

    // Signs list nextTokens: one key for every engine function of the stage (a per-process random key
    // would refuse a token issued by another instance). Read at init like every other secret
    // (ACE_SECRET_IDS), so neither the template nor the functions' environment holds its value.
    const pageTokenSecret = new Secret(this, 'PageTokenSecret', {
      description: 'Signs GraphQL list nextTokens (ACE_PAGE_TOKEN_SECRET)',
      generateSecretString: {
        secretStringTemplate: '{}',
        generateStringKey: 'ACE_PAGE_TOKEN_SECRET',
        passwordLength: 48,
        excludePunctuation: true,
      },
      removalPolicy,
    });

    // The ws function must exist before the API (it is the API's integration), and needs the API's
    // callback URL; the URL is added to the environments once the API exists.
    const engineEnvironment: LambdaEnvironment = {
      ...auth,
      ACE_TABLE_PREFIX: tablePrefix,
      // The operator's secrets plus the page-token key, all read at init (never in the environment).
      ACE_SECRET_IDS: [...secrets, pageTokenSecret].map((secret) => secret.secretArn).join(','),
      WORK_QUEUE_URL: work.queue.queueUrl,
      WORK_QUEUE_MAX_RECEIVE_COUNT: String(s.maxReceiveCount),
      WORK_QUEUE_ARN: work.queue.queueArn,
      SCHEDULE_GROUP_NAME: schedules.group.scheduleGroupName,
      SCHEDULER_ROLE_ARN: schedules.role.roleArn,
      // The egress guard's operator settings (src/egress/): the same prefix as the IAM grant below.
      ACE_TOOL_LAMBDA_PREFIX: actionFunctionPrefix,
      ACE_TOOL_ALLOWED_HOSTS: s.toolAllowedHosts || undefined,
      ACE_BEDROCK_ALLOWED_MODELS: s.bedrockModels.join(',') || undefined,
      ACE_OPENAI_ALLOWED_MODELS: s.openaiModels.join(',') || undefined,
      ACE_MAX_TOKENS_CAP: String(s.maxTokensCap),
      ACE_MAX_RETRIES_CAP: String(s.maxRetriesCap),
      ACE_RATE_LIMIT_ASK_PER_MINUTE: String(s.rateLimitAskPerMinute),
      ACE_RATE_LIMIT_EXECUTE_PER_MINUTE: String(s.rateLimitExecutePerMinute),
      // Governance (docs/GOVERNANCE.md): roles and the audit trail.
      ACE_DEFAULT_ROLES: s.defaultRoles.join(','),
      ACE_ROLES: s.roles ? JSON.stringify(s.roles) : undefined,
      ACE_AUDIT_RETENTION_DAYS: String(s.auditRetentionDays),
      ACE_AUDIT_REDACT_FIELDS: s.auditRedactFields.join(',') || undefined,
      ACE_AUDIT_READS: String(s.auditReads),
      ACE_PAYLOAD_BUCKET: payloads.bucket.bucketName,
    };
    const engineFunction = (
      name: 'ws' | 'http' | 'sqs',
      id: string,
      timeoutSeconds: number,
      exportName?: string,
      reservedConcurrentExecutions?: number,
    ) =>
      createHandlerFunction(this, id, {
        ...common,
        name,
        ...(exportName && { exportName }),
        functionName: `${prefix}${exportName === 'dlqHandler' ? 'dlq' : name}`,
        timeout: Duration.seconds(timeoutSeconds),
        environment: lambdaEnvironment({
          ...engineEnvironment,
          ACE_METRICS_SERVICE: exportName === 'dlqHandler' ? 'dlq' : name,
        }),
        ...(reservedConcurrentExecutions && { reservedConcurrentExecutions }),
      });
    const apiReserved = s.apiReservedConcurrency || undefined;
    const ws = engineFunction('ws', 'WsFunction', s.apiTimeoutSeconds, undefined, apiReserved);
    const http = engineFunction('http', 'HttpFunction', s.apiTimeoutSeconds, undefined, apiReserved);
    // The queue consumer's ceiling is the event source's maximum concurrency: no throttled batches.
    const sqs = engineFunction(
      'sqs',
      'SqsFunction',
      s.workerTimeoutSeconds,
      undefined,
      s.queueMaxConcurrency,
    );
    const dlq = s.consumeDeadLetters
      ? engineFunction('sqs', 'DeadLetterFunction', s.workerTimeoutSeconds, 'dlqHandler')
      : undefined;
    this.functions = { ws, http, sqs, authorizer, ...(dlq && { dlq }) };

    const throttle = { rateLimit: s.throttleRateLimit, burstLimit: s.throttleBurstLimit };
    const accessLogs = (id: string, name: string) => ({
      destination: new LogGroupLogDestination(
        new LogGroup(this, id, {
          logGroupName: `/aws/apigateway/${prefix}${name}`,
          retention: s.logRetentionDays as RetentionDays,
          removalPolicy: RemovalPolicy.DESTROY,
        }),
      ),
    });
    const webSocket = new EngineWebSocketApi(this, 'WebSocket', {
      apiName: `${prefix}ws`,
      stageName: s.stage,
      handler: ws,
      authorizer,
      identitySource: s.wsIdentitySource,
      throttle,
      accessLogSettings: accessLogs('WebSocketAccessLogs', 'ws'),
    });
    const httpApi = new HttpApi(this, 'HttpApi', {
      apiName: `${prefix}http`,
      createDefaultStage: false,
      // No CORS unless origins are listed: browsers elsewhere cannot call the API with a user's token.
      ...(s.corsOrigins.length && {
        corsPreflight: {
          allowOrigins: s.corsOrigins,
          allowMethods: [CorsHttpMethod.GET, CorsHttpMethod.POST, CorsHttpMethod.OPTIONS],
          allowHeaders: ['authorization', 'content-type'],
        },
      }),
    });
    new HttpStage(this, 'HttpStage', {
      httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle,
      accessLogSettings: accessLogs('HttpAccessLogs', 'http'),
    });
    // A second wall where the token issuer supports OIDC discovery (a JWKS with issuer and audience):
    // API Gateway refuses a request without a valid token before the function runs.
    const jwtAuthorizer =
      s.jwksUrl && s.jwtIssuer && s.jwtAudience
        ? new HttpJwtAuthorizer('JwtAuthorizer', s.jwtIssuer, { jwtAudience: [s.jwtAudience] })
        : undefined;
    const httpIntegration = new HttpLambdaIntegration('Graphql', http);
    httpApi.addRoutes({
      path: '/graphql',
      methods: [HttpMethod.GET, HttpMethod.POST],
      integration: httpIntegration,
      ...(jwtAuthorizer && { authorizer: jwtAuthorizer }),
    });
    // The session page (static files, no data) and the health endpoints, served by the same function
    // (src/http/routes.ts); the page sends its token with every GraphQL request it makes.
    for (const path of ['/ui', '/ui/{proxy+}', '/health', '/health/detailed']) {
      httpApi.addRoutes({ path, methods: [HttpMethod.GET], integration: httpIntegration });
    }
    // The page connects its live view to the WebSocket API, not to this origin.
    http.addEnvironment('ACE_WS_URL', webSocket.stage.url);

    sqs.addEventSource(
      new SqsEventSource(work.queue, {
        batchSize: s.queueBatchSize,
        reportBatchItemFailures: true,
        maxConcurrency: s.queueMaxConcurrency,
      }),
    );

    if (dlq) {
      dlq.addEventSource(
        new SqsEventSource(work.deadLetterQueue, {
          batchSize: 10,
          reportBatchItemFailures: true,
          maxConcurrency: 2,
        }),
      );
      // Failing a session writes its rows and events, and pushes the events to subscribers.
      dlq.addEnvironment('WS_CALLBACK_URL', webSocket.stage.callbackUrl);
      tables.grantItemAccess(dlq);
      payloads.grantPayloadAccess(dlq);
      work.queue.grantSendMessages(dlq);
      webSocket.api.grantManageConnections(dlq);
    }

    for (const fn of [ws, http, sqs]) {
      fn.addEnvironment('WS_CALLBACK_URL', webSocket.stage.callbackUrl);
      tables.grantItemAccess(fn);
      payloads.grantPayloadAccess(fn);
      work.queue.grantSendMessages(fn);
      webSocket.api.grantManageConnections(fn);
      schedules.grantManageSchedules(fn);
      grantBedrockModels(this, fn, s.bedrockModels);
    }
    grantSecrets(secrets, [ws, http, sqs, authorizer, ...(dlq ? [dlq] : [])]);
    grantSecrets([pageTokenSecret], [ws, http, sqs]);
    restrictQueueSenders(work.queue, [
      ...[ws, http, sqs, ...(dlq ? [dlq] : [])].map((fn) => fn.role!),
      schedules.role,
    ]);
    // Action functions run from the executor, which runs from the queue.
    sqs.addToRolePolicy(
      new PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [
          this.formatArn({
            service: 'lambda',
            resource: 'function',
            resourceName: `${actionFunctionPrefix}*`,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      }),
    );

    const alarms = new EngineAlarms(this, 'Alarms', {
      prefix,
      ...(s.alarmEmail && { alarmEmail: s.alarmEmail }),
      workQueue: work.queue,
      httpApi,
      webSocketApi: webSocket.api,
      timeouts: {
        ws: s.apiTimeoutSeconds,
        http: s.apiTimeoutSeconds,
        sqs: s.workerTimeoutSeconds,
        authorizer: 10,
        dlq: s.workerTimeoutSeconds,
      },
      deadLetterQueue: work.deadLetterQueue,
      deadLettersConsumed: s.consumeDeadLetters,
      functions: this.functions,
      metrics: { namespace: s.metricsNamespace, queueAgeMs: s.queueAgeAlarmMs },
    });
    new EngineDashboard(this, 'Dashboard', {
      dashboardName: `ace-${s.stage}`,
      namespace: s.metricsNamespace,
      queue: work.queue,
      deadLetterQueue: work.deadLetterQueue,
      functions: this.functions,
    });

    new CfnOutput(this, 'WebSocketUrl', { value: webSocket.stage.url });
    new CfnOutput(this, 'HttpGraphqlUrl', { value: `${httpApi.apiEndpoint}/graphql` });
    new CfnOutput(this, 'AlarmTopicArn', { value: alarms.topic.topicArn });
    new CfnOutput(this, 'SessionPageUrl', { value: `${httpApi.apiEndpoint}/ui/` });
    new CfnOutput(this, 'WorkQueueUrl', { value: work.queue.queueUrl });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: work.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'ScheduleGroupName', { value: schedules.group.scheduleGroupName });
    for (const [key, table] of Object.entries(tables.byKey)) {
      new CfnOutput(this, `Table${key[0]?.toUpperCase()}${key.slice(1)}`, { value: table.tableName });
    }
  }
}
