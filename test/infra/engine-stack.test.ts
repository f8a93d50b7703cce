import { Stack } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import type { EngineStack } from '../../infra/lib/engine-stack.js';
import { ConfigSchema } from '../../src/config.js';
import { type TableDefinition, tableDefinitions } from '../../src/db/tables.js';
import { synthesize } from './support.js';

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation properties, read as the template has them
type Json = any;
type Resource = { Type: string; Properties: Record<string, Json>; DeletionPolicy?: string };
type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Principal?: unknown };

/**
 * IAM statements allowed to use "*" as Action or Resource, because AWS offers
 * no narrower form. Keep in sync with docs/SECURITY.md ("Permissions").
 */
const STAR_ALLOWED: readonly { action: string; reason: string }[] = [
  { action: 'xray:PutTraceSegments', reason: 'X-Ray active tracing: the action takes no resource' },
];

const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

function resourcesOf(template: Template, type: string): [string, Resource][] {
  return Object.entries(template.findResources(type)) as [string, Resource][];
}

/** Every statement of every identity and resource policy in the template, with where it came from. */
function allStatements(template: Template): { source: string; statement: Statement }[] {
  const found: { source: string; statement: Statement }[] = [];
  for (const type of ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy', 'AWS::SQS::QueuePolicy']) {
    for (const [id, resource] of resourcesOf(template, type)) {
      for (const statement of resource.Properties.PolicyDocument.Statement)
        found.push({ source: id, statement });
    }
  }
  for (const [id, role] of resourcesOf(template, 'AWS::IAM::Role')) {
    for (const policy of role.Properties.Policies ?? []) {
      for (const statement of policy.PolicyDocument.Statement) found.push({ source: id, statement });
    }
  }
  return found;
}

function functionId(stack: EngineStack, name: keyof EngineStack['functions']): string {
  const fn = stack.functions[name];
  if (!fn) throw new Error(`no ${name} function`);
  return stack.getLogicalId(fn.node.defaultChild as CfnFunction);
}

/** The identity-policy statements attached to one function's role. */
function roleStatements(
  template: Template,
  stack: EngineStack,
  name: keyof EngineStack['functions'],
): Statement[] {
  const fnId = functionId(stack, name);
  const fn = template.toJSON().Resources[fnId] as Resource;
  const roleId = fn.Properties.Role['Fn::GetAtt'][0] as string;
  return ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy'].flatMap((type) =>
    resourcesOf(template, type)
      .filter(([, policy]) => (policy.Properties.Roles ?? []).some((r: { Ref?: string }) => r.Ref === roleId))
      .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement as Statement[]),
  );
}

const actionsOf = (statements: Statement[]) => statements.flatMap((s) => asList(s.Action));

