import { existsSync } from 'node:fs';
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
/** The OpenTelemetry SDK: imported only when tracing is on, so bundled only where it may be. */
export const TRACING_SDK_MODULES = [
  '@opentelemetry/sdk-trace',
  '@opentelemetry/exporter-trace-otlp-http',
  '@opentelemetry/context-async-hooks',
  '@opentelemetry/core',
  '@opentelemetry/resources',
];

/**
 * Modules a bundle replaces with a lean stand-in of the same exports (esbuild aliases). `root` is the
 * checkout to bundle from (the bundle bench's baseline); one older than these aliases (without
 * src/handlers/lambda-credentials.ts) gets none, and bundles as it always did.
 * - Where the SDK is bundled, its default credential chain becomes what Lambda uses, the environment or
 *   the container endpoint (src/handlers/lambda-credentials.ts), without the STS/SSO clients of the other
 *   links (~105 KB).
 * - graphql-armor's token limit imports `graphql/language/parser` without an extension, which resolves to
 *   graphql's CommonJS build: a second copy of the parser, lexer and AST (~40 KB) beside the ES module
 *   build everything else uses. Pointed at the ES module file, the bundle holds one graphql.
 */
export function bundleAliases(bundleAwsSdk: boolean, root = repoRoot): Record<string, string> {
  const dir = root.endsWith('/') ? root : `${root}/`;
  const credentials = `${dir}src/handlers/lambda-credentials.ts`;
  if (!existsSync(credentials)) return {};
  return {
    'graphql/language/parser': `${dir}node_modules/graphql/language/parser.mjs`,
    ...(bundleAwsSdk && { '@aws-sdk/credential-provider-node': credentials }),
  };
}

export const bundlingOptions = (bundleAwsSdk: boolean, tracing = false) =>
  ({
    minify: true,
    sourceMap: true,
    target: 'node22',
    format: OutputFormat.ESM,
    mainFields: ['module', 'main'],
    banner: ESM_REQUIRE_BANNER,
    // Secrets Manager is read once at init and only where secretIds are set: the runtime's SDK serves it.
    // The tracing SDK is bundled only where tracing is configured.
    externalModules: [
      ...(bundleAwsSdk ? ['@aws-sdk/client-secrets-manager'] : ['@aws-sdk/*']),
      ...(tracing ? [] : TRACING_SDK_MODULES),
    ],
    // Non-ASCII text as UTF-8 rather than \u escapes. It saved about 4 % while zod's locale messages
    // were bundled; since `import * as z` (biome enforces it) lets esbuild drop them, only a few hundred bytes.
    charset: Charset.UTF8,
    esbuildArgs: Object.fromEntries(
      Object.entries(bundleAliases(bundleAwsSdk)).map(([from, to]) => [`--alias:${from}`, to]),
    ),
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
  /** Bundle the OpenTelemetry SDK (tracing configured). */
  readonly tracing?: boolean;
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
    bundling: {
      ...bundlingOptions(props.bundleAwsSdk, props.tracing),
      // The HTTP function serves the session page: its built files go beside the bundle (./ui).
      ...(props.name === 'http' && {
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (_input: string, output: string) => [
            `cd "${repoRoot}" && npx tsx ui/build.ts --out "${output}/ui"`,
          ],
        },
      }),
    },
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
