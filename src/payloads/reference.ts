import * as z from 'zod';
import type { Tenant } from '../tenant.js';

/**
 * A value too large to live in its DynamoDB item (or SQS message) is stored
 * in S3 and the item holds this reference instead. Keys are tenant-scoped and
 * content-addressed: a retried write puts the same object again, and a reader
 * resolves only references under its own tenant's prefix.
 */
export const PayloadRefSchema = z.object({
  payload_ref: z.object({
    key: z.string().min(1).max(1024),
    bytes: z.number().int().min(0),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
  }),
});
export type PayloadRef = z.infer<typeof PayloadRefSchema>;

export const isPayloadRef = (value: unknown): value is PayloadRef =>
  PayloadRefSchema.safeParse(value).success;

/** `payloads/<tenant>/<sha256>`: the tenant is the prefix a reader must match. */
export const tenantPrefix = (tenant: Tenant) => `payloads/${encodeURIComponent(tenant.partitionKey)}/`;
export const payloadKey = (tenant: Tenant, sha256: string) => `${tenantPrefix(tenant)}${sha256}`;
/** Queue bodies are transient: their own prefix, expired by the bucket's lifecycle rule. */
export const QUEUE_PREFIX = 'queue/';

/** A value that cannot be stored, inline or in S3: the caller fails that write's agent or request. */
export class PayloadTooLargeError extends Error {
  constructor(
    readonly bytes: number,
    reason: string,
  ) {
    super(`value of ${bytes} bytes cannot be stored: ${reason}`);
    this.name = 'PayloadTooLargeError';
  }
}

/**
 * Why a write of a value failed for good, if it did: the payload store refused
 * it, or DynamoDB found the item over its 400 KB limit. Anything else (a
 * throttle, a network error) is retried by the queue instead.
 */
export function unstorableReason(error: unknown): string | undefined {
  if (error instanceof PayloadTooLargeError) return error.message;
  const { name, message } = (error ?? {}) as { name?: string; message?: string };
  if (name === 'ValidationException' && /size/i.test(message ?? '')) {
    return `the result cannot be stored: ${message}`;
  }
  return undefined;
}
