import ipaddr from 'ipaddr.js';
import type { RuleCidr } from './ruleset.js';

/**
 * An IPv6 address as four 32-bit words in an Int32Array: compared with plain integer operations
 * (BigInt, or numbers above 2^31, would allocate on every comparison in the rule walk).
 */
export type Addr = Int32Array;

export interface AddrCidr {
  network: Addr;
  mask: Addr;
  prefix: number;
}

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48; // 0-9
  if (code >= 97 && code <= 102) return code - 87; // a-f
  if (code >= 65 && code <= 70) return code - 55; // A-F
  return -1;
}

/** The groups of the address being parsed: one scratch array, not one per address. */
const groups: number[] = [0, 0, 0, 0, 0, 0, 0, 0];
/** The eight groups of the address plainGroups last read (a "::" filled in). */
const full: number[] = [0, 0, 0, 0, 0, 0, 0, 0];

/**
 * The plain hex forms ("2001:db8::10", full or compressed) in one pass, without ipaddr's
 * regular expressions: a ruleset holds thousands of addresses. false for anything else
 * (embedded IPv4, zones, junk), which parseAddr then hands to ipaddr.js.
 */
function plainGroups(text: string): boolean {
  if (text.includes(':::')) return false;
  let count = 0;
  let gap = -1; // index in groups where "::" stands
  let value = 0;
  let digits = 0;
  const n = text.length;
  for (let i = 0; i <= n; i++) {
    const code = i < n ? text.charCodeAt(i) : 58; // a virtual ":" closes the last group
    if (code === 58) {
      if (digits > 0) {
        if (count === 8) return false;
        groups[count++] = value;
        value = 0;
        digits = 0;
      } else if (i === n && gap === count && gap !== -1 && n >= 2 && text.charCodeAt(n - 1) === 58) {
        continue; // the address ends in "::"
      } else if (i !== 0) {
        return false; // an empty group that is not part of "::"
      }
      if (i + 1 < n && text.charCodeAt(i + 1) === 58) {
        if (gap !== -1) return false;
        gap = count;
        i++;
      } else if (digits === 0 && i === 0) {
        return false; // a single leading ":"
      }
      continue;
    }
    const h = hexValue(code);
    if (h < 0 || digits === 4) return false;
    value = (value << 4) | h;
    digits++;
  }
  if ((gap === -1 && count !== 8) || (gap !== -1 && count > 7)) return false;
  // Group g of the full address: before the gap as written, zeros in it, the rest shifted.
  const zeros = 8 - count;
  for (let g = 0; g < 8; g++) full[g] = gap === -1 || g < gap ? (groups[g] as number) : g < gap + zeros ? 0 : (groups[g - zeros] as number);
  return true;
}

function parsePlainIpv6(text: string): Addr | null {
  if (!plainGroups(text)) return null;
  const words = new Int32Array(4);
  for (let w = 0; w < 4; w++) words[w] = ((full[2 * w] as number) << 16) | (full[2 * w + 1] as number);
  return words;
}

/** null for anything that is not an IPv6 address. `viaIpaddr` false: only the plain hex forms, no fallback. */
export function parseAddr(address: string, viaIpaddr = true): Addr | null {
  const plain = parsePlainIpv6(address);
  if (plain !== null || !viaIpaddr) return plain;
  try {
    const parsed = ipaddr.parse(address);
    if (parsed.kind() !== 'ipv6') return null;
    const b = parsed.toByteArray();
    const word = (i: number): number => ((b[i] ?? 0) << 24) | ((b[i + 1] ?? 0) << 16) | ((b[i + 2] ?? 0) << 8) | (b[i + 3] ?? 0);
    return Int32Array.of(word(0), word(4), word(8), word(12));
  } catch {
    return null;
  }
}

function maskWord(prefix: number, index: number): number {
  const bits = Math.max(0, Math.min(32, prefix - index * 32));
  return bits === 0 ? 0 : -1 << (32 - bits);
}

export function toAddrCidr(cidr: RuleCidr): AddrCidr | null {
  if (cidr.family !== 6) return null;
  const address = parseAddr(cidr.address);
  if (address === null) return null;
  const mask = Int32Array.of(maskWord(cidr.prefix, 0), maskWord(cidr.prefix, 1), maskWord(cidr.prefix, 2), maskWord(cidr.prefix, 3));
  const network = address.map((word, i) => word & (mask[i] as number));
  return { network, mask, prefix: cidr.prefix };
}

export function inCidr(a: Addr, c: AddrCidr): boolean {
  const m = c.mask;
  const n = c.network;
  return (
    ((a[0] as number) & (m[0] as number)) === n[0] &&
    ((a[1] as number) & (m[1] as number)) === n[1] &&
    ((a[2] as number) & (m[2] as number)) === n[2] &&
    ((a[3] as number) & (m[3] as number)) === n[3]
  );
}

export const sameAddr = (a: Addr, b: Addr): boolean => a[0] === b[0] && a[1] === b[1] && a[2] === b[2] && a[3] === b[3];

/** addrKey of an address written as text, without building the address (a chain index keys thousands); null when not IPv6. */
export function addrKeyOfText(text: string): string | null {
  if (plainGroups(text)) {
    const [g0, g1, g2, g3, g4, g5, g6, g7] = full as [number, number, number, number, number, number, number, number];
    return String.fromCharCode(g0, g1, g2, g3, g4, g5, g6, g7);
  }
  const address = parseAddr(text);
  return address === null ? null : addrKey(address);
}

/** A Set key for an address: its eight 16-bit groups as eight UTF-16 code units (no number formatting). */
export const addrKey = (a: Addr): string => {
  const w0 = a[0] as number;
  const w1 = a[1] as number;
  const w2 = a[2] as number;
  const w3 = a[3] as number;
  return String.fromCharCode(w0 >>> 16, w0 & 0xffff, w1 >>> 16, w1 & 0xffff, w2 >>> 16, w2 & 0xffff, w3 >>> 16, w3 & 0xffff);
};

export const isMulticast = (a: Addr): boolean => (a[0] as number) >>> 24 === 0xff;

export const isUnspecified = (a: Addr): boolean => a[0] === 0 && a[1] === 0 && a[2] === 0 && a[3] === 0;

/** RFC 5952 text (what ipaddr.js's toString gives): lower case, the longest run of two or more zero groups as "::". */
export function formatAddr(a: Addr): string {
  const groups: number[] = [];
  for (let i = 0; i < 4; i++) groups.push(((a[i] as number) >>> 16) & 0xffff, (a[i] as number) & 0xffff);
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (gs: number[]): string => gs.map((g) => g.toString(16)).join(':');
  if (bestStart === -1) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLength))}`;
}
