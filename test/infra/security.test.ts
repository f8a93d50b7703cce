import type { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { synthesize } from './support.js';

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation, read as the template has it
type Json = any;
const resources = (template: Template, type: string): Json[] => Object.values(template.findResources(type));
const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);
const statements = (template: Template): Json[] =>
  resources(template, 'AWS::IAM::Policy').flatMap((p) => p.Properties.PolicyDocument.Statement);
const withAction = (template: Template, prefix: string) =>
  statements(template).filter((s) => asList(s.Action).some((a: string) => a.startsWith(prefix)));
const functionNamed = (template: Template, name: string) =>
  resources(template, 'AWS::Lambda::Function').find((f) => f.Properties.FunctionName === name);

const HAIKU = 'anthropic.claude-3-haiku-20240307-v1:0';
const OPENAI_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:ace/qa/openai-AbCdEf';

describe('the template closes the doors (issue 9)', () => {
  const { template } = synthesize({
    stage: 'qa',
    secretIds: `ace/qa/engine,${OPENAI_ARN}`,
    bedrockModels: HAIKU,
    corsOrigins: 'https://app.example.com',
    jwksUrl: 'https://idp.example.com/.well-known/jwks.json',
    jwtIssuer: 'https://idp.example.com/',
    jwtAudience: 'ace',
    alarmEmail: 'ops@example.com',
  });
  const json = JSON.stringify(template.toJSON());

  it('throttles both API stages and writes their access logs', () => {
    const stages = resources(template, 'AWS::ApiGatewayV2::Stage');
    expect(stages).toHaveLength(2);
    for (const stage of stages) {
      expect(stage.Properties.DefaultRouteSettings).toMatchObject({
        ThrottlingRateLimit: 50,
        ThrottlingBurstLimit: 100,
      });
      expect(stage.Properties.AccessLogSettings.DestinationArn).toBeDefined();
    }
  });

  it('reserves concurrency for every function and traces each with X-Ray', () => {
    expect(functionNamed(template, 'ace-qa-ws').Properties.ReservedConcurrentExecutions).toBe(25);
    expect(functionNamed(template, 'ace-qa-http').Properties.ReservedConcurrentExecutions).toBe(25);
    expect(functionNamed(template, 'ace-qa-authorizer').Properties.ReservedConcurrentExecutions).toBe(25);
    expect(functionNamed(template, 'ace-qa-sqs').Properties.ReservedConcurrentExecutions).toBe(20);
    for (const fn of resources(template, 'AWS::Lambda::Function'))
      expect(fn.Properties.TracingConfig).toEqual({ Mode: 'Active' });
  });

  it('grants GetSecretValue on the named secrets only, and names them to the functions', () => {
    const reads = withAction(template, 'secretsmanager:');
    expect(reads.length).toBeGreaterThanOrEqual(5); // ws, http, sqs, authorizer, dlq
    const granted = new Set(reads.flatMap((s) => asList(s.Resource)).map((r) => JSON.stringify(r)));
    // The two named operator secrets, plus the stack's own page-token secret (a Ref to it).
    expect(granted.size).toBe(3);
    expect([...granted].join()).toMatch(/"Ref":"PageTokenSecret/);
    expect([...granted].join()).toContain('secret:ace/qa/engine-??????');
    expect([...granted].join()).toContain(OPENAI_ARN);
    expect(reads.every((s) => !asList(s.Resource).includes('*'))).toBe(true);
    expect(json).toContain('ACE_SECRET_IDS');
  });

  it('holds no plain-text secret: no JWT_SECRET, and jwtSecret context is refused', () => {
    expect(json).not.toContain('JWT_SECRET');
    expect(() => synthesize({ jwtSecret: 'a-secret-of-sufficient-length' })).toThrow(
      /jwtSecret: would be stored in the template in plain text/,
    );
  });

  it('grants Bedrock on the listed models only, and tells the runtime the same list', () => {
    const bedrock = withAction(template, 'bedrock:');
    const arns = bedrock.flatMap((s) => asList(s.Resource)).map((r) => JSON.stringify(r));
    expect(arns.length).toBeGreaterThan(0);
    expect(arns.every((arn) => arn.includes(HAIKU))).toBe(true);
    expect(
      functionNamed(template, 'ace-qa-sqs').Properties.Environment.Variables.ACE_BEDROCK_ALLOWED_MODELS,
    ).toBe(HAIKU);
    expect(withAction(synthesize({ stage: 'qa' }).template, 'bedrock:')).toEqual([]);
    expect(() => synthesize({ bedrockModels: '*' })).toThrow(/bedrockModels: list the model ids/);
  });

  it('allows only the configured CORS origins (none by default)', () => {
    const [api] = resources(template, 'AWS::ApiGatewayV2::Api').filter(
      (a) => a.Properties.ProtocolType === 'HTTP',
    );
    expect(api.Properties.CorsConfiguration.AllowOrigins).toEqual(['https://app.example.com']);
    const [plain] = resources(synthesize().template, 'AWS::ApiGatewayV2::Api').filter(
      (a) => a.Properties.ProtocolType === 'HTTP',
    );
    expect(plain.Properties.CorsConfiguration).toBeUndefined();
  });

  it('puts the HTTP API behind a JWT authorizer when a JWKS issuer is configured', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      JwtConfiguration: { Issuer: 'https://idp.example.com/', Audience: ['ace'] },
    });
    const routes = resources(template, 'AWS::ApiGatewayV2::Route').filter((r) =>
      String(r.Properties.RouteKey).endsWith('/graphql'),
    );
    expect(routes.map((r) => r.Properties.AuthorizationType)).toEqual(['JWT', 'JWT']);
  });

  it('refuses a JWKS over http, or without issuer and audience, at synth', () => {
    expect(() =>
      synthesize({ jwksUrl: 'http://idp.example.com/jwks', jwtIssuer: 'i', jwtAudience: 'a' }),
    ).toThrow(/jwksUrl: must be an https URL/);
    expect(() => synthesize({ jwksUrl: 'https://idp.example.com/jwks' })).toThrow(
      /jwksUrl: needs jwtIssuer and jwtAudience/,
    );
  });

  it('notifies one SNS topic from every alarm, including queue age, 5xx and duration', () => {
    const [topicId] = Object.keys(template.findResources('AWS::SNS::Topic'));
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    });
    const alarms = resources(template, 'AWS::CloudWatch::Alarm').map((a) => a.Properties);
    expect(alarms.every((a) => JSON.stringify(a.AlarmActions) === JSON.stringify([{ Ref: topicId }]))).toBe(
      true,
    );
    const metrics = alarms.map((a) => a.MetricName);
    expect(metrics).toEqual(
      expect.arrayContaining(['ApproximateAgeOfOldestMessage', '5xx', 'IntegrationError', 'Duration']),
    );
    expect(metrics.filter((m) => m === 'Duration')).toHaveLength(5);
  });

  it("lets only the stack's roles send to the work queue", () => {
    const deny = resources(template, 'AWS::SQS::QueuePolicy')
      .flatMap((p) => p.Properties.PolicyDocument.Statement)
      .find((s) => s.Sid === 'OnlyTheEngineSends');
    expect(deny).toMatchObject({ Effect: 'Deny', Principal: { AWS: '*' }, Action: 'sqs:SendMessage' });
    expect(deny.Condition.ArnNotEquals['aws:PrincipalArn']).toHaveLength(5); // ws, http, sqs, dlq, scheduler
  });

  it('derives the table prefix and the Lambda action prefix from the stage', () => {
    const names = resources(template, 'AWS::DynamoDB::Table').map((t) => t.Properties.TableName);
    expect(names.every((n: string) => n.startsWith('ace-qa-'))).toBe(true);
    expect(names).toContain('ace-qa-rate_limits');
    const sqsEnv = functionNamed(template, 'ace-qa-sqs').Properties.Environment.Variables;
    expect(sqsEnv).toMatchObject({
      ACE_TABLE_PREFIX: 'ace-qa-',
      ACE_TOOL_LAMBDA_PREFIX: 'ace-qa-action-',
      ACE_RATE_LIMIT_ASK_PER_MINUTE: '60',
      ACE_RATE_LIMIT_EXECUTE_PER_MINUTE: '30',
      ACE_MAX_TOKENS_CAP: '8192',
      ACE_MAX_RETRIES_CAP: '3',
    });
    const invoke = withAction(template, 'lambda:InvokeFunction');
    expect(JSON.stringify(invoke)).toContain('function:ace-qa-action-*');
  });
});
