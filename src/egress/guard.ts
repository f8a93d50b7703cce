import { deadline } from '../deadline.js';
import { type AllowEntry, parseAllowList } from './allow-list.js';
import { EgressRefusedError } from './errors.js';
import { DEFAULT_TENANT_HEADERS, outboundHeaders, stripCredentials } from './headers.js';
import { lambdaNameRefusal } from './lambda-name.js';
import { pinnedFetch } from './pinned-fetch.js';
import { checkTarget, type HostLookup, staticRefusal, systemLookup } from './resolve.js';

export { ResponseTooLargeError, readTextCapped } from './capped-body.js';
export { EgressRefusedError } from './errors.js';

export interface EgressGuard {
  /** Drop-in fetch for every outbound call made on a tenant's behalf (webhooks, http and MCP tools).
   *  Enforces: operator allow-list ACE_TOOL_ALLOWED_HOSTS (host[:port] patterns; https required unless a
   *  host is listed with an explicit http://), DNS resolved once and loopback/private/link-local/unique-local
   *  refused unless listed, the connection pinned to the checked address (no DNS rebinding), redirects not
   *  followed blindly (each hop re-checked, bounded), a timeout, a response size cap (body stream cut at
   *  the cap), a header allow-list for tenant-supplied headers. Throws EgressRefusedError with a clear reason. */
  fetch(url: string | URL, init?: EgressInit): Promise<Response>;
  /** Static check when a spec is written (no DNS): null when allowed, else the reason. */
  checkUrl(url: string): string | null;
  /** ACE_TOOL_LAMBDA_PREFIX check: null when allowed, else the reason. */
  checkLambdaFunctionName(name: string): string | null;
}

export interface EgressInit extends RequestInit {
  timeoutMs?: number;
  maxResponseBytes?: number;
  /** Headers the operator configured (headers profiles, credentials): exempt from the tenant header allow-list. */
  operatorHeaders?: Record<string, string>;
}

export interface EgressSettings {
  /** ACE_TOOL_ALLOWED_HOSTS patterns (see allow-list.ts); empty: nothing is reachable. */
  readonly allowedHosts?: string | readonly string[];
  /** ACE_TOOL_LAMBDA_PREFIX; unset: Lambda actions are refused. */
  readonly lambdaPrefix?: string;
  readonly timeoutMs?: number;
  readonly maxResponseBytes?: number;
  readonly maxRedirects?: number;
  /** Extra tenant header names on top of DEFAULT_TENANT_HEADERS. */
  readonly allowedHeaders?: readonly string[];
  readonly lookup?: HostLookup;
}

export const EGRESS_DEFAULTS = { timeoutMs: 10_000, maxResponseBytes: 1_048_576, maxRedirects: 3 } as const;

const REDIRECT = new Set([301, 302, 303, 307, 308]);

export function createEgressGuard(settings: EgressSettings = {}): EgressGuard {
  const entries: readonly AllowEntry[] = parseAllowList(settings.allowedHosts);
  const lookup = settings.lookup ?? systemLookup;
  const allowedHeaders = new Set(
    [...DEFAULT_TENANT_HEADERS, ...(settings.allowedHeaders ?? [])].map((h) => h.toLowerCase()),
  );
  const maxRedirects = settings.maxRedirects ?? EGRESS_DEFAULTS.maxRedirects;

  async function guardedFetch(url: string | URL, init: EgressInit = {}): Promise<Response> {
    const { timeoutMs, maxResponseBytes, operatorHeaders, signal, redirect } = init;
    const limitMs = timeoutMs ?? settings.timeoutMs ?? EGRESS_DEFAULTS.timeoutMs;
    // Not cleared on return: the limit also covers reading the body, after this returns.
    const limit = deadline(limitMs, signal);
    const combined = limit.signal;
    let headers = outboundHeaders(init.headers, operatorHeaders, allowedHeaders);
    let method = (init.method ?? 'GET').toUpperCase();
    let body = init.body;
    let current = url;
    for (let hop = 0; ; hop++) {
      const target = await checkTarget(entries, current, lookup);
      let response: Response;
      try {
        response = await pinnedFetch(target, {
          method,
          headers,
          body,
          signal: combined,
          maxResponseBytes: maxResponseBytes ?? settings.maxResponseBytes ?? EGRESS_DEFAULTS.maxResponseBytes,
        });
      } catch (error) {
        if (limit.timedOut())
          throw new EgressRefusedError(`${target.url.origin} timed out after ${limitMs} ms`);
        throw error;
      }
      const location = response.headers.get('location');
      if (!REDIRECT.has(response.status) || !location || redirect === 'manual') return response;
      await response.body?.cancel().catch(() => undefined);
      if (redirect === 'error') throw new EgressRefusedError(`${target.url.origin} answered a redirect`);
      if (hop >= maxRedirects) throw new EgressRefusedError(`more than ${maxRedirects} redirects`);
      const next = new URL(location, target.url);
      // Fetch's rules: 303 (and 301/302 after a POST) become a GET without a body.
      if (
        response.status === 303 ||
        ((response.status === 301 || response.status === 302) && method === 'POST')
      ) {
        method = method === 'HEAD' ? 'HEAD' : 'GET';
        body = undefined;
        headers.delete('content-type');
        headers.delete('content-length');
      } else if (body instanceof ReadableStream) {
        throw new EgressRefusedError('cannot replay a streamed body on a redirect');
      }
      if (next.origin !== target.url.origin) headers = stripCredentials(headers, operatorHeaders);
      current = next;
    }
  }

  return {
    fetch: guardedFetch,
    checkUrl: (url) => staticRefusal(entries, url),
    checkLambdaFunctionName: (name) => lambdaNameRefusal(settings.lambdaPrefix, name),
  };
}
