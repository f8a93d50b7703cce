import { fileURLToPath } from 'node:url';
import type { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Architecture, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import {
  type BundlingOptions,
  Charset,
  LogLevel,
  NodejsFunction,
  OutputFormat,
} from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

/**
 * One Lambda function per handler in src/handlers, bundled by the local
 * esbuild (no Docker): Node.js 22 on arm64, minified ESM with source maps.
 * bench/bundle.bench.ts builds with the same options to measure the bundles.
 */
export const HANDLER_NAMES = ['ws', 'http', 'sqs', 'authorizer'] as const;
export type HandlerName = (typeof HANDLER_NAMES)[number];

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const handlerEntry = (name: HandlerName) => `${repoRoot}src/handlers/${name}.ts`;

/** ESM bundles still meet CommonJS dependencies that call require(); this gives them one. */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __aceCreateRequire } from 'node:module'; const require = __aceCreateRequire(import.meta.url);";

/**
 * The esbuild settings, shared with the bundle benchmark. `bundleAwsSdk`
 * false leaves @aws-sdk/* to the copy in Lambda's Node.js runtime (CDK's
 * default: smaller bundles); true bundles the versions the tests ran with.
 */
export const bundlingOptions = (bundleAwsSdk: boolean) =>
  ({
    minify: true,
    sourceMap: true,
    target: 'node22',
    format: OutputFormat.ESM,
    mainFields: ['module', 'main'],
    banner: ESM_REQUIRE_BANNER,
    // Secrets Manager is read once at init and only where secretIds are set: the runtime's SDK serves it.
    externalModules: bundleAwsSdk ? ['@aws-sdk/client-secrets-manager'] : ['@aws-sdk/*'],
    // Non-ASCII text as UTF-8 rather than \u escapes. It saved about 4 % while zod's locale messages
    // were bundled; since `import * as z` (biome enforces it) lets esbuild drop them, only a few hundred bytes.
    charset: Charset.UTF8,
    forceDockerBundling: false,
    logLevel: LogLevel.WARNING,
  }) satisfies BundlingOptions;

export interface HandlerFunctionProps {
  readonly name: HandlerName;
  /** The module's export Lambda calls; `handler` unless given. */
  readonly exportName?: string;
  readonly functionName: string;
  readonly environment: Record<string, string>;
  readonly timeout: Duration;
  readonly memorySize: number;
  readonly logRetention: RetentionDays;
  readonly removalPolicy: RemovalPolicy;
  readonly bundleAwsSdk: boolean;
  /** Reserved concurrency: a ceiling on what one function can take (and cost); undefined: none. */
  readonly reservedConcurrentExecutions?: number;
}

export function createHandlerFunction(
  scope: Construct,
  id: string,
  props: HandlerFunctionProps,
): NodejsFunction {
  const logGroup = new LogGroup(scope, `${id}Logs`, {
    logGroupName: `/aws/lambda/${props.functionName}`,
    retention: props.logRetention,
    removalPolicy: props.removalPolicy,
  });
  const fn = new NodejsFunction(scope, id, {
    functionName: props.functionName,
    entry: handlerEntry(props.name),
    handler: props.exportName ?? 'handler',
    runtime: Runtime.NODEJS_22_X,
    architecture: Architecture.ARM_64,
    memorySize: props.memorySize,
    timeout: props.timeout,
    environment: props.environment,
    bundling: bundlingOptions(props.bundleAwsSdk),
    projectRoot: repoRoot,
    depsLockFilePath: `${repoRoot}package-lock.json`,
    loggingFormat: LoggingFormat.JSON,
    logGroup,
    // X-Ray: API Gateway v2 (HTTP and WebSocket) cannot trace, so each invocation is traced here.
    tracing: Tracing.ACTIVE,
    ...(props.reservedConcurrentExecutions && {
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
    }),
  });
  // Stack traces point at the TypeScript sources (the bundle ships its .map).
  fn.addEnvironment('NODE_OPTIONS', '--enable-source-maps');
  return fn;
}
