import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import * as z from 'zod';
import { ValidationError } from '../errors.js';

/**
 * `nextToken`: where the next page of a list starts (DynamoDB's exclusive start
 * key), the page number it is, and the index it was read from. The client sees
 * an opaque string: base64url JSON, then an HMAC-SHA256 over the tenant, the
 * query (entity + filters) and that JSON, with a server key. A token edited by
 * hand, issued to another tenant or for another query fails the MAC and is
 * BAD_USER_INPUT, so a start key can never point a query at another tenant's rows.
 */
export interface PageCursor {
  /** The key of the last item of the previous page (table keys + the index's keys). */
  readonly lastKey: Record<string, string | number>;
  /** The 1-based number of the page this token starts. */
  readonly page: number;
  /** The index the query ran on (undefined: the table); a token outlives no change of plan. */
  readonly index?: string;
}

export interface TokenBinding {
  readonly tenant: string;
  readonly query: string;
}

const PayloadSchema = z.object({
  k: z.record(z.string().max(255), z.union([z.string().max(2048), z.number()])),
  p: z.number().int().min(2).max(10_000_000),
  i: z.string().max(255).optional(),
});

const VERSION = 'v1';
export const MAX_TOKEN_LENGTH = 4096;

export interface PageTokenCodec {
  encode(cursor: PageCursor, binding: TokenBinding): string;
  /** Throws BAD_USER_INPUT for any token this server did not issue for this tenant and query. */
  decode(token: string, binding: TokenBinding): PageCursor;
}

/** A server key: the configured secret, or (local use only) a random one valid for this process. */
export function pageTokenKey(secret: string | undefined): Buffer {
  if (secret) return createHmac('sha256', secret).update('ace page token key').digest();
  return randomBytes(32);
}

export function createPageTokenCodec(key: Uint8Array): PageTokenCodec {
  const mac = (payload: string, binding: TokenBinding) =>
    createHmac('sha256', key).update(`${VERSION}\n${binding.tenant}\n${binding.query}\n${payload}`).digest();
  const invalid = () =>
    new ValidationError('nextToken is not valid for this query: pass the nextToken of its previous page');

  return {
    encode(cursor, binding) {
      const body = { k: cursor.lastKey, p: cursor.page, ...(cursor.index && { i: cursor.index }) };
      const payload = Buffer.from(JSON.stringify(body)).toString('base64url');
      return `${payload}.${mac(payload, binding).toString('base64url')}`;
    },
    decode(token, binding) {
      const [payload, signature, extra] = token.split('.');
      if (!payload || !signature || extra !== undefined || token.length > MAX_TOKEN_LENGTH) throw invalid();
      const expected = mac(payload, binding);
      const given = Buffer.from(signature, 'base64url');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid();
      let body: unknown;
      try {
        body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      } catch {
        throw invalid();
      }
      const parsed = PayloadSchema.safeParse(body);
      if (!parsed.success) throw invalid();
      return { lastKey: parsed.data.k, page: parsed.data.p, index: parsed.data.i };
    },
  };
}

/** The query part of a binding: the entity and its filters, keys sorted so equal filters bind equally. */
export function queryIdentity(entity: string, filter: object): string {
  const entries = Object.entries(filter)
    .filter(([, v]) => v !== undefined && v !== null)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `${entity}:${JSON.stringify(entries)}`;
}
