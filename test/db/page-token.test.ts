import { describe, expect, it } from 'vitest';
import { createPageTokenCodec, pageTokenKey, queryIdentity } from '../../src/db/page-token.js';

const binding = { tenant: 'endpoint-a#part-1', query: queryIdentity('Session', { userId: 'u1' }) };
const cursor = { lastKey: { partition_key: 'endpoint-a#part-1', session_uuid: '1' }, page: 2, index: 'i' };

describe('page tokens', () => {
  const codec = createPageTokenCodec(pageTokenKey('a server secret of at least 32 chars!'));

  it('round-trips a cursor for the same tenant and query', () => {
    expect(codec.decode(codec.encode(cursor, binding), binding)).toEqual(cursor);
  });

  it.each([
    ['another tenant', { ...binding, tenant: 'endpoint-b#part-1' }],
    ['another query', { ...binding, query: queryIdentity('Session', { userId: 'u2' }) }],
    ['another entity', { ...binding, query: queryIdentity('SessionRun', { userId: 'u1' }) }],
  ])('refuses a token used for %s with BAD_USER_INPUT', (_, other) => {
    const token = codec.encode(cursor, binding);
    expect(() => codec.decode(token, other)).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT' }));
  });

  it('refuses a token signed with another server key', () => {
    const foreign = createPageTokenCodec(pageTokenKey('another server secret, also 32 chars')).encode(
      cursor,
      binding,
    );
    expect(() => codec.decode(foreign, binding)).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT' }));
  });

  it('binds equal filters equally whatever their key order, and ignores absent ones', () => {
    expect(queryIdentity('Session', { a: 1, b: undefined, c: [2] })).toBe(
      queryIdentity('Session', { c: [2], a: 1 }),
    );
    expect(queryIdentity('Session', { a: 1 })).not.toBe(queryIdentity('Session', { a: 2 }));
  });
});
