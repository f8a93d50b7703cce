import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Template } from 'aws-cdk-lib/assertions';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { TRACING_SDK_MODULES } from '../../infra/constructs/handler-function.js';
import type { EngineStack } from '../../infra/lib/engine-stack.js';
import { MetricName } from '../../src/telemetry/metrics.js';
import { synthesize } from './support.js';

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation properties, read as the template has them
type Json = any;

/** Metrics, alarms, dashboard, the page and health routes, and tracing settings in the synthesized template. */
let template: Template;
let stack: EngineStack;

beforeAll(() => {
  ({ template, stack } = synthesize({ stage: 'obs' }));
});

const functions = () => Object.values(template.findResources('AWS::Lambda::Function')) as Json[];
const alarms = () =>
  Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a: Json) => a.Properties);
const expressionOf = (alarm: Json): string =>
  (alarm.Metrics ?? []).map((m: Json) => m.Expression ?? '').join(' ');

describe('metrics, alarms and dashboard', () => {
  it('turns EMF metrics on in every function, each with its service dimension', () => {
    const services = functions().map((fn) => {
      const vars = fn.Properties.Environment.Variables;
      expect(vars.ACE_METRICS).toBe('emf');
      expect(vars.ACE_METRICS_NAMESPACE).toBe('AiCoordinationEngine');
      return vars.ACE_METRICS_SERVICE;
    });
    expect(services.sort()).toEqual(['authorizer', 'dlq', 'http', 'sqs', 'ws']);
  });

  it('alarms on failed sessions, agent errors and time on the queue, notifying the alarm topic', () => {
    const byName = new Map(alarms().map((a) => [a.AlarmName, a]));
    const failed = byName.get('ace-obs-sessions-failed');
    expect(expressionOf(failed)).toContain(`MetricName="${MetricName.SessionsFailed}"`);
    expect(expressionOf(failed)).toContain('AiCoordinationEngine');
    expect(failed.Threshold).toBe(1);
    expect(expressionOf(byName.get('ace-obs-agent-errors'))).toContain(MetricName.AgentErrors);
    const age = byName.get('ace-obs-queue-message-age');
    expect(expressionOf(age)).toContain(`MetricName="${MetricName.QueueMessageAge}"`);
    expect(expressionOf(age)).toContain("'p95'");
    expect(age.Threshold).toBe(60_000);
    // The oldest message's age is alarmed on by issue 9's work-queue-age alarm (SQS's own metric).
    expect(byName.get('ace-obs-work-queue-age').MetricName).toBe('ApproximateAgeOfOldestMessage');
    for (const name of ['sessions-failed', 'agent-errors', 'queue-message-age'])
      expect(byName.get(`ace-obs-${name}`).AlarmActions, name).toHaveLength(1);
  });

  it('has a dashboard with the session, agent, token, queue and function widgets', () => {
    const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard')) as Json[];
    expect(dashboards).toHaveLength(1);
    expect(dashboards[0].Properties.DashboardName).toBe('ace-obs');
    const body = JSON.stringify(dashboards[0].Properties.DashboardBody);
    for (const name of Object.values(MetricName)) expect(body, name).toContain(name);
    for (const title of ['Sessions', 'Agent run time', 'Tokens and cost', 'Work queue', 'Function errors'])
      expect(body).toContain(title);
  });
});

describe('session page, health and tracing', () => {
  it('routes GET /ui, /ui/{proxy+}, /health and /health/detailed to the HTTP function', () => {
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map(
      (r: Json) => r.Properties.RouteKey,
    );
    expect(routes).toEqual(
      expect.arrayContaining([
        'GET /ui',
        'GET /ui/{proxy+}',
        'GET /health',
        'GET /health/detailed',
        'POST /graphql',
      ]),
    );
    const http =
      template.toJSON().Resources[stack.getLogicalId(stack.functions.http.node.defaultChild as CfnFunction)];
    expect(JSON.stringify(http.Properties.Environment.Variables.ACE_WS_URL)).toContain('wss://');
  });

  it('leaves tracing off and its SDK out by default; an OTLP endpoint turns both on', () => {
    for (const fn of functions())
      expect(fn.Properties.Environment.Variables.OTEL_EXPORTER_OTLP_ENDPOINT).toBeUndefined();
    const traced = synthesize({ stage: 'traced', otlpEndpoint: 'http://collector.internal:4318' });
    const tracedFunctions = Object.values(traced.template.findResources('AWS::Lambda::Function')) as Json[];
    for (const fn of tracedFunctions) {
      expect(fn.Properties.Environment.Variables.OTEL_EXPORTER_OTLP_ENDPOINT).toBe(
        'http://collector.internal:4318',
      );
      expect(fn.Properties.Environment.Variables.OTEL_SERVICE_NAME).toBe('ace-traced');
    }
    expect(TRACING_SDK_MODULES).toContain('@opentelemetry/sdk-trace');
  });

  it('builds the session page into the HTTP function bundle', () => {
    const {
      app,
      stack: bundled,
      template: bundledTemplate,
    } = synthesize({ stage: 'page' }, { bundle: true });
    // A function's code is the asset `asset.<hash>` of the cloud assembly (its S3Key is `<hash>.zip`).
    const assetDir = (name: 'http' | 'sqs') => {
      const id = bundled.getLogicalId(bundled.functions[name].node.defaultChild as CfnFunction);
      const key: string = bundledTemplate.toJSON().Resources[id].Properties.Code.S3Key;
      return join(app.outdir, `asset.${key.replace(/\.zip$/, '')}`);
    };
    expect(existsSync(join(assetDir('http'), 'index.mjs'))).toBe(true);
    expect(readdirSync(join(assetDir('http'), 'ui')).sort()).toEqual(['app.css', 'app.js', 'index.html']);
    // The other bundles stay without it.
    expect(existsSync(join(assetDir('sqs'), 'ui'))).toBe(false);
    // Tracing off: the SDK is an external import that only runs when tracing is requested.
    const sqsCode = readFileSync(join(assetDir('sqs'), 'index.mjs'), 'utf8');
    expect(sqsCode).toMatch(/from\s*"@opentelemetry\/sdk-trace"/);
    expect(sqsCode).toMatch(/from\s*"@opentelemetry\/exporter-trace-otlp-http"/);
  });
});
