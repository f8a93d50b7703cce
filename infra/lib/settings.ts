import * as z from 'zod';

/**
 * Deployment settings, read from CDK context (`cdk.json`, or `-c key=value`
 * on the command line, where every value arrives as a string).
 */
const flag = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);
const count = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);
const optionalText = z.string().min(1).optional();

export const BUNDLE_AWS_SDK_DEFAULT = true;

const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

export const SettingsSchema = z.object({
  /** Names the stack (`AceEngine-{stage}`), the API stages and the schedule group. */
  stage: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,20}$/)
    .default('dev'),
  /** Table names are `{tablePrefix}{name}`: `ace-` keeps the Python engine's names. */
  tablePrefix: z
    .string()
    .regex(/^[A-Za-z0-9_.-]*$/)
    .default('ace-'),
  /** Deploy region; unset = the CLI's default region (an environment-agnostic template). */
  region: optionalText,
  /** `retain` (default) keeps tables when the stack is deleted; `destroy` removes them (dev stacks). */
  removalPolicy: z.enum(['retain', 'destroy']).default('retain'),
  deletionProtection: flag.default(true),
  /** Receives of a message before it moves to the dead-letter queue. */
  maxReceiveCount: count(1, 1000, 5),
  /** Concurrent SQS handler invocations (Lambda's event-source maximum concurrency, 2-1000). */
  queueMaxConcurrency: count(2, 1000, 20),
  queueBatchSize: count(1, 10, 10),
  /**
   * A consumer on the DLQ fails the session of each dead-lettered message with a reason, then drops
   * the message (src/handlers/sqs.ts dlqHandler). false: dead letters stay for inspection and redrive.
   */
  consumeDeadLetters: flag.default(true),
  /** Timeouts in seconds; the queue's visibility timeout is 6 x the worker's, as AWS recommends. */
  workerTimeoutSeconds: count(10, 900, 120),
  apiTimeoutSeconds: count(3, 29, 29),
  memorySize: count(128, 10_240, 1024),
  /** A retention CloudWatch Logs accepts. */
  logRetentionDays: z.coerce
    .number()
    .refine((days) => LOG_RETENTION_DAYS.includes(days), `one of ${LOG_RETENTION_DAYS.join(', ')}`)
    .default(30),
  /** Bundle the AWS SDK into each function (see docs/BENCHMARKS.md "Bundles") instead of using the runtime's. */
  bundleAwsSdk: flag.default(BUNDLE_AWS_SDK_DEFAULT),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Token verification: a JWKS URL (recommended) or an HS256 secret (16+ chars). */
  jwksUrl: z.string().url().optional(),
  jwtSecret: z.string().min(16).optional(),
  jwtIssuer: optionalText,
  jwtAudience: optionalText,
  /** Where $connect reads the token for API Gateway's identity check (graphql-ws always sends this header). */
  wsIdentitySource: z.string().default('route.request.header.Sec-WebSocket-Protocol'),
  /** Lambda functions the executor may invoke as action functions: names starting with this. */
  actionFunctionPrefix: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/)
    .default('ace-action-'),
  /** Bedrock models the runtimes may call (foundation-model ids; `*` = every model in the region). */
  bedrockModels: z
    .union([z.array(z.string().min(1)), z.string().transform((v) => v.split(',').map((m) => m.trim()))])
    .default(['*']),
  /**
   * OpenTelemetry traces over OTLP/HTTP to this endpoint (a collector the functions can reach).
   * Unset: tracing off, and the SDK is left out of the bundles (src/telemetry/index.ts).
   */
  otlpEndpoint: z.string().url().optional(),
  /** CloudWatch namespace of the engine's EMF metrics; alarms and the dashboard read the same. */
  metricsNamespace: z.string().min(1).max(255).default('AiCoordinationEngine'),
  /** Alarm when a message waited longer than this on the work queue (p95 of QueueMessageAge, ms). */
  queueAgeAlarmMs: count(1000, 3_600_000, 60_000),
});

export type EngineSettings = z.infer<typeof SettingsSchema>;

export function readSettings(context: (key: string) => unknown): EngineSettings {
  const raw = Object.fromEntries(
    Object.keys(SettingsSchema.shape)
      .map((key) => [key, context(key)] as const)
      .filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = SettingsSchema.safeParse(raw);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid CDK context: ${detail}`);
  }
  return parsed.data;
}
