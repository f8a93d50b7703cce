/**
 * API Gateway refuses a WebSocket message over 128 KB, so no message is ever
 * sent as-is above that. Our choice: keep the message's shape and shrink its
 * longest strings (agent outputs, answers) until it fits, and say so in
 * `payload.extensions.truncated` with the original size and where the full
 * value lives (the sessionAgent / sessionRun queries, or the HTTP endpoint).
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

/** The serialized message, at most MAX_MESSAGE_BYTES. */
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
