// Addresses as text: checked, canonicalised and compared with ipaddr.js. The rule walk's packed
// form, for thousands of addresses, is iptables/address.ts.
import ipaddr from 'ipaddr.js';

/** A canonical IPv6 address (RFC 5952 form), or null when `text` is not one. */
export function canonicalIpv6(text: string): string | null {
  if (!ipaddr.IPv6.isValid(text)) return null;
  try {
    return ipaddr.IPv6.parse(text).toRFC5952String();
  } catch {
    return null;
  }
}

/** A canonical IPv4 or IPv6 address, or null. */
export function canonicalAddress(text: string): string | null {
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return ipaddr.IPv4.parse(text).toString();
  return canonicalIpv6(text);
}

/** Both sides name the same address (any textual form). */
export function sameAddress(a: string, b: string): boolean {
  const left = canonicalAddress(a);
  return left !== null && left === canonicalAddress(b);
}

/** An IPv6 address a stranger on the internet could reach (not link-local, loopback, ULA...). */
export function isGlobalIpv6(text: string): boolean {
  if (!ipaddr.IPv6.isValid(text)) return false;
  const range = ipaddr.IPv6.parse(text).range();
  // Documentation addresses (2001:db8::/32) stand in for global ones in labs and examples.
  return range === 'unicast' || range === 'reserved';
}
