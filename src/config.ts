import * as z from 'zod';

/**
 * Every setting the engine reads from its environment, parsed once.
 * Lambda functions, the local stack and the CDK stack share this schema, so a
 * variable the stack sets is a variable the code knows.
 */
const optionalUrl = z.string().url().optional();
const emptyToUndefined = (value: unknown) => (value === '' ? undefined : value);

export const ConfigSchema = z.object({
  AWS_REGION: z.string().min(1).default('us-east-1'),
  ACE_TABLE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.-]*$/)
    .default('ace-'),
  /** Set only for local servers (dynalite, DynamoDB Local); unset on AWS. */
  DYNAMODB_ENDPOINT: z.preprocess(emptyToUndefined, optionalUrl),
  SQS_ENDPOINT: z.preprocess(emptyToUndefined, optionalUrl),
  WORK_QUEUE_URL: z.preprocess(emptyToUndefined, z.string().optional()),
  /** The work queue's redrive maxReceiveCount (the stack sets both): the last delivery before the DLQ. */
  WORK_QUEUE_MAX_RECEIVE_COUNT: z.coerce.number().int().min(1).max(1000).default(5),
  /**
   * How many agents one worker runs at once before the successors a completion makes ready go through
   * the queue instead of running inline beside it (docs/EXECUTOR.md, "Inline continuation").
   */
  ACE_INLINE_RUNS_PER_WORKER: z.coerce.number().int().min(1).max(256).default(8),
  /** EventBridge Scheduler (AWS only): set together by the CDK stack; unset locally, where an in-process scheduler runs. */
  WORK_QUEUE_ARN: z.preprocess(emptyToUndefined, z.string().optional()),
  SCHEDULE_GROUP_NAME: z.preprocess(emptyToUndefined, z.string().optional()),
  SCHEDULER_ROLE_ARN: z.preprocess(emptyToUndefined, z.string().optional()),
  /** Set only to point the Scheduler client at a local server (tests). */
  SCHEDULER_ENDPOINT: z.preprocess(emptyToUndefined, optionalUrl),
  /** API Gateway management endpoint, https://{api}.execute-api.{region}.amazonaws.com/{stage}. */
  WS_CALLBACK_URL: z.preprocess(emptyToUndefined, optionalUrl),
  /** Secrets Manager secrets (names or ARNs) read at init; their JSON holds JWT_SECRET and ACE_<RUNTIME>_* credentials. */
  ACE_SECRET_IDS: z.preprocess(emptyToUndefined, z.string().optional()),
  JWT_SECRET: z.preprocess(emptyToUndefined, z.string().min(16).optional()),
  JWKS_URL: z.preprocess(emptyToUndefined, optionalUrl),
  JWT_ISSUER: z.preprocess(emptyToUndefined, z.string().optional()),
  JWT_AUDIENCE: z.preprocess(emptyToUndefined, z.string().optional()),
  /** Longest token lifetime accepted (exp - iat), in seconds. */
  JWT_MAX_AGE_SECONDS: z.coerce.number().int().min(60).max(2_592_000).default(86_400),
  /** Clock skew tolerated on exp/nbf/iat, in seconds. */
  JWT_CLOCK_TOLERANCE_SECONDS: z.coerce.number().int().min(0).max(300).default(30),
  /** Local development only: a fixed tenant "endpoint#part" used when no token is sent. Off unless set. */
  DEV_TENANT: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^[^#]+#[^#]+$/)
      .optional(),
  ),
  /** Egress guard (src/egress/): where the engine may connect on a tenant's behalf; empty: nowhere. */
  ACE_TOOL_ALLOWED_HOSTS: z.string().default(''),
  /** Lambda action functions: only names starting with this (per stage); unset: Lambda actions refused. */
  ACE_TOOL_LAMBDA_PREFIX: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,63}$/)
      .optional(),
  ),
  ACE_TOOL_TIMEOUT_MS: z.coerce.number().int().min(100).max(900_000).default(10_000),
  ACE_TOOL_MAX_RESPONSE_BYTES: z.coerce.number().int().min(1024).default(1_048_576),
  ACE_TOOL_MAX_REDIRECTS: z.coerce.number().int().min(0).max(10).default(3),
  /** Extra header names tenants may set on outbound calls (comma-separated). */
  ACE_TOOL_ALLOWED_HEADERS: z.string().default(''),
  /** Operator model policy (src/limits/model-policy.ts): comma-separated model ids per runtime; unset: any. */
  ACE_OPENAI_ALLOWED_MODELS: z.preprocess(emptyToUndefined, z.string().optional()),
  ACE_BEDROCK_ALLOWED_MODELS: z.preprocess(emptyToUndefined, z.string().optional()),
  ACE_CORE_ENGINE_ALLOWED_MODELS: z.preprocess(emptyToUndefined, z.string().optional()),
  ACE_BEDROCK_ALLOWED_REGIONS: z.preprocess(emptyToUndefined, z.string().optional()),
  ACE_MAX_TOKENS_CAP: z.coerce.number().int().min(1).max(200_000).default(32_768),
  ACE_MAX_RETRIES_CAP: z.coerce.number().int().min(0).max(10).default(3),
  /**
   * Per-tenant calls per minute of the operations that start work; 0: no limit. Off by default for the
   * local stack and benchmarks; the CDK stack sets them (settings rateLimitAskPerMinute/ExecutePerMinute).
   */
  ACE_RATE_LIMIT_ASK_PER_MINUTE: z.coerce.number().int().min(0).default(0),
  ACE_RATE_LIMIT_EXECUTE_PER_MINUTE: z.coerce.number().int().min(0).default(0),
  /**
   * Signs list nextTokens (any string of 32+ characters; the same on every function of a stage).
   * Unset: derived from JWT_SECRET; neither set: a random key, so tokens hold within one process only.
   */
  ACE_PAGE_TOKEN_SECRET: z.preprocess(emptyToUndefined, z.string().min(32).optional()),
  /** Access control (src/access/, docs/GOVERNANCE.md): the operator's role table over the built-ins, inline JSON or a file path. */
  ACE_ROLES: z.preprocess(emptyToUndefined, z.string().optional()),
  /** The token claim holding the caller's roles (an array, or a comma/space-separated string). */
  ACE_ROLES_CLAIM: z.string().min(1).default('roles'),
  /** Roles of a token without the roles claim (comma-separated). The local stack sets `admin`. */
  ACE_DEFAULT_ROLES: z.string().default('viewer'),
  /** Audit trail (src/audit/): days a record is kept (DynamoDB TTL); 0 keeps them forever. */
  ACE_AUDIT_RETENTION_DAYS: z.coerce.number().int().min(0).max(36_500).default(365),
  /** Field names redacted in audit records on top of the built-in secret names (comma-separated). */
  ACE_AUDIT_REDACT_FIELDS: z.string().default(''),
  /** Also audit reads (queries); off by default. */
  ACE_AUDIT_READS: z
    .union([z.boolean(), z.enum(['true', 'false', '1', '0', ''])])
    .default('false')
    .transform((v) => v === true || v === 'true' || v === '1'),
  /** S3 bucket for values over ACE_PAYLOAD_INLINE_MAX_BYTES (agent outputs, inputs, event data, queue bodies). */
  ACE_PAYLOAD_BUCKET: z.preprocess(emptyToUndefined, z.string().min(3).max(63).optional()),
  ACE_PAYLOAD_INLINE_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(300 * 1024)
    .default(64 * 1024),
  /** Set only for a local S3-compatible server (the local stack, tests); unset on AWS. */
  S3_ENDPOINT: z.preprocess(emptyToUndefined, optionalUrl),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  MAX_QUERY_DEPTH: z.coerce.number().int().min(2).max(50).default(10),
  MAX_QUERY_COST: z.coerce.number().int().min(100).default(5000),
  /** CloudWatch metrics as EMF log lines: the CDK stack sets `emf`; off elsewhere (src/telemetry/metrics.ts). */
  ACE_METRICS: z.enum(['off', 'emf']).default('off'),
  ACE_METRICS_NAMESPACE: z.preprocess(emptyToUndefined, z.string().min(1).max(255).optional()),
  /** The `service` dimension: which function emitted a metric. */
  ACE_METRICS_SERVICE: z.preprocess(emptyToUndefined, z.string().min(1).max(64).optional()),
  /** The public WebSocket URL the session page (/ui) connects to, where it is not this origin (AWS). */
  ACE_WS_URL: z.preprocess(emptyToUndefined, z.string().url().optional()),
  /**
   * OpenTelemetry (src/telemetry/index.ts): tracing is on when an OTLP endpoint is set. The SDK
   * reads these (and the other OTEL_* variables) itself; they are listed so the stack's are known.
   */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.preprocess(emptyToUndefined, z.string().url().optional()),
  OTEL_SERVICE_NAME: z.preprocess(emptyToUndefined, z.string().optional()),
  /** Model prices (USD per 1M input / cached / output tokens): inline JSON or a path to a JSON file, over the defaults. */
  ACE_MODEL_PRICES: z.preprocess(emptyToUndefined, z.string().optional()),
});

export type Config = Readonly<z.infer<typeof ConfigSchema>>;

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid configuration: ${detail}`);
  }
  return Object.freeze(parsed.data);
}