describe('EngineStack template (default context, bundled with esbuild)', () => {
  let template: Template;
  let stack: EngineStack;

  beforeAll(() => {
    ({ template, stack } = synthesize({ stage: 'dev', tablePrefix: 'ace-' }, { bundle: true }));
  });

  it('has one table per definition, with the same keys, LSIs, GSIs and TTL', () => {
    const definitions = Object.values(tableDefinitions) as TableDefinition[];
    template.resourceCountIs('AWS::DynamoDB::Table', definitions.length);
    const tables = resourcesOf(template, 'AWS::DynamoDB::Table').map(([, t]) => t);
    for (const def of definitions) {
      const table = tables.find((t) => t.Properties.TableName === `ace-${def.name}`);
      expect(table, def.name).toBeDefined();
      const p = table?.Properties ?? {};
      expect(p.KeySchema).toEqual([
        { AttributeName: def.hashKey.name, KeyType: 'HASH' },
        ...(def.rangeKey ? [{ AttributeName: def.rangeKey.name, KeyType: 'RANGE' }] : []),
      ]);
      const indexKeys = [...def.localIndexes, ...def.globalIndexes].flatMap((i) => [i.hashKey, i.rangeKey]);
      const keys = [def.hashKey, def.rangeKey, ...indexKeys].filter((k) => k !== undefined);
      const expectedAttributes = new Map(keys.map((k) => [k.name, k.type]));
      expect(
        new Map(
          p.AttributeDefinitions.map((a: { AttributeName: string; AttributeType: string }) => [
            a.AttributeName,
            a.AttributeType,
          ]),
        ),
      ).toEqual(expectedAttributes);
      expect(p.LocalSecondaryIndexes ?? []).toEqual(
        def.localIndexes.map((i) => ({
          IndexName: i.name,
          KeySchema: [
            { AttributeName: def.hashKey.name, KeyType: 'HASH' },
            { AttributeName: i.rangeKey.name, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        })),
      );
      expect(p.GlobalSecondaryIndexes ?? []).toEqual(
        def.globalIndexes.map((i) => ({
          IndexName: i.name,
          KeySchema: [
            { AttributeName: i.hashKey?.name, KeyType: 'HASH' },
            { AttributeName: i.rangeKey.name, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        })),
      );
      expect(p.TimeToLiveSpecification).toEqual(
        def.ttlAttribute ? { AttributeName: def.ttlAttribute, Enabled: true } : undefined,
      );
      expect(p.BillingMode).toBe('PAY_PER_REQUEST');
      expect(p.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
      expect(p.DeletionProtectionEnabled).toBe(true);
      expect(table?.DeletionPolicy).toBe('Retain');
    }
  });

  it('sends failed work to the dead-letter queue after maxReceiveCount receives', () => {
    const queues = resourcesOf(template, 'AWS::SQS::Queue');
    const work = queues.find(([, q]) => q.Properties.RedrivePolicy);
    const dlq = queues.find(([, q]) => !q.Properties.RedrivePolicy);
    expect(queues).toHaveLength(2);
    expect(work?.[1].Properties.RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': [dlq?.[0], 'Arn'] },
      maxReceiveCount: 5,
    });
    expect(work?.[1].Properties.VisibilityTimeout).toBe(720); // 6 x the worker's 120 s
    expect(dlq?.[1].Properties.VisibilityTimeout).toBe(720); // its consumer has the worker's timeout too
  });

  it('feeds the SQS function in batches, reporting partial failures, with bounded concurrency', () => {
    const sqsFn = functionId(stack, 'sqs');
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 2); // the work queue, and its DLQ
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: sqsFn },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 10,
      ScalingConfig: { MaximumConcurrency: 20 },
    });
  });

  it('fails the sessions of dead letters with a consumer on the DLQ (dlqHandler of src/handlers/sqs.ts)', () => {
    const dlqFn = functionId(stack, 'dlq');
    const dlq = resourcesOf(template, 'AWS::SQS::Queue').find(([, q]) => !q.Properties.RedrivePolicy)?.[0];
    template.hasResourceProperties('AWS::Lambda::Function', { Handler: 'index.dlqHandler' });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: dlqFn },
      EventSourceArn: { 'Fn::GetAtt': [dlq, 'Arn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    const env = template.toJSON().Resources[functionId(stack, 'sqs')].Properties.Environment.Variables;
    expect(env.WORK_QUEUE_MAX_RECEIVE_COUNT).toBe('5');
  });

  it('routes $connect (behind the Lambda REQUEST authorizer), $disconnect and $default', () => {
    const wsApi = resourcesOf(template, 'AWS::ApiGatewayV2::Api').find(
      ([, api]) => api.Properties.ProtocolType === 'WEBSOCKET',
    );
    const routes = resourcesOf(template, 'AWS::ApiGatewayV2::Route')
      .map(([, r]) => r.Properties)
      .filter((r) => r.ApiId.Ref === wsApi?.[0]);
    expect(routes.map((r) => r.RouteKey).sort()).toEqual(['$connect', '$default', '$disconnect']);
    const [authorizerId, authorizer] = resourcesOf(template, 'AWS::ApiGatewayV2::Authorizer')[0] ?? [];
    expect(authorizer?.Properties).toMatchObject({
      AuthorizerType: 'REQUEST',
      IdentitySource: ['route.request.header.Sec-WebSocket-Protocol'],
    });
    const authorizerFn = functionId(stack, 'authorizer');
    expect(JSON.stringify(authorizer?.Properties.AuthorizerUri)).toContain(authorizerFn);
    const connect = routes.find((r) => r.RouteKey === '$connect');
    expect(connect).toMatchObject({ AuthorizationType: 'CUSTOM', AuthorizerId: { Ref: authorizerId } });
    for (const route of routes.filter((r) => r.RouteKey !== '$connect')) {
      expect(route.AuthorizationType ?? 'NONE').toBe('NONE');
    }
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      ApiId: { Ref: wsApi?.[0] },
      StageName: 'dev',
    });
  });

  it('signs list nextTokens with one generated secret, read at init (never in the template or the environment)', () => {
    template.resourceCountIs('AWS::SecretsManager::Secret', 1);
    const [secretId] = resourcesOf(template, 'AWS::SecretsManager::Secret')[0] ?? [];
    for (const name of ['ws', 'http', 'sqs'] as const) {
      const env = template.toJSON().Resources[functionId(stack, name)].Properties.Environment.Variables;
      expect(env.ACE_PAGE_TOKEN_SECRET).toBeUndefined();
      expect(JSON.stringify(env.ACE_SECRET_IDS)).toContain(String(secretId));
    }
  });

  it('serves GraphQL over HTTP on /graphql', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /graphql' });
  });

  it('runs every handler on Node.js 22, arm64, with only config-schema environment variables', () => {
    const functions = resourcesOf(template, 'AWS::Lambda::Function');
    expect(functions).toHaveLength(5);
    const known = new Set([...Object.keys(ConfigSchema.shape), 'NODE_OPTIONS']);
    for (const [, fn] of functions) {
      expect(fn.Properties).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'] });
      expect(fn.Properties.Handler).toMatch(/^index\.(handler|dlqHandler)$/);
      const variables = Object.keys(fn.Properties.Environment?.Variables ?? {});
      expect(variables.filter((v) => !known.has(v))).toEqual([]);
      expect(fn.Properties.Environment.Variables.NODE_OPTIONS).toBe('--enable-source-maps');
    }
    const ws = template.toJSON().Resources[functionId(stack, 'ws')];
    expect(Object.keys(ws.Properties.Environment.Variables)).toEqual(
      expect.arrayContaining([
        'ACE_TABLE_PREFIX',
        'ACE_SECRET_IDS',
        'WORK_QUEUE_URL',
        'WS_CALLBACK_URL',
        'SCHEDULE_GROUP_NAME',
      ]),
    );
  });

  it('has no IAM statement with Action "*" or Resource "*" (beyond the documented exceptions)', () => {
    const statements = allStatements(template);
    expect(statements.length).toBeGreaterThan(5);
    const starred = statements.filter(
      ({ statement }) => asList(statement.Action).includes('*') || asList(statement.Resource).includes('*'),
    );
    const unexpected = starred.filter(
      ({ statement }) => !STAR_ALLOWED.some((allowed) => asList(statement.Action).includes(allowed.action)),
    );
    expect(unexpected).toEqual([]);
  });

  it('grants each function only what it uses', () => {
    const authorizer = roleStatements(template, stack, 'authorizer').filter(
      (statement) => !actionsOf([statement]).every((a) => a.startsWith('xray:')),
    );
    expect(authorizer).toEqual([]); // it verifies tokens from its configuration and touches nothing (but traces)
    for (const name of ['ws', 'http', 'sqs'] as const) {
      const actions = actionsOf(roleStatements(template, stack, name));
      expect(actions, name).toEqual(
        expect.arrayContaining([
          'dynamodb:GetItem',
          'dynamodb:Query',
          'dynamodb:UpdateItem',
          'sqs:SendMessage',
          'execute-api:ManageConnections',
          'scheduler:CreateSchedule',
          'iam:PassRole',
        ]),
      );
      expect(actions.filter((a) => /^dynamodb:(Scan|DeleteTable|CreateTable|\*)/.test(a))).toEqual([]);
    }
    expect(actionsOf(roleStatements(template, stack, 'sqs'))).toContain('lambda:InvokeFunction');
    expect(actionsOf(roleStatements(template, stack, 'ws'))).not.toContain('lambda:InvokeFunction');
  });

  it('keeps large payloads in one encrypted, non-public bucket with lifecycle rules; functions read and put only', () => {
    const buckets = resourcesOf(template, 'AWS::S3::Bucket');
    expect(buckets).toHaveLength(1);
    const [[bucketId, bucket]] = buckets as [[string, Resource]];
    expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0]).toMatchObject({
      ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' },
    });
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    const rules = bucket.Properties.LifecycleConfiguration.Rules as Json[];
    expect(rules.map((r) => r.Id)).toEqual([
      'abort-incomplete-uploads',
      'expire-queue-bodies',
      'tier-payloads',
    ]);
    expect(rules.find((r) => r.Id === 'expire-queue-bodies')).toMatchObject({
      Prefix: 'queue/',
      ExpirationInDays: 14,
    });
    const bucketPolicy = resourcesOf(template, 'AWS::S3::BucketPolicy')[0]?.[1];
    expect(JSON.stringify(bucketPolicy?.Properties)).toContain('aws:SecureTransport');
    for (const name of ['ws', 'http', 'sqs'] as const) {
      const s3 = roleStatements(template, stack, name).filter((st) =>
        asList(st.Action).some((a) => a.startsWith('s3:')),
      );
      const actions = s3.flatMap((st) => asList(st.Action));
      expect([...new Set(actions)].sort(), name).toEqual(['s3:GetObject', 's3:PutObject']);
      expect(
        actions.filter((a) => /^s3:(Delete|List|PutBucket|\*)/.test(a)),
        name,
      ).toEqual([]);
      expect(JSON.stringify(s3.map((st) => st.Resource)), name).toMatch(/payloads\/\*.*|queue\/\*/);
      expect(JSON.stringify(s3.map((st) => st.Resource))).toContain(bucketId);
    }
    const env = (name: string) =>
      (resourcesOf(template, 'AWS::Lambda::Function').find(([id]) => id.startsWith(name))?.[1].Properties
        .Environment?.Variables ?? {}) as Record<string, unknown>;
    expect(JSON.stringify(env('SqsFunction').ACE_PAYLOAD_BUCKET)).toContain(bucketId);
  });

  it('lets EventBridge Scheduler do nothing but send to the work queue', () => {
    template.resourceCountIs('AWS::Scheduler::ScheduleGroup', 1);
    template.hasResourceProperties('AWS::Scheduler::ScheduleGroup', { Name: 'ace-dev' });
    const roles = resourcesOf(template, 'AWS::IAM::Role').filter(([, role]) =>
      JSON.stringify(role.Properties.AssumeRolePolicyDocument).includes('scheduler.amazonaws.com'),
    );
    expect(roles).toHaveLength(1);
    const roleId = roles[0]?.[0];
    const statements = resourcesOf(template, 'AWS::IAM::Policy')
      .filter(([, p]) => p.Properties.Roles.some((r: { Ref?: string }) => r.Ref === roleId))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
    const work = resourcesOf(template, 'AWS::SQS::Queue').find(([, q]) => q.Properties.RedrivePolicy)?.[0];
    expect(statements).toEqual([
      { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': [work, 'Arn'] } },
    ]);
  });

  it("alarms on the dead-letter queue and on every function's errors and throttles", () => {
    const alarms = resourcesOf(template, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
    expect(alarms.filter((a) => a.MetricName === 'ApproximateNumberOfMessagesVisible')).toHaveLength(1);
    expect(alarms.filter((a) => a.MetricName === 'NumberOfMessagesReceived')).toHaveLength(1);
    expect(alarms.filter((a) => a.MetricName === 'Errors')).toHaveLength(5);
    expect(alarms.filter((a) => a.MetricName === 'Throttles')).toHaveLength(5);
  });

  it('outputs the WebSocket URL, the HTTP URL and every table name', () => {
    const outputs = template.toJSON().Outputs as Record<string, unknown>;
    expect(Object.keys(outputs)).toEqual(
      expect.arrayContaining([
        'WebSocketUrl',
        'HttpGraphqlUrl',
        'WorkQueueUrl',
        ...Object.keys(tableDefinitions).map((k) => `Table${k[0]?.toUpperCase()}${k.slice(1)}`),
      ]),
    );
    expect(JSON.stringify(outputs.WebSocketUrl)).toContain('wss://');
  });
});

