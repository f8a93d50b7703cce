/**
 * API Gateway refuses a WebSocket message over 128 KB, so no message is ever
 * sent as-is above that. A `next` result that is larger is split: its JSON
 * text goes in consecutive `next` messages of the same id, each with
 * `payload.extensions.chunk = {index, count, json}`; the client joins the
 * `json` parts in index order and parses them to get the result whole
 * (docs/TRANSPORTS.md). Any other message (an error list) keeps its shape and
 * its longest strings are shortened until it fits, flagged in
 * `payload.extensions.truncated`.
 */
export const MAX_MESSAGE_BYTES = 128 * 1024;
/** Headroom for the `truncated` note itself and JSON escaping differences. */
const TARGET_BYTES = MAX_MESSAGE_BYTES - 2048;
const MARK = '…[truncated]';

export const TRUNCATION_HINT =
  'Strings were shortened to fit the 128 KB WebSocket limit; fetch full values with the sessionAgent or sessionRun queries, or run the operation over HTTP.';

export function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** Characters of result JSON per chunk before escaping; halved until the message fits. */
const CHUNK_CHARS = 60_000;

/** The serialized messages to send for one message, each at most MAX_MESSAGE_BYTES. */
export function fitMessages(message: Record<string, unknown>): string[] {
  const text = JSON.stringify(message);
  if (byteLength(text) <= MAX_MESSAGE_BYTES) return [text];
  if (message.type !== 'next') return [fitMessage(message)];
  const json = JSON.stringify(message.payload ?? null);
  const parts: string[] = [];
  for (let at = 0; at < json.length; ) {
    let size = CHUNK_CHARS;
    // Escaping and multi-byte characters can grow a slice: shrink it until its message fits.
    while (byteLength(chunkMessage(message.id, json.slice(at, at + size), 0, 0)) > TARGET_BYTES && size > 1) {
      size = Math.floor(size / 2);
    }
    parts.push(json.slice(at, at + size));
    at += size;
  }
  return parts.map((part, index) => chunkMessage(message.id, part, index, parts.length));
}

function chunkMessage(id: unknown, json: string, index: number, count: number): string {
  return JSON.stringify({ id, type: 'next', payload: { extensions: { chunk: { index, count, json } } } });
}

/** The serialized message, at most MAX_MESSAGE_BYTES: long strings shortened (for errors). */
export function fitMessage(message: Record<string, unknown>): string {
  const text = JSON.stringify(message);
  const originalBytes = byteLength(text);
  if (originalBytes <= MAX_MESSAGE_BYTES) return text;

  const copy = structuredClone(message) as Record<string, unknown>;
  for (let round = 0; round < 64; round++) {
    const longest = findLongestString(copy);
    if (!longest || longest.value.length <= MARK.length * 2) break;
    const keep = Math.max(MARK.length, Math.floor(longest.value.length / 2));
    longest.set(`${longest.value.slice(0, keep)}${MARK}`);
    if (byteLength(JSON.stringify(copy)) <= TARGET_BYTES) break;
  }
  const payload = (copy.payload ?? {}) as Record<string, unknown>;
  if (typeof payload === 'object' && payload !== null && !Array.isArray(payload)) {
    const extensions = (payload.extensions ?? {}) as Record<string, unknown>;
    payload.extensions = { ...extensions, truncated: { originalBytes, hint: TRUNCATION_HINT } };
    copy.payload = payload;
  }
  const fitted = JSON.stringify(copy);
  if (byteLength(fitted) <= MAX_MESSAGE_BYTES) return fitted;
  // Too many small values to shrink: replace the result by an error that says why.
  return JSON.stringify({
    id: message.id,
    type: message.type === 'error' ? 'error' : 'next',
    payload:
      message.type === 'error'
        ? [{ message: 'Error list too large for a WebSocket message.' }]
        : {
            data: null,
            errors: [
              {
                message: 'Result too large for a WebSocket message.',
                extensions: { code: 'RESULT_TOO_LARGE' },
              },
            ],
            extensions: { truncated: { originalBytes, hint: TRUNCATION_HINT } },
          },
  });
}

interface Found {
  value: string;
  set(next: string): void;
}

function findLongestString(root: unknown): Found | undefined {
  let best: Found | undefined;
  const visit = (value: unknown, set: (next: string) => void) => {
    if (typeof value === 'string') {
      if (!best || value.length > best.value.length) best = { value, set };
    } else if (Array.isArray(value)) {
      value.forEach((item, index) => {
        visit(item, (next) => {
          value[index] = next;
        });
      });
    } else if (value && typeof value === 'object') {
      const record = value as Record<string, unknown>;
      for (const key of Object.keys(record)) {
        visit(record[key], (next) => {
          record[key] = next;
        });
      }
    }
  };
  visit(root, () => undefined);
  return best;
}

/**
 * The client side of the split (for our clients and tests): feed every
 * `next` payload of one operation; it returns the result once whole (a
 * payload that is no chunk is returned as it is), else undefined.
 */
export function createChunkJoiner() {
  let parts: string[] = [];
  return (payload: Record<string, unknown>): Record<string, unknown> | undefined => {
    const chunk = (
      payload.extensions as { chunk?: { index: number; count: number; json: string } } | undefined
    )?.chunk;
    if (!chunk) return payload;
    if (chunk.index === 0) parts = [];
    parts[chunk.index] = chunk.json;
    if (parts.filter((p) => p !== undefined).length < chunk.count) return undefined;
    const whole = JSON.parse(parts.join('')) as Record<string, unknown>;
    parts = [];
    return whole;
  };
}
