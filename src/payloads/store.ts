import { createHash, randomUUID } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Tenant } from '../tenant.js';
import {
  isPayloadRef,
  type PayloadRef,
  PayloadTooLargeError,
  payloadKey,
  QUEUE_PREFIX,
  tenantPrefix,
} from './reference.js';

export const DEFAULT_INLINE_MAX_BYTES = 64 * 1024;
/** The largest value the engine accepts at all (one S3 PUT, read back whole by every reader). */
export const MAX_PAYLOAD_BYTES = 64 * 1024 * 1024;

export interface PayloadStoreDeps {
  /** Unset: every value stays inline (and an item over DynamoDB's 400 KB limit cannot be written). */
  readonly s3?: S3Client;
  readonly bucket?: string;
  readonly inlineMaxBytes?: number;
}

const bytesOf = (text: string) => Buffer.byteLength(text, 'utf8');

/**
 * Values over the inline limit go to S3 (`ACE_PAYLOAD_BUCKET`) and are stored
 * as a reference; reads resolve references transparently. Strings only: the
 * large values of this engine (agent inputs and outputs, user inputs,
 * answers, event data) are text.
 */
export function createPayloadStore(deps: PayloadStoreDeps) {
  const inlineMax = deps.inlineMaxBytes ?? DEFAULT_INLINE_MAX_BYTES;
  const offloading = deps.s3 !== undefined && deps.bucket !== undefined;
  // Objects this process wrote (or is writing), by content key: one value is stored in several
  // places (the run's answer, the agent's output, its event) and is uploaded once, never rewritten
  // while a reader may be reading it.
  const written = new Map<string, Promise<void>>();

  async function putObject(key: string, body: string) {
    if (!deps.s3 || !deps.bucket)
      throw new PayloadTooLargeError(bytesOf(body), 'no ACE_PAYLOAD_BUCKET is set');
    try {
      await deps.s3.send(
        new PutObjectCommand({
          Bucket: deps.bucket,
          Key: key,
          Body: body,
          ContentType: 'text/plain; charset=utf-8',
        }),
      );
    } catch (error) {
      throw new PayloadTooLargeError(bytesOf(body), `S3 refused it (${(error as Error).message})`);
    }
  }

  async function getObject(key: string): Promise<string> {
    if (!deps.s3 || !deps.bucket)
      throw new Error(`payload ${key} is in S3, but no ACE_PAYLOAD_BUCKET is set`);
    const out = await deps.s3.send(new GetObjectCommand({ Bucket: deps.bucket, Key: key }));
    if (!out.Body) throw new Error(`payload ${key} has no body`);
    return out.Body.transformToString('utf-8');
  }

  return {
    inlineMaxBytes: inlineMax,
    offloading,

    /** The value itself when it fits inline, else a reference to its S3 copy. */
    async put(tenant: Tenant, value: string): Promise<string | PayloadRef> {
      const bytes = bytesOf(value);
      // Without a bucket values stay inline, as before: DynamoDB's 400 KB item limit then decides.
      if (bytes <= inlineMax || !offloading) return value;
      if (bytes > MAX_PAYLOAD_BYTES) throw new PayloadTooLargeError(bytes, `over ${MAX_PAYLOAD_BYTES} bytes`);
      const sha256 = createHash('sha256').update(value, 'utf8').digest('hex');
      const key = payloadKey(tenant, sha256);
      let upload = written.get(key);
      if (!upload) {
        if (written.size > 10_000) written.clear();
        upload = putObject(key, value);
        written.set(key, upload);
        upload.catch(() => written.delete(key));
      }
      await upload;
      return { payload_ref: { key, bytes, sha256 } };
    },

    /** The stored value whole: a reference is read from S3 (only under the caller's tenant). */
    async get(tenant: Tenant, stored: unknown): Promise<unknown> {
      if (!isPayloadRef(stored)) return stored;
      const { key } = stored.payload_ref;
      if (!key.startsWith(tenantPrefix(tenant))) throw new Error('payload reference of another tenant');
      return getObject(key);
    },

    /** Offloads the named string fields of a record (a copy; other fields untouched). */
    async putFields<T extends Record<string, unknown>>(
      tenant: Tenant,
      record: T,
      fields: readonly string[],
    ): Promise<T> {
      const copy: Record<string, unknown> = { ...record };
      await Promise.all(
        fields.map(async (field) => {
          const value = copy[field];
          if (typeof value === 'string') copy[field] = await this.put(tenant, value);
        }),
      );
      return copy as T;
    },

    /** Resolves every reference among the record's fields (a copy). */
    async getFields<T extends Record<string, unknown>>(tenant: Tenant, record: T): Promise<T> {
      const entries = await Promise.all(
        Object.entries(record).map(async ([field, value]) => [field, await this.get(tenant, value)] as const),
      );
      return Object.fromEntries(entries) as T;
    },

    /** A queue body over SQS's limit: stored under the transient prefix, returned as a reference. */
    async putQueueBody(body: string): Promise<PayloadRef> {
      const sha256 = createHash('sha256').update(body, 'utf8').digest('hex');
      const key = `${QUEUE_PREFIX}${randomUUID()}`;
      await putObject(key, body);
      return { payload_ref: { key, bytes: bytesOf(body), sha256 } };
    },

    async getQueueBody(ref: PayloadRef): Promise<string> {
      if (!ref.payload_ref.key.startsWith(QUEUE_PREFIX)) throw new Error('not a queue body reference');
      return getObject(ref.payload_ref.key);
    },
  };
}
export type PayloadStore = ReturnType<typeof createPayloadStore>;

/** Inline only (no bucket): what tests and tools without S3 get. */
export const inlinePayloads: PayloadStore = createPayloadStore({});
