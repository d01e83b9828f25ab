import ipaddr from 'ipaddr.js';
import type { AddrType, PortRange, RuleCidr, RuleMatch, SaveRule } from './ruleset.js';

/** The packet being followed: the first packet of a NEW inbound connection. */
export interface Packet {
  /** null: an arbitrary internet address, inside no prefix a rule names. */
  src: bigint | null;
  dst: bigint;
  dstText: string;
  /** null: an ephemeral port no rule names. */
  sport: number | null;
  dport: number;
  proto: 'tcp' | 'udp';
  inIface: string;
  /** null before the routing decision and for local delivery. */
  outIface: string | null;
  origDst: bigint;
  origDport: number;
  /** Conntrack states: NEW, plus DNAT once rewritten; UNTRACKED after NOTRACK. */
  states: readonly string[];
  /** A REDIRECT sent it to the host itself. */
  redirected: boolean;
}

/** What the packet's environment says about addresses (for addrtype). */
export interface AddressFacts {
  isLocal(address: bigint): boolean;
}

export type CheckKind = 'src' | 'other';

export interface Check {
  kind: CheckKind;
  /** null: cannot tell for this packet (e.g. a source-port condition when the client's port is not known). */
  test(pkt: Packet, facts: AddressFacts): boolean | null;
  /** The condition as written, for "cannot evaluate" messages. */
  text: string;
}

export interface CompiledRule {
  rule: SaveRule;
  checks: Check[];
  /** Texts of the conditions v6wall cannot evaluate. */
  unknowns: string[];
}

export function addressToBigInt(address: string): bigint | null {
  try {
    const parsed = ipaddr.parse(address);
    if (parsed.kind() !== 'ipv6') return null;
    let value = 0n;
    for (const byte of parsed.toByteArray()) value = (value << 8n) | BigInt(byte);
    return value;
  } catch {
    return null;
  }
}

const ALL_ONES = (1n << 128n) - 1n;

export interface BigCidr {
  network: bigint;
  mask: bigint;
}

export function cidrToBig(cidr: RuleCidr): BigCidr | null {
  if (cidr.family !== 6) return null;
  const address = addressToBigInt(cidr.address);
  if (address === null) return null;
  const mask = cidr.prefix === 0 ? 0n : (ALL_ONES << BigInt(128 - cidr.prefix)) & ALL_ONES;
  return { network: address & mask, mask };
}

export const inCidr = (address: bigint, cidr: BigCidr): boolean => (address & cidr.mask) === cidr.network;

const inRanges = (port: number, ranges: readonly PortRange[]): boolean =>
  ranges.some((r) => port >= r.from && port <= r.to);

export function ifaceMatches(pattern: string, name: string | null): boolean {
  if (name === null) return false;
  return pattern.endsWith('+') ? name.startsWith(pattern.slice(0, -1)) : name === pattern;
}

function protoMatches(proto: string, pkt: Packet): boolean {
  if (proto === 'all' || proto === '0') return true;
  if (pkt.proto === 'tcp') return proto === 'tcp' || proto === '6';
  return proto === 'udp' || proto === '17';
}

const isMulticast = (address: bigint): boolean => address >> 120n === 0xffn;

function addrTypeMatches(types: readonly AddrType[], address: bigint | null, facts: AddressFacts): boolean {
  // An arbitrary internet source is a plain unicast address.
  if (address === null) return types.includes('UNICAST');
  return types.some((t) => {
    switch (t) {
      case 'LOCAL':
        return facts.isLocal(address);
      case 'MULTICAST':
        return isMulticast(address);
      case 'UNICAST':
        return !isMulticast(address) && address !== 0n;
      case 'UNSPEC':
        return address === 0n;
      default:
        // IPv6 has no broadcast; anycast/blackhole/unreachable routes are not modelled.
        return false;
    }
  });
}

type Test = (pkt: Packet, facts: AddressFacts) => boolean | null;

const negate = (negated: boolean, test: Test): Test =>
  negated
    ? (pkt, facts) => {
        const r = test(pkt, facts);
        return r === null ? null : !r;
      }
    : test;

