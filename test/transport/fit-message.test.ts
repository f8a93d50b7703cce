import { describe, expect, it } from 'vitest';
import {
  byteLength,
  createChunkJoiner,
  fitMessage,
  fitMessages,
  MAX_MESSAGE_BYTES,
} from '../../src/transport/fit-message.js';

describe('fitMessage (the 128 KB rule)', () => {
  it('sends a message under the limit unchanged', () => {
    const message = { id: '1', type: 'next', payload: { data: { x: 'y'.repeat(1000) } } };
    expect(fitMessage(message)).toBe(JSON.stringify(message));
  });

  it('shortens the longest strings of a larger message, keeps its shape and flags it', () => {
    const message = {
      id: '1',
      type: 'next',
      payload: { data: { a: 'a'.repeat(200_000), b: ['b'.repeat(50_000), 'short'], n: 3 } },
    };
    const text = fitMessage(message);
    expect(byteLength(text)).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    const fitted = JSON.parse(text) as {
      id: string;
      payload: {
        data: { a: string; b: string[]; n: number };
        extensions: { truncated: { originalBytes: number } };
      };
    };
    expect(fitted.id).toBe('1');
    expect(fitted.payload.data.n).toBe(3);
    expect(fitted.payload.data.b[1]).toBe('short');
    expect(fitted.payload.data.a.endsWith('…[truncated]')).toBe(true);
    expect(fitted.payload.extensions.truncated.originalBytes).toBe(byteLength(JSON.stringify(message)));
  });

  it('counts bytes, not characters (multi-byte text)', () => {
    const message = { id: '2', type: 'next', payload: { data: { text: 'é'.repeat(100_000) } } };
    expect(byteLength(fitMessage(message))).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
  });

  it('replaces a result made of too many small values by an error saying why', () => {
    const many = Array.from({ length: 40_000 }, (_, i) => i);
    const text = fitMessage({ id: '3', type: 'next', payload: { data: { many } } });
    expect(byteLength(text)).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    const fitted = JSON.parse(text) as { payload: { errors: { extensions: { code: string } }[] } };
    expect(fitted.payload.errors[0]?.extensions.code).toBe('RESULT_TOO_LARGE');
  });
});

describe('fitMessages (a result over 128 KB is split, never cut)', () => {
  it.each([
    ['ASCII', 'a'.repeat(1_000_000)],
    ['quotes and backslashes (escaping doubles them)', '"\\'.repeat(200_000)],
    ['multi-byte and astral characters', 'é漢😀'.repeat(100_000)],
  ])('%s: every message fits and the joined chunks are the result whole', (_name, text) => {
    const payload = { data: { sessionEvents: { seq: 7, data: { output: text } } } };
    const messages = fitMessages({ id: 'sub-1', type: 'next', payload });
    expect(messages.length).toBeGreaterThan(1);
    const join = createChunkJoiner();
    let whole: Record<string, unknown> | undefined;
    for (const raw of messages) {
      expect(byteLength(raw)).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
      const message = JSON.parse(raw) as { id: string; type: string; payload: Record<string, unknown> };
      expect(message).toMatchObject({ id: 'sub-1', type: 'next' });
      whole = join(message.payload);
    }
    expect(whole).toEqual(payload);
  });

  it('sends a small message as it is, and a large error list shortened (one message)', () => {
    const small = { id: '1', type: 'next', payload: { data: { x: 1 } } };
    expect(fitMessages(small)).toEqual([JSON.stringify(small)]);
    const errors = fitMessages({ id: '2', type: 'error', payload: [{ message: 'x'.repeat(300_000) }] });
    expect(errors).toHaveLength(1);
    expect(byteLength(errors[0] as string)).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
  });
});
