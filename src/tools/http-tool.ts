import type { ToolOutcome } from './call-store.js';
import type { HeadersProfiles, ToolEgress } from './egress.js';
import type { HttpToolSpec } from './spec.js';

export const DEFAULT_TOOL_TIMEOUT_MS = 30_000;
/** A tool answer larger than this is cut by the egress guard (the model could not use more anyway). */
export const MAX_TOOL_RESPONSE_BYTES = 1_000_000;

export interface HttpToolDeps {
  readonly egress: ToolEgress;
  readonly headersProfiles: HeadersProfiles;
}

/**
 * An `http` tool call: the arguments as the JSON body (as the query string
 * for GET), through the egress guard; the JSON or text answer is the result.
 * A non-2xx answer or a refused host is a tool error the model reads.
 */
export async function callHttpTool(
  deps: HttpToolDeps,
  spec: HttpToolSpec,
  args: unknown,
  signal?: AbortSignal,
): Promise<ToolOutcome> {
  const operatorHeaders = spec.headers_profile ? deps.headersProfiles(spec.headers_profile) : undefined;
  if (spec.headers_profile && !operatorHeaders) {
    return {
      ok: false,
      value: `headers profile "${spec.headers_profile}" is not configured by the operator`,
    };
  }
  const url = new URL(spec.url);
  const withBody = spec.method !== 'GET' && spec.method !== 'DELETE';
  if (!withBody && args && typeof args === 'object') {
    for (const [key, value] of Object.entries(args)) {
      url.searchParams.set(key, typeof value === 'string' ? value : JSON.stringify(value));
    }
  }
  const response = await deps.egress.fetch(url, {
    method: spec.method,
    headers: { accept: 'application/json, text/plain;q=0.9, */*;q=0.1', 'content-type': 'application/json' },
    ...(withBody && { body: JSON.stringify(args ?? {}) }),
    timeoutMs: spec.timeout_ms ?? DEFAULT_TOOL_TIMEOUT_MS,
    maxResponseBytes: MAX_TOOL_RESPONSE_BYTES,
    ...(operatorHeaders && { operatorHeaders }),
    ...(signal && { signal }),
  });
  const text = await response.text();
  const isJson = (response.headers.get('content-type') ?? '').includes('json');
  let value: unknown = text;
  if (isJson && text) {
    try {
      value = JSON.parse(text);
    } catch {
      value = text;
    }
  }
  if (!response.ok) return { ok: false, value: `HTTP ${response.status}: ${text.slice(0, 2000)}` };
  return { ok: true, value };
}
