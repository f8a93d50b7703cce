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
  /** EventBridge Scheduler (AWS only): set together by the CDK stack; unset locally, where an in-process scheduler runs. */
  WORK_QUEUE_ARN: z.preprocess(emptyToUndefined, z.string().optional()),
  SCHEDULE_GROUP_NAME: z.preprocess(emptyToUndefined, z.string().optional()),
  SCHEDULER_ROLE_ARN: z.preprocess(emptyToUndefined, z.string().optional()),
  /** Set only to point the Scheduler client at a local server (tests). */
  SCHEDULER_ENDPOINT: z.preprocess(emptyToUndefined, optionalUrl),
  /** API Gateway management endpoint, https://{api}.execute-api.{region}.amazonaws.com/{stage}. */
  WS_CALLBACK_URL: z.preprocess(emptyToUndefined, optionalUrl),
  JWT_SECRET: z.preprocess(emptyToUndefined, z.string().min(16).optional()),
  JWKS_URL: z.preprocess(emptyToUndefined, optionalUrl),
  JWT_ISSUER: z.preprocess(emptyToUndefined, z.string().optional()),
  JWT_AUDIENCE: z.preprocess(emptyToUndefined, z.string().optional()),
  /** Local development only: a fixed tenant "endpoint#part" used when no token is sent. Off unless set. */
  DEV_TENANT: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^[^#]+#[^#]+$/)
      .optional(),
  ),
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
