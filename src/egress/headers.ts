import { EgressRefusedError } from './errors.js';

/**
 * Headers a tenant may set on an outbound call. Everything that steers routing,
 * framing or identity at a proxy or the origin (Host, Transfer-Encoding,
 * Connection, X-Forwarded-*, Cookie, AWS signing headers) is refused; operators
 * add names with ACE_TOOL_ALLOWED_HEADERS.
 */
export const DEFAULT_TENANT_HEADERS: readonly string[] = [
  'accept',
  'accept-language',
  'authorization',
  'content-type',
  'idempotency-key',
  'user-agent',
  'x-api-key',
  'x-request-id',
  'x-correlation-id',
];

export function tenantHeaderRefusal(names: Iterable<string>, allowed: ReadonlySet<string>): string | null {
  const refused = [...names].map((n) => n.toLowerCase()).filter((n) => !allowed.has(n));
  return refused.length ? `header(s) not allowed: ${refused.join(', ')}` : null;
}

/** Tenant headers checked against the allow-list, then the operator's on top (they win). */
export function outboundHeaders(
  tenant: HeadersInit | undefined,
  operator: Record<string, string> | undefined,
  allowed: ReadonlySet<string>,
): Headers {
  const headers = new Headers(tenant);
  const refusal = tenantHeaderRefusal(headers.keys(), allowed);
  if (refusal) throw new EgressRefusedError(refusal);
  for (const [name, value] of Object.entries(operator ?? {})) headers.set(name, value);
  return headers;
}

/** Dropped when a redirect leaves the origin: credentials are for the host they were written for. */
export function stripCredentials(headers: Headers, operator: Record<string, string> | undefined): Headers {
  const next = new Headers(headers);
  for (const name of ['authorization', 'cookie', 'proxy-authorization', ...Object.keys(operator ?? {})])
    next.delete(name);
  return next;
}