describe('EngineStack context', () => {
  it('applies stage, table prefix, removal policy, deletion protection and redrive from context', () => {
    const { template, stack } = synthesize({
      stage: 'prod',
      tablePrefix: 'ace-prod-',
      region: 'eu-west-1',
      removalPolicy: 'destroy',
      deletionProtection: 'false',
      maxReceiveCount: '3',
      queueMaxConcurrency: '50',
      consumeDeadLetters: 'false',
    });
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    template.resourceCountIs('AWS::Lambda::Function', 4);
    expect(Stack.of(stack).stackName).toBe('AceEngine-prod');
    const tables = resourcesOf(template, 'AWS::DynamoDB::Table').map(([, t]) => t);
    expect(tables.map((t) => t.Properties.TableName)).toContain('ace-prod-sessions');
    expect(
      tables.every((t) => t.DeletionPolicy === 'Delete' && t.Properties.DeletionProtectionEnabled === false),
    ).toBe(true);
    template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: Match.objectLike({ maxReceiveCount: 3 }),
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      ScalingConfig: { MaximumConcurrency: 50 },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'ace-prod-sqs',
      Environment: { Variables: Match.objectLike({ ACE_TABLE_PREFIX: 'ace-prod-' }) },
    });
  });

  it('refuses invalid context with the offending key', () => {
    expect(() => synthesize({ maxReceiveCount: '0' })).toThrow(/maxReceiveCount/);
    expect(() => synthesize({ removalPolicy: 'keep' })).toThrow(/removalPolicy/);
    expect(() => synthesize({ stage: 'Prod Stage' })).toThrow(/stage/);
    expect(() => synthesize({ logRetentionDays: '2' })).toThrow(/logRetentionDays: one of 1, 3, 5/);
  });
});
