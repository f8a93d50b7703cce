import type { LookupAddress } from 'node:dns';
import { Agent, fetch as undiciFetch } from 'undici';
import { capBody } from './capped-body.js';
import type { CheckedTarget } from './resolve.js';

/**
 * One HTTP exchange to an already-checked target, on a dispatcher whose DNS
 * lookup answers only the checked address: the socket cannot land anywhere
 * else, whatever the name resolves to by now. TLS still verifies the
 * certificate against the host name (SNI and verification use the URL's host).
 * Redirects are never followed here; the guard decides on each hop.
 */
export interface PinnedRequest {
  readonly method: string;
  readonly headers: Headers;
  readonly body: BodyInit | null | undefined;
  readonly signal: AbortSignal;
  readonly maxResponseBytes: number;
}

function pinnedLookup(target: CheckedTarget) {
  return (
    _hostname: string,
    options: { all?: boolean },
    callback: (error: Error | null, address: string | LookupAddress[], family?: number) => void,
  ) => {
    if (options?.all) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  };
}

const NULL_BODY_STATUS = new Set([101, 204, 205, 304]);

export async function pinnedFetch(target: CheckedTarget, request: PinnedRequest): Promise<Response> {
  const agent = new Agent({ connect: { lookup: pinnedLookup(target) } });
  const release = () => void agent.destroy().catch(() => undefined);
  // A timeout or the caller's abort tears the connection down even if nobody reads the body.
  request.signal.addEventListener('abort', release, { once: true });
  let answer: Awaited<ReturnType<typeof undiciFetch>>;
  try {
    answer = await undiciFetch(target.url, {
      method: request.method,
      headers: request.headers as unknown as Record<string, string>,
      body: request.body as never,
      redirect: 'manual',
      signal: request.signal,
      dispatcher: agent,
    });
  } catch (error) {
    release();
    throw error;
  }
  const finished = () => {
    request.signal.removeEventListener('abort', release);
    void agent.close().catch(() => undefined);
  };
  const body =
    answer.body && !NULL_BODY_STATUS.has(answer.status)
      ? capBody(answer.body as unknown as ReadableStream<Uint8Array>, request.maxResponseBytes, finished)
      : null;
  if (!body) {
    await answer.body?.cancel().catch(() => undefined);
    finished();
  }
  const response = new Response(body, {
    status: answer.status,
    statusText: answer.statusText,
    headers: new Headers([...answer.headers]),
  });
  Object.defineProperty(response, 'url', { value: target.url.href });
  return response;
}
