import { EgressRefusedError } from './errors.js';

/** The body went past the cap: what was read so far was passed on, the connection was dropped. */
export class ResponseTooLargeError extends EgressRefusedError {
  constructor(readonly maxBytes: number) {
    super(`the answer is larger than the ${maxBytes}-byte cap`);
  }
}

/**
 * Wraps a body so that at most `maxBytes` pass; the next read after that fails
 * with ResponseTooLargeError and the source is cancelled, which closes the
 * connection. Pull-based (highWaterMark 0): nothing is read ahead of the consumer,
 * so a 50 MB answer costs at most one network chunk beyond what the reader keeps.
 */
export function capBody(
  source: ReadableStream<Uint8Array>,
  maxBytes: number,
  onFinished: () => void,
): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  let seen = 0;
  let overflowed = false;
  const finish = async (reason?: unknown) => {
    await reader.cancel(reason).catch(() => undefined);
    onFinished();
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (overflowed) {
          controller.error(new ResponseTooLargeError(maxBytes));
          return;
        }
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          chunk = await reader.read();
        } catch (error) {
          onFinished();
          controller.error(error);
          return;
        }
        if (chunk.done) {
          onFinished();
          controller.close();
          return;
        }
        const value = chunk.value;
        seen += value.byteLength;
        if (seen <= maxBytes) {
          controller.enqueue(value);
          return;
        }
        // Past the cap: hand on the part that fits, drop the connection, fail the next read.
        overflowed = true;
        const keep = value.byteLength - (seen - maxBytes);
        await finish('response size cap');
        if (keep > 0) controller.enqueue(value.subarray(0, keep));
        else controller.error(new ResponseTooLargeError(maxBytes));
      },
      cancel: (reason) => finish(reason),
    },
    { highWaterMark: 0 },
  );
}

/**
 * Reads a body as text, keeping at most `maxBytes` bytes; never buffers more.
 * `truncated` says the answer was longer (the rest was not read).
 */
export async function readTextCapped(
  response: Response,
  maxBytes: number,
): Promise<{ text: string; truncated: boolean }> {
  if (!response.body) return { text: '', truncated: false };
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let kept = 0;
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await reader.read();
    } catch (error) {
      if (error instanceof ResponseTooLargeError) return { text, truncated: true };
      throw error;
    }
    if (chunk.done) return { text: text + decoder.decode(), truncated: false };
    const room = maxBytes - kept;
    if (chunk.value.byteLength > room) {
      // Cut mid-character at worst: the decoder keeps an incomplete tail to itself (stream mode).
      text += decoder.decode(chunk.value.subarray(0, room), { stream: true });
      await reader.cancel('size cap').catch(() => undefined);
      return { text, truncated: true };
    }
    kept += chunk.value.byteLength;
    text += decoder.decode(chunk.value, { stream: true });
  }
}
