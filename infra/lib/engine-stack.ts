import { ArnFormat, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { CorsHttpMethod, HttpApi, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { EngineAlarms } from '../constructs/alarms.js';
import { EngineTables } from '../constructs/engine-tables.js';
import { createHandlerFunction, type HandlerName } from '../constructs/handler-function.js';
import { PayloadBucket } from '../constructs/payload-bucket.js';
import { ScheduleTarget } from '../constructs/schedule-target.js';
import { EngineWebSocketApi } from '../constructs/websocket-api.js';
import { WorkQueue } from '../constructs/work-queue.js';
import { type LambdaEnvironment, lambdaEnvironment } from './environment.js';
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
    const removalPolicy = s.removalPolicy === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;

    const tables = new EngineTables(this, 'Tables', {
      tablePrefix: s.tablePrefix,
      removalPolicy,
      deletionProtection: s.deletionProtection,
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
      memorySize: s.memorySize,
      logRetention: s.logRetentionDays as RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY, // logs of a deleted stack are not worth keeping
      bundleAwsSdk: s.bundleAwsSdk,
    };
    const auth: LambdaEnvironment = {
      LOG_LEVEL: s.logLevel,
      JWKS_URL: s.jwksUrl,
      JWT_SECRET: s.jwtSecret,
      JWT_ISSUER: s.jwtIssuer,
      JWT_AUDIENCE: s.jwtAudience,
    };
    const authorizer = createHandlerFunction(this, 'AuthorizerFunction', {
      ...common,
      name: 'authorizer',
      functionName: `${prefix}authorizer`,
      memorySize: 256,
      timeout: Duration.seconds(10),
      environment: lambdaEnvironment(auth),
    });

    // The ws function must exist before the API (it is the API's integration), and needs the API's
    // callback URL; the URL is added to the environments once the API exists.
    const engineEnvironment: LambdaEnvironment = {
      ...auth,
      ACE_TABLE_PREFIX: s.tablePrefix,
      WORK_QUEUE_URL: work.queue.queueUrl,
      WORK_QUEUE_MAX_RECEIVE_COUNT: String(s.maxReceiveCount),
      WORK_QUEUE_ARN: work.queue.queueArn,
      SCHEDULE_GROUP_NAME: schedules.group.scheduleGroupName,
      SCHEDULER_ROLE_ARN: schedules.role.roleArn,
      ACE_PAYLOAD_BUCKET: payloads.bucket.bucketName,
    };
    const engineFunction = (
      name: 'ws' | 'http' | 'sqs',
      id: string,
      timeoutSeconds: number,
      exportName?: string,
    ) =>
      createHandlerFunction(this, id, {
        ...common,
        name,
        ...(exportName && { exportName }),
        functionName: `${prefix}${exportName === 'dlqHandler' ? 'dlq' : name}`,
        timeout: Duration.seconds(timeoutSeconds),
        environment: lambdaEnvironment(engineEnvironment),
      });
    const ws = engineFunction('ws', 'WsFunction', s.apiTimeoutSeconds);
    const http = engineFunction('http', 'HttpFunction', s.apiTimeoutSeconds);
    const sqs = engineFunction('sqs', 'SqsFunction', s.workerTimeoutSeconds);
    const dlq = s.consumeDeadLetters
      ? engineFunction('sqs', 'DeadLetterFunction', s.workerTimeoutSeconds, 'dlqHandler')
      : undefined;
    this.functions = { ws, http, sqs, authorizer, ...(dlq && { dlq }) };

    const webSocket = new EngineWebSocketApi(this, 'WebSocket', {
      apiName: `${prefix}ws`,
      stageName: s.stage,
      handler: ws,
      authorizer,
      identitySource: s.wsIdentitySource,
    });
    const httpApi = new HttpApi(this, 'HttpApi', {
      apiName: `${prefix}http`,
      corsPreflight: {
        allowOrigins: ['*'],
        allowMethods: [CorsHttpMethod.GET, CorsHttpMethod.POST, CorsHttpMethod.OPTIONS],
        allowHeaders: ['authorization', 'content-type'],
      },
    });
    httpApi.addRoutes({
      path: '/graphql',
      methods: [HttpMethod.GET, HttpMethod.POST],
      integration: new HttpLambdaIntegration('Graphql', http),
    });

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
      this.grantBedrock(fn, s.bedrockModels);
    }
    // Action functions run from the executor, which runs from the queue.
    sqs.addToRolePolicy(
      new PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [
          this.formatArn({
            service: 'lambda',
            resource: 'function',
            resourceName: `${s.actionFunctionPrefix}*`,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      }),
    );

    new EngineAlarms(this, 'Alarms', {
      prefix,
      deadLetterQueue: work.deadLetterQueue,
      deadLettersConsumed: s.consumeDeadLetters,
      functions: this.functions,
    });

    new CfnOutput(this, 'WebSocketUrl', { value: webSocket.stage.url });
    new CfnOutput(this, 'HttpGraphqlUrl', { value: `${httpApi.apiEndpoint}/graphql` });
    new CfnOutput(this, 'WorkQueueUrl', { value: work.queue.queueUrl });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: work.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'ScheduleGroupName', { value: schedules.group.scheduleGroupName });
    for (const [key, table] of Object.entries(tables.byKey)) {
      new CfnOutput(this, `Table${key[0]?.toUpperCase()}${key.slice(1)}`, { value: table.tableName });
    }
  }

  /** Converse / ConverseStream on the chosen foundation models and this account's inference profiles. */
  private grantBedrock(fn: IFunction, models: readonly string[]): void {
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'],
        resources: [
          // Cross-region inference profiles route to the model in other regions, hence region "*".
          ...models.map((model) => `arn:${this.partition}:bedrock:*::foundation-model/${model}`),
          this.formatArn({
            service: 'bedrock',
            resource: 'inference-profile',
            resourceName: '*',
            arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
          }),
        ],
      }),
    );
  }
}