function compileMatch(m: RuleMatch): Omit<Check, 'text'> | string {
  switch (m.kind) {
    case 'iface':
      return {
        kind: 'other',
        test: negate(m.negated, (pkt) => ifaceMatches(m.name, m.dir === 'in' ? pkt.inIface : pkt.outIface)),
      };
    case 'addr': {
      const cidr = cidrToBig(m.cidr);
      if (cidr === null) return { kind: 'other', test: () => m.negated }; // an IPv4 network never holds an IPv6 packet
      if (m.dir === 'dst') return { kind: 'other', test: negate(m.negated, (pkt) => inCidr(pkt.dst, cidr)) };
      return {
        kind: 'src',
        test: negate(m.negated, (pkt) => (pkt.src === null ? cidr.mask === 0n : inCidr(pkt.src, cidr))),
      };
    }
    case 'proto':
      return { kind: 'other', test: negate(m.negated, (pkt) => protoMatches(m.proto, pkt)) };
    case 'port': {
      const { ranges } = m;
      const sportIn = (pkt: Packet): boolean | null => (pkt.sport === null ? null : inRanges(pkt.sport, ranges));
      const test: Test =
        m.dir === 'dst'
          ? (pkt) => inRanges(pkt.dport, ranges)
          : m.dir === 'src'
            ? sportIn
            : (pkt) => inRanges(pkt.dport, ranges) || sportIn(pkt);
      return { kind: 'other', test: negate(m.negated, test) };
    }
    case 'state': {
      const wanted = new Set(m.states);
      return { kind: 'other', test: negate(m.negated, (pkt) => pkt.states.some((s) => wanted.has(s))) };
    }
    case 'ctorigdstport':
      return { kind: 'other', test: negate(m.negated, (pkt) => inRanges(pkt.origDport, [m.range])) };
    case 'ctorigdst': {
      const cidr = cidrToBig(m.cidr);
      if (cidr === null) return { kind: 'other', test: () => m.negated };
      return { kind: 'other', test: negate(m.negated, (pkt) => inCidr(pkt.origDst, cidr)) };
    }
    case 'addrtype':
      return {
        kind: m.dir === 'src' ? 'src' : 'other',
        test: negate(m.negated, (pkt, facts) => addrTypeMatches(m.types, m.dir === 'src' ? pkt.src : pkt.dst, facts)),
      };
    case 'syn':
      return { kind: 'other', test: negate(m.negated, (pkt) => pkt.proto === 'tcp') };
    case 'recent-check':
    case 'routing-header':
      return { kind: 'other', test: () => false };
    case 'unknown':
      return m.text;
  }
}

const ports = (ranges: readonly PortRange[]): string => ranges.map((r) => (r.from === r.to ? `${r.from}` : `${r.from}:${r.to}`)).join(',');

function describeMatch(m: RuleMatch): string {
  const bang = 'negated' in m && m.negated ? '! ' : '';
  switch (m.kind) {
    case 'iface':
      return `${bang}-${m.dir === 'in' ? 'i' : 'o'} ${m.name}`;
    case 'addr':
      return `${bang}-${m.dir === 'src' ? 's' : 'd'} ${m.cidr.address}/${m.cidr.prefix}`;
    case 'proto':
      return `${bang}-p ${m.proto}`;
    case 'port':
      return `${bang}--${m.dir === 'src' ? 's' : m.dir === 'dst' ? 'd' : ''}port${m.ranges.length > 1 ? 's' : ''} ${ports(m.ranges)}`;
    case 'state':
      return `${bang}--ctstate ${m.states.join(',')}`;
    case 'ctorigdstport':
      return `${bang}--ctorigdstport ${ports([m.range])}`;
    case 'ctorigdst':
      return `${bang}--ctorigdst ${m.cidr.address}/${m.cidr.prefix}`;
    case 'addrtype':
      return `${bang}--${m.dir}-type ${m.types.join(',')}`;
    case 'syn':
      return `${bang}--syn`;
    case 'recent-check':
      return '-m recent --update/--rcheck';
    case 'routing-header':
      return '-m rt';
    case 'unknown':
      return m.text;
  }
}

export function compileRule(rule: SaveRule): CompiledRule {
  const checks: Check[] = [];
  const unknowns: string[] = [];
  for (const m of rule.matches) {
    const compiled = compileMatch(m);
    if (typeof compiled === 'string') unknowns.push(compiled);
    else checks.push({ ...compiled, text: describeMatch(m) });
  }
  return { rule, checks, unknowns };
}

/** 'yes', 'no', 'only-source-differs', or the conditions v6wall could not evaluate for this packet. */
export type MatchResult = 'yes' | 'no' | 'only-source-differs' | string[];

/** Known conditions first: a rule that fails one of them does not match, whatever its unknown parts say. */
export function matchRule(rule: CompiledRule, pkt: Packet, facts: AddressFacts): MatchResult {
  let sourceFailed = false;
  let undecided: string[] | null = null;
  for (const check of rule.checks) {
    const r = check.test(pkt, facts);
    if (r === true) continue;
    if (r === null) {
      (undecided ??= []).push(check.text);
      continue;
    }
    if (check.kind !== 'src' || pkt.src !== null) return 'no';
    sourceFailed = true;
  }
  if (sourceFailed) return 'only-source-differs';
  if (undecided !== null || rule.unknowns.length > 0) return [...rule.unknowns, ...(undecided ?? [])];
  return 'yes';
}
