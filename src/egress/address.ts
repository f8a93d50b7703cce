import ipaddr from 'ipaddr.js';

/**
 * Why an address may not be reached on a tenant's behalf, or null for a public
 * unicast address. Anything ipaddr.js does not classify as `unicast` is refused:
 * loopback (the Lambda runtime API on 127.0.0.1:9001), private networks,
 * link-local (169.254.169.254, the instance metadata service), unique-local
 * (fd00:ec2::254), carrier-grade NAT, multicast, unspecified, reserved, and the
 * IPv6 forms that embed an IPv4 address (mapped, NAT64, 6to4, Teredo).
 */
export function addressRefusal(address: string): string | null {
  if (!ipaddr.isValid(address)) return `"${address}" is not an IP address`;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress())
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  const range = parsed.range();
  if (range === 'unicast') return null;
  return `${address} is a ${describe(range)} address`;
}

function describe(range: string): string {
  switch (range) {
    case 'loopback':
      return 'loopback';
    case 'private':
      return 'private-network';
    case 'linkLocal':
      return 'link-local (metadata service)';
    case 'uniqueLocal':
      return 'unique-local';
    default:
      return `non-public (${range})`;
  }
}
