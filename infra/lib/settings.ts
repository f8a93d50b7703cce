import * as z from 'zod';

/**
 * Deployment settings, read from CDK context (`cdk.json`, or `-c key=value`
 * on the command line, where every value arrives as a string).
 */
const flag = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);
const count = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);
const optionalText = z.string().min(1).optional();
/** A list from cdk.json (an array) or -c key=a,b (a string). */
const list = z.union([
  z.array(z.string().min(1)),
  z.string().transform((v) =>
    v
      .split(',')
      .map((m) => m.trim())
      .filter(Boolean),
  ),
]);

export const BUNDLE_AWS_SDK_DEFAULT = true;

const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

export const SettingsSchema = z
  .object({
    /** Names the stack (`AceEngine-{stage}`), the API stages and the schedule group. */
    stage: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,20}$/)
      .default('dev'),
    /**
     * Table names are `{tablePrefix}{name}`. Unset: `ace-{stage}-`, so two stages in one account never
     * share tables. `ace-` keeps the Python engine's names (one stage per account only).
     */
    tablePrefix: z
      .string()
      .regex(/^[A-Za-z0-9_.-]*$/)
      .optional(),
    /**
     * GSIs (by name, from src/db/tables.ts) left out of this deployment. CloudFormation adds at most one
     * GSI per table per update: a stack that lacks two of one table's indexes is updated in two steps,
     * first with one of them named here, then without (docs/DEPLOY.md).
     */
    deferGlobalIndexes: list.default([]),
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
    /**
     * Token verification: a JWKS URL (recommended; https, with jwtIssuer and jwtAudience), or JWT_SECRET
     * (HS256) inside a Secrets Manager secret listed in secretIds. A secret given here would land in the
     * template in plain text, so `jwtSecret` is refused.
     */
    jwksUrl: z.string().url().optional(),
    jwtSecret: z.string().optional(),
    jwtIssuer: optionalText,
    jwtAudience: optionalText,
    /** Where $connect reads the token for API Gateway's identity check (graphql-ws always sends this header). */
    wsIdentitySource: z.string().default('route.request.header.Sec-WebSocket-Protocol'),
    /**
     * Lambda functions the executor may invoke as action functions: names starting with this
     * (ACE_TOOL_LAMBDA_PREFIX and the IAM grant). Unset: `ace-{stage}-action-`, so stages never share.
     */
    actionFunctionPrefix: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/)
      .optional(),
    /** ACE_TOOL_ALLOWED_HOSTS: where webhooks and tools may connect (see docs/SECURITY.md); empty: nowhere. */
    toolAllowedHosts: z
      .union([z.array(z.string().min(1)).transform((v) => v.join(',')), z.string()])
      .default(''),
    /**
     * Bedrock models the runtimes may call (foundation-model ids): the IAM grant covers exactly these
     * (and their cross-region inference profiles), and ACE_BEDROCK_ALLOWED_MODELS refuses others. Empty: no Bedrock.
     */
    bedrockModels: list.default([]),
    openaiModels: list.default([]),
    /** Secrets Manager secrets (names or full ARNs) holding JWT_SECRET and runtime credentials as JSON. */
    secretIds: list.default([]),
    /** Browser origins allowed by CORS on the HTTP API (https://app.example.com); empty: no CORS. */
    corsOrigins: list.default([]),
    /** Stage throttling of both APIs (requests per second, burst). */
    throttleRateLimit: count(1, 10_000, 50),
    throttleBurstLimit: count(1, 5_000, 100),
    /** Reserved concurrency of each API function (ws, http, authorizer); 0: none. The sqs function reserves queueMaxConcurrency. */
    apiReservedConcurrency: count(0, 1000, 25),
    /** Per-tenant calls per minute (0: no limit). */
    rateLimitAskPerMinute: count(0, 100_000, 60),
    rateLimitExecutePerMinute: count(0, 100_000, 30),
    /** Operator caps on what an agent entry may ask of a model. */
    maxTokensCap: count(1, 200_000, 8192),
    maxRetriesCap: count(0, 10, 3),
    /**
     * Access control (docs/GOVERNANCE.md): roles of a token without the roles claim (least privilege by
     * default), the claim name, and the operator's role table {role: [permission, ...]} over the built-ins.
     */
    defaultRoles: list.default(['viewer']),
    rolesClaim: z.string().min(1).default('roles'),
    roles: z.record(z.string(), z.array(z.string())).optional(),
    /** Audit trail: days a record is kept (0: forever), extra redacted field names, and whether reads are audited. */
    auditRetentionDays: count(0, 36_500, 365),
    auditRedactFields: list.default([]),
    auditReads: flag.default(false),
    /** Alarm notifications: the SNS topic always exists; with an address it gets an e-mail subscription. */
    alarmEmail: z.string().email().optional(),
    /**
     * OpenTelemetry traces over OTLP/HTTP to this endpoint (a collector the functions can reach).
     * Unset: tracing off, and the SDK is left out of the bundles (src/telemetry/index.ts).
     */
    otlpEndpoint: z.string().url().optional(),
    /** CloudWatch namespace of the engine's EMF metrics; alarms and the dashboard read the same. */
    metricsNamespace: z.string().min(1).max(255).default('AiCoordinationEngine'),
    /** Alarm when a message waited longer than this on the work queue (p95 of QueueMessageAge, ms). */
    queueAgeAlarmMs: count(1000, 3_600_000, 60_000),
  })
  .superRefine((s, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (s.jwtSecret !== undefined)
      issue(
        'jwtSecret',
        'would be stored in the template in plain text: put JWT_SECRET in a Secrets Manager secret and list it in secretIds',
      );
    if (s.jwksUrl && !s.jwksUrl.startsWith('https://')) issue('jwksUrl', 'must be an https URL');
    if (s.jwksUrl && (!s.jwtIssuer || !s.jwtAudience)) issue('jwksUrl', 'needs jwtIssuer and jwtAudience');
    if (s.bedrockModels.includes('*'))
      issue('bedrockModels', 'list the model ids; "*" would grant every model');
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
