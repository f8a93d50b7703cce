import ipaddr from 'ipaddr.js';

/**
 * The operator's allow-list (ACE_TOOL_ALLOWED_HOSTS): comma- or space-separated
 * `[http://|https://]host[:port]` patterns. Pure parsing and matching, no I/O.
 *
 * - `api.example.com` — https on 443 only. `api.example.com:8443` — https on 8443.
 * - `*.example.com` — any subdomain (not the apex itself); `*` — any host (public addresses only).
 * - `host:*` — any port.
 * - `http://host[:port]` — plain http is allowed for that host (and https too); without it https is required.
 * - IP literals (`10.0.0.5`, `[fd00::1]:8080`) allow that address even where it is private: a
 *   private, loopback or link-local address is reachable only when the address itself is listed,
 *   never because a host name resolved to it.
 */
export interface AllowEntry {
  readonly pattern: string;
  /** Lower-case host without brackets; `*` or `*.suffix` for wildcards. */
  readonly host: string;
  /** undefined: the scheme's default port; '*': any port. */
  readonly port: number | '*' | undefined;
  readonly allowHttp: boolean;
  /** Set when the host is an IP literal (normalized). */
  readonly address?: string;
}

export function parseAllowList(value: string | readonly string[] | undefined): AllowEntry[] {
  const patterns = typeof value === 'string' ? value.split(/[\s,]+/) : (value ?? []);
  return patterns
    .map((p) => p.trim())
    .filter(Boolean)
    .map(parseEntry);
}

function parseEntry(pattern: string): AllowEntry {
  const scheme = /^(https?):\/\//i.exec(pattern);
  const rest = scheme ? pattern.slice(scheme[0].length).replace(/\/$/, '') : pattern;
  const match = /^(\[[^\]]+\]|[^:/[\]]+)(?::(\d{1,5}|\*))?$/.exec(rest);
  if (!match?.[1]) throw new Error(`ACE_TOOL_ALLOWED_HOSTS: cannot read entry "${pattern}"`);
  const host = normalizeHost(match[1]);
  const portText = match[2];
  const port = portText === undefined ? undefined : portText === '*' ? '*' : Number(portText);
  if (typeof port === 'number' && (port < 1 || port > 65535))
    throw new Error(`ACE_TOOL_ALLOWED_HOSTS: bad port in "${pattern}"`);
  if (host.includes('*') && host !== '*' && !/^\*\.[^*]+$/.test(host))
    throw new Error(`ACE_TOOL_ALLOWED_HOSTS: a wildcard must be "*" or lead as "*.domain" in "${pattern}"`);
  const address = ipaddr.isValid(host) ? normalizeAddress(host) : undefined;
  return {
    pattern,
    host: address ?? host,
    port,
    allowHttp: scheme?.[1]?.toLowerCase() === 'http',
    ...(address && { address }),
  };
}

/** `[::1]` -> `::1`, lower case, trailing dot dropped. */
export function normalizeHost(host: string): string {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  return bare.toLowerCase().replace(/\.$/, '');
}

/** One spelling per address: IPv4-mapped IPv6 becomes IPv4, IPv6 in RFC 5952 form. */
export function normalizeAddress(address: string): string {
  const parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6') {
    const v6 = parsed as ipaddr.IPv6;
    return v6.isIPv4MappedAddress() ? v6.toIPv4Address().toString() : v6.toRFC5952String();
  }
  return parsed.toString();
}

export function defaultPort(protocol: string): number {
  return protocol === 'http:' ? 80 : 443;
}

function hostMatches(entry: AllowEntry, host: string): boolean {
  if (entry.host === '*') return true;
  if (entry.host.startsWith('*.')) return host.endsWith(entry.host.slice(1));
  return entry.host === host;
}

function portMatches(entry: AllowEntry, port: number, protocol: string): boolean {
  if (entry.port === '*') return true;
  return (entry.port ?? defaultPort(protocol)) === port;
}

/** The first entry that admits this scheme, host and port, or undefined. */
export function findEntry(
  entries: readonly AllowEntry[],
  target: { protocol: string; host: string; port: number },
): AllowEntry | undefined {
  return entries.find(
    (entry) =>
      (target.protocol === 'https:' || entry.allowHttp) &&
      hostMatches(entry, target.host) &&
      portMatches(entry, target.port, target.protocol),
  );
}

/** Whether the address was listed literally (which is what makes a private address reachable). */
export function isListedAddress(entries: readonly AllowEntry[], address: string): boolean {
  const normalized = normalizeAddress(address);
  return entries.some((entry) => entry.address === normalized);
}
