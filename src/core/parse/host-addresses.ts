import { canonicalIpv6 } from '../address.js';
import ipaddr from 'ipaddr.js';
import { arrayField, parseJson, stringField } from './json.js';
import type { Parsed } from './parsed.js';

export interface InterfaceAddress {
  ifname: string;
  family: 'inet' | 'inet6';
  address: string;
  scope: string;
  /** The on-link prefix length; null when ip did not say. */
  prefixLength: number | null;
}

/** `ip -j addr` output (either family); entries ip leaves empty after filtering are skipped. */
export function parseIpAddrJson(text: string): Parsed<InterfaceAddress[]> {
  if (text.trim() === '') return { value: [], warnings: [] };
  const parsed = parseJson(text);
  if (!parsed.ok || !Array.isArray(parsed.value)) {
    return { value: [], warnings: [`ip -j addr printed something other than a JSON array${parsed.ok ? '' : ` (${parsed.error})`}.`] };
  }
  const addresses: InterfaceAddress[] = [];
  for (const link of parsed.value) {
    const ifname = stringField(link, 'ifname') ?? '';
    for (const info of arrayField(link, 'addr_info') ?? []) {
      const family = stringField(info, 'family');
      const local = stringField(info, 'local');
      if ((family !== 'inet' && family !== 'inet6') || local === null) continue;
      const prefixLength = typeof (info as { prefixlen?: unknown }).prefixlen === 'number' ? (info as { prefixlen: number }).prefixlen : null;
      addresses.push({ ifname, family, address: local, scope: stringField(info, 'scope') ?? '', prefixLength });
    }
  }
  return { value: addresses, warnings: [] };
}

/** Docker's own bridges carry gateway addresses that are not the host's public face. */
export function isDockerBridgeName(ifname: string): boolean {
  return /^docker\d+$/.test(ifname) || /^br-[0-9a-f]{12}$/.test(ifname);
}

/** Global IPv6 addresses of the host, without Docker bridge gateways, distinct and canonical. */
export function hostGlobalIpv6(addresses: readonly InterfaceAddress[], dockerBridges: readonly string[] = []): string[] {
  const found = addresses
    .filter((entry) => entry.family === 'inet6' && entry.scope === 'global')
    .filter((entry) => !isDockerBridgeName(entry.ifname) && !dockerBridges.includes(entry.ifname))
    .map((entry) => canonicalIpv6(entry.address))
    .filter((address): address is string => address !== null && ipaddr.IPv6.parse(address).range() !== 'linkLocal');
  return [...new Set(found)];
}

/** A usable IPv4 address other than loopback, link-local or a Docker bridge: the host is dual stack. */
export function hostHasIpv4(addresses: readonly InterfaceAddress[], dockerBridges: readonly string[] = []): boolean {
  return addresses.some((entry) => {
    if (entry.family !== 'inet' || isDockerBridgeName(entry.ifname) || dockerBridges.includes(entry.ifname)) return false;
    if (!ipaddr.IPv4.isValidFourPartDecimal(entry.address)) return false;
    const range = ipaddr.IPv4.parse(entry.address).range();
    return range !== 'loopback' && range !== 'linkLocal' && range !== 'unspecified';
  });
}

/** /proc/sys/net/ipv6/conf/all/forwarding ("1" when on). */
export function parseForwardingSysctl(text: string): boolean {
  return text.trim() === '1';
}

/** Global IPv6 prefixes on the host's own links (Docker's bridges left out), as network/length. */
export function hostOnLinkPrefixes(addresses: readonly InterfaceAddress[], dockerBridges: readonly string[] = []): string[] {
  const prefixes = addresses
    .filter((entry) => entry.family === 'inet6' && entry.scope === 'global' && entry.prefixLength !== null && entry.prefixLength < 128)
    .filter((entry) => !isDockerBridgeName(entry.ifname) && !dockerBridges.includes(entry.ifname))
    .flatMap((entry) => {
      const cidr = `${entry.address}/${entry.prefixLength}`;
      return ipaddr.IPv6.isValidCIDR(cidr) ? [`${ipaddr.IPv6.networkAddressFromCIDR(cidr).toString()}/${entry.prefixLength}`] : [];
    });
  return [...new Set(prefixes)];
}

/** \`ip -j -6 neigh show proxy\`: the addresses the host answers neighbour solicitations for. */
export function parseNeighProxies(text: string): string[] {
  const parsed = parseJson(text);
  if (!parsed.ok || !Array.isArray(parsed.value)) return [];
  return parsed.value.flatMap((entry) => {
    const dst = stringField(entry, 'dst');
    const address = dst === null ? null : canonicalIpv6(dst);
    return address === null ? [] : [address];
  });
}
