import type { LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import { capBody } from './capped-body.js';
import type { CheckedTarget } from './resolve.js';

/**
 * One HTTP exchange to an already-checked target, over a fresh socket whose
 * DNS lookup answers only the checked address: the connection cannot land
 * anywhere else, whatever the name resolves to by now. TLS still verifies the
 * certificate against the host name (SNI and verification use the URL's host).
 * Redirects are never followed here; the guard decides on each hop.
 *
 * Node's own http/https clients rather than undici: the `lookup` hook is all
 * the pinning needs, and undici would add about 530 KB to every Lambda bundle
 * (measured with `npm run bench -- bundle`).
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

/** Any fetch body (string, bytes, Blob, FormData, URLSearchParams...) as bytes, with its implied content type. */
async function bytesOf(body: BodyInit | null | undefined): Promise<{ bytes?: Buffer; type?: string | null }> {
  if (body === null || body === undefined) return {};
  const request = new Request('http://body.invalid/', { method: 'POST', body });
  return { bytes: Buffer.from(await request.arrayBuffer()), type: request.headers.get('content-type') };
}

function headersOf(message: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(message.headers)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
  }
  return headers;
}

export async function pinnedFetch(target: CheckedTarget, request: PinnedRequest): Promise<Response> {
  const { bytes, type } = await bytesOf(request.body);
  const headers = new Headers(request.headers);
  if (type && !headers.has('content-type')) headers.set('content-type', type);
  if (bytes) headers.set('content-length', String(bytes.byteLength));
  const send = target.url.protocol === 'https:' ? httpsRequest : httpRequest;
  const message = await new Promise<IncomingMessage>((resolve, reject) => {
    const outgoing = send(target.url, {
      method: request.method,
      headers: Object.fromEntries(headers),
      lookup: pinnedLookup(target) as never,
      agent: false, // a fresh socket per exchange: nothing pooled under another resolution
      signal: request.signal,
    });
    outgoing.once('response', resolve);
    outgoing.once('error', reject);
    outgoing.end(bytes);
  });
  const body =
    NULL_BODY_STATUS.has(message.statusCode ?? 0) || request.method === 'HEAD'
      ? null
      : capBody(Readable.toWeb(message) as ReadableStream<Uint8Array>, request.maxResponseBytes, () =>
          message.destroy(),
        );
  if (!body) message.destroy();
  const response = new Response(body, {
    status: message.statusCode ?? 502,
    statusText: message.statusMessage ?? '',
    headers: headersOf(message),
  });
  Object.defineProperty(response, 'url', { value: target.url.href });
  return response;
}
