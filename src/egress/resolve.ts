import type { LookupAddress } from 'node:dns';
import { lookup as dnsLookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';
import { addressRefusal } from './address.js';
import {
  type AllowEntry,
  defaultPort,
  findEntry,
  isListedAddress,
  normalizeAddress,
  normalizeHost,
} from './allow-list.js';
import { EgressRefusedError } from './errors.js';

/** Resolves a host name to every address it has (injected in tests; getaddrinfo otherwise). */
export type HostLookup = (hostname: string) => Promise<readonly LookupAddress[]>;

export const systemLookup: HostLookup = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/** A URL the guard has checked, with the one address the connection must use. */
export interface CheckedTarget {
  readonly url: URL;
  readonly hostname: string;
  readonly address: string;
  readonly family: 4 | 6;
}

function addressAllowed(entries: readonly AllowEntry[], address: string): string | null {
  const refusal = addressRefusal(address);
  return refusal && !isListedAddress(entries, address)
    ? `${refusal}; private, loopback and link-local addresses are reachable only when listed as addresses in ACE_TOOL_ALLOWED_HOSTS`
    : null;
}

/** The static part (no DNS): scheme, credentials, allow-list, and an IP literal's range. */
export function staticRefusal(entries: readonly AllowEntry[], raw: string | URL): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return `"${String(raw)}" is not a URL`;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    return `${url.protocol} URLs are not allowed (http and https only)`;
  if (url.username || url.password) return 'credentials in the URL are not allowed; send them as a header';
  const host = normalizeHost(url.hostname);
  const port = url.port ? Number(url.port) : defaultPort(url.protocol);
  if (!findEntry(entries, { protocol: url.protocol, host, port })) {
    const httpsHint =
      url.protocol === 'http:' &&
      findEntry(entries, { protocol: 'https:', host, port: url.port ? port : defaultPort('https:') })
        ? ' (listed for https only; list it as http://host to allow plain http)'
        : '';
    return `${url.protocol}//${url.host} is not on the operator's allow-list (ACE_TOOL_ALLOWED_HOSTS)${httpsHint}`;
  }
  return ipaddr.isValid(host) ? addressAllowed(entries, host) : null;
}

/**
 * The full check before a connection: the static one, then DNS resolved once.
 * Every address the name has must be allowed (a name that answers with one
 * public and one private address is refused); the connection is then pinned
 * to the first, so a second lookup (DNS rebinding) can never be used.
 */
export async function checkTarget(
  entries: readonly AllowEntry[],
  raw: string | URL,
  lookup: HostLookup,
): Promise<CheckedTarget> {
  const refusal = staticRefusal(entries, raw);
  if (refusal) throw new EgressRefusedError(refusal);
  const url = new URL(raw);
  const hostname = normalizeHost(url.hostname);
  if (ipaddr.isValid(hostname)) {
    const address = normalizeAddress(hostname);
    return { url, hostname, address, family: ipaddr.parse(address).kind() === 'ipv6' ? 6 : 4 };
  }
  let addresses: readonly LookupAddress[];
  try {
    addresses = await lookup(hostname);
  } catch (error) {
    throw new EgressRefusedError(`cannot resolve ${hostname}: ${(error as Error).message}`);
  }
  if (!addresses.length) throw new EgressRefusedError(`${hostname} has no address`);
  for (const { address } of addresses) {
    const reason = addressAllowed(entries, address);
    if (reason) throw new EgressRefusedError(`${hostname} resolves to ${reason}`);
  }
  const first = addresses[0]!;
  return { url, hostname, address: first.address, family: first.family === 6 ? 6 : 4 };
}
