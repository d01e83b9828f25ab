import ipaddr from 'ipaddr.js';
import { formatAddr, parseAddr } from './address.js';
import type { AddrType, PortRange, RuleCidr } from './ruleset.js';

const ADDR_TYPES: readonly AddrType[] = [
  'UNSPEC',
  'UNICAST',
  'LOCAL',
  'BROADCAST',
  'ANYCAST',
  'MULTICAST',
  'BLACKHOLE',
  'UNREACHABLE',
  'PROHIBIT',
  'THROW',
  'NAT',
  'XRESOLVE',
];

/** "2001:db8::/64", "2001:db8::1/128" or a bare address (a host). null when not an address. */
export function parseRuleCidr(text: string): RuleCidr | null {
  // ip6tables-save prints thousands of plain IPv6 addresses: read those without ipaddr's regular expressions.
  const slash = text.indexOf('/');
  const plain = parseAddr(slash === -1 ? text : text.slice(0, slash), false);
  const prefixText = slash === -1 ? '128' : text.slice(slash + 1);
  if (plain !== null && /^\d{1,3}$/.test(prefixText) && Number(prefixText) <= 128) {
    return { family: 6, address: formatAddr(plain), prefix: Number(prefixText) };
  }
  try {
    if (text.includes('/')) {
      const [addr, prefix] = ipaddr.parseCIDR(text);
      return { family: addr.kind() === 'ipv6' ? 6 : 4, address: addr.toString(), prefix };
    }
    if (!ipaddr.isValid(text)) return null;
    const addr = ipaddr.parse(text);
    const v6 = addr.kind() === 'ipv6';
    return { family: v6 ? 6 : 4, address: addr.toString(), prefix: v6 ? 128 : 32 };
  } catch {
    return null;
  }
}

function parsePortNumber(text: string): number | null {
  if (!/^\d{1,5}$/.test(text)) return null;
  const n = Number(text);
  return n <= 65535 ? n : null;
}

/** "80", "8000:8100", ":1024", "1024:" (iptables' notation) or "80-90" (NAT's notation). */
export function parsePortRange(text: string, separator: ':' | '-' = ':'): PortRange | null {
  const at = text.indexOf(separator);
  if (at === -1) {
    const p = parsePortNumber(text);
    return p === null ? null : { from: p, to: p };
  }
  const fromText = text.slice(0, at);
  const toText = text.slice(at + 1);
  const from = fromText === '' ? 0 : parsePortNumber(fromText);
  const to = toText === '' ? 65535 : parsePortNumber(toText);
  if (from === null || to === null) return null;
  return from <= to ? { from, to } : { from: to, to: from };
}

/** multiport's "80,443,8000:8100". */
export function parsePortList(text: string): PortRange[] | null {
  const ranges: PortRange[] = [];
  for (const part of text.split(',')) {
    const r = parsePortRange(part);
    if (r === null) return null;
    ranges.push(r);
  }
  return ranges.length > 0 ? ranges : null;
}

/** addrtype's "LOCAL" or "UNICAST,LOCAL". */
export function parseAddrTypes(text: string): AddrType[] | null {
  const types: AddrType[] = [];
  for (const part of text.split(',')) {
    const t = ADDR_TYPES.find((known) => known === part.toUpperCase());
    if (t === undefined) return null;
    types.push(t);
  }
  return types.length > 0 ? types : null;
}

/**
 * DNAT's --to-destination: "[2001:db8::2]:80", "[2001:db8::2]:80-90", "[2001:db8::2]",
 * "2001:db8::2" or ":80". null when it is something else (address ranges included).
 */
export function parseNatDestination(text: string): { address: string | null; ports: PortRange | null } | null {
  let addressText: string;
  let portText: string | null = null;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close === -1) return null;
    addressText = text.slice(1, close);
    const rest = text.slice(close + 1);
    if (rest !== '') {
      if (!rest.startsWith(':')) return null;
      portText = rest.slice(1);
    }
  } else if (text.startsWith(':')) {
    addressText = '';
    portText = text.slice(1);
  } else {
    addressText = text;
  }
  let address: string | null = null;
  if (addressText !== '') {
    if (addressText.includes('/')) return null;
    const parsed = parseRuleCidr(addressText);
    if (parsed === null) return null;
    address = parsed.address;
  }
  let ports: PortRange | null = null;
  if (portText !== null) {
    ports = parsePortRange(portText, '-');
    if (ports === null) return null;
  }
  if (address === null && ports === null) return null;
  return { address, ports };
}
