import type { Container } from './types/facts.js';
import { canonicalIpv6, isGlobalIpv6 } from './address.js';

/** The container's global IPv6 addresses (one per IPv6 network), canonical and distinct. */
export function containerIpv6Addresses(container: Container): string[] {
  const addresses = container.networks
    .map((network) => (network.ipv6 === null ? null : canonicalIpv6(network.ipv6)))
    .filter((address): address is string => address !== null && isGlobalIpv6(address));
  return [...new Set(addresses)];
}
