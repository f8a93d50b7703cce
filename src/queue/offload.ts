import * as z from 'zod';
import { PayloadRefSchema } from '../payloads/reference.js';
import type { PayloadStore } from '../payloads/store.js';

/** SQS refuses a body over 256 KiB; a little headroom for attributes. */
export const MAX_QUEUE_BODY_BYTES = 256 * 1024 - 1024;

/** A queue body too large for SQS: the envelope that points at its S3 copy. */
export const OffloadedBodySchema = z.object({
  v: z.literal(1),
  type: z.literal('offloaded_body'),
  payload_ref: PayloadRefSchema.shape.payload_ref,
});

/** The body to send: the message's JSON, or (over SQS's limit) a reference to it in S3. */
export async function encodeBody(message: unknown, payloads?: PayloadStore): Promise<string> {
  const body = JSON.stringify(message);
  if (Buffer.byteLength(body, 'utf8') <= MAX_QUEUE_BODY_BYTES || !payloads?.offloading) return body;
  const ref = await payloads.putQueueBody(body);
  return JSON.stringify({ v: 1, type: 'offloaded_body', ...ref });
}

/** The message's JSON as sent: an offloaded body is read back from S3. */
export async function decodeBody(body: string, payloads?: PayloadStore): Promise<string> {
  if (!payloads || !body.includes('"offloaded_body"')) return body;
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return body; // the parser reports it
  }
  const offloaded = OffloadedBodySchema.safeParse(json);
  return offloaded.success ? payloads.getQueueBody({ payload_ref: offloaded.data.payload_ref }) : body;
}
