import { addrKey, inCidr, isMulticast, isUnspecified, parseAddr, toAddrCidr, type Addr } from './address.js';
import type { AddrType, PortRange, RuleMatch, SaveRule } from './ruleset.js';

/** The packet being followed: the first packet of a NEW inbound connection. */
export interface Packet {
  /** null: an arbitrary internet address, inside no prefix a rule names. */
  src: Addr | null;
  dst: Addr;
  dstText: string;
  /** null: an ephemeral port no rule names. */
  sport: number | null;
  dport: number;
  proto: 'tcp' | 'udp';
  inIface: string;
  /** null before the routing decision and for local delivery. */
  outIface: string | null;
  origDst: Addr;
  origDport: number;
  /** Conntrack states: NEW, plus DNAT once rewritten; UNTRACKED after NOTRACK. */
  states: readonly string[];
  /** A REDIRECT sent it to the host itself. */
  redirected: boolean;
  /** The packet mark, once an nftables rule set one (absent: 0). */
  mark?: number;
}

/** What the packet's environment says about addresses (for addrtype). */
export interface AddressFacts {
  isLocal(address: Addr): boolean;
}

export type CheckKind = 'src' | 'other';

export interface Check {
  kind: CheckKind;
  /** null: cannot tell for this packet (e.g. a source-port condition when the client's port is not known). */
  test(pkt: Packet, facts: AddressFacts): boolean | null;
  /** The condition, described (describeMatch) only when a message needs it. */
  match: RuleMatch;
}

export interface CompiledRule {
  rule: SaveRule;
  checks: Check[];
  /** Texts of the conditions v6wall cannot evaluate. */
  unknowns: string[];
  /** The exact destination ports the rule demands (a short list), for chain-index.ts; null when any port may do. */
  requiredPorts: number[] | null;
  /** The one destination address (/128) the rule demands, as an addrKey; null otherwise. */
  requiredDestination: string | null;
}

const inRanges = (port: number, ranges: readonly PortRange[]): boolean => ranges.some((r) => port >= r.from && port <= r.to);

/** "br-+" matches every name starting with "br-"; anything else matches exactly. */
function ifaceMatcher(pattern: string): (name: string | null) => boolean {
  if (!pattern.endsWith('+')) return (name) => name === pattern;
  const prefix = pattern.slice(0, -1);
  return (name) => name !== null && name.startsWith(prefix);
}

function protoMatches(proto: string, pkt: Packet): boolean {
  if (proto === 'all' || proto === '0') return true;
  if (pkt.proto === 'tcp') return proto === 'tcp' || proto === '6';
  return proto === 'udp' || proto === '17';
}

function addrTypeMatches(types: readonly AddrType[], address: Addr | null, facts: AddressFacts): boolean {
  // An arbitrary internet source is a plain unicast address.
  if (address === null) return types.includes('UNICAST');
  return types.some((t) => {
    switch (t) {
      case 'LOCAL':
        return facts.isLocal(address);
      case 'MULTICAST':
        return isMulticast(address);
      case 'UNICAST':
        return !isMulticast(address) && !isUnspecified(address);
      case 'UNSPEC':
        return isUnspecified(address);
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

function compileMatch(m: RuleMatch): Omit<Check, 'match'> | string {
  switch (m.kind) {
    case 'iface': {
      const matches = ifaceMatcher(m.name);
      const test: Test = m.dir === 'in' ? (pkt) => matches(pkt.inIface) : (pkt) => matches(pkt.outIface);
      return { kind: 'other', test: negate(m.negated, test) };
    }
    case 'addr': {
      const cidr = toAddrCidr(m.cidr);
      if (cidr === null) return { kind: 'other', test: () => m.negated }; // an IPv4 network never holds an IPv6 packet
      if (m.dir === 'dst') return { kind: 'other', test: negate(m.negated, (pkt) => inCidr(pkt.dst, cidr)) };
      return {
        kind: 'src',
        test: negate(m.negated, (pkt) => (pkt.src === null ? cidr.prefix === 0 : inCidr(pkt.src, cidr))),
      };
    }
    case 'proto':
      return { kind: 'other', test: negate(m.negated, (pkt) => protoMatches(m.proto, pkt)) };
    case 'port': {
      const { ranges } = m;
      const sportIn = (pkt: Packet): boolean | null => (pkt.sport === null ? null : inRanges(pkt.sport, ranges));
      const test: Test =
        m.dir === 'dst' ? (pkt) => inRanges(pkt.dport, ranges) : m.dir === 'src' ? sportIn : (pkt) => inRanges(pkt.dport, ranges) || sportIn(pkt);
      return { kind: 'other', test: negate(m.negated, test) };
    }
    case 'state': {
      const wanted = new Set(m.states);
      const test: Test = (pkt) => {
        for (const state of pkt.states) if (wanted.has(state)) return true;
        return false;
      };
      return { kind: 'other', test: negate(m.negated, test) };
    }
    case 'ctorigdstport': {
      const { from, to } = m.range;
      return { kind: 'other', test: negate(m.negated, (pkt) => pkt.origDport >= from && pkt.origDport <= to) };
    }
    case 'ctorigdst': {
      const cidr = toAddrCidr(m.cidr);
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

export function describeMatch(m: RuleMatch): string {
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

/** Cheap, selective conditions first: all must hold, so the order changes speed, not the answer. */
const CHECK_ORDER: Record<RuleMatch['kind'], number> = {
  proto: 0,
  port: 1,
  ctorigdstport: 1,
  iface: 2,
  addr: 3,
  ctorigdst: 3,
  state: 4,
  syn: 4,
  addrtype: 5,
  'recent-check': 0,
  'routing-header': 0,
  unknown: 9,
};

const MAX_INDEXED_PORTS = 16;

function requiredPortsOf(matches: readonly RuleMatch[]): number[] | null {
  for (const m of matches) {
    if (m.kind !== 'port' || m.dir !== 'dst' || m.negated) continue;
    if (m.ranges.length > MAX_INDEXED_PORTS || m.ranges.some((r) => r.from !== r.to)) return null;
    return m.ranges.map((r) => r.from);
  }
  return null;
}

function requiredDestinationOf(matches: readonly RuleMatch[]): string | null {
  for (const m of matches) {
    if (m.kind !== 'addr' || m.dir !== 'dst' || m.negated || m.cidr.prefix !== 128 || m.cidr.family !== 6) continue;
    const address = parseAddr(m.cidr.address);
    return address === null ? null : addrKey(address);
  }
  return null;
}

export function compileRule(rule: SaveRule): CompiledRule {
  const checks: Check[] = [];
  const unknowns: string[] = [];
  const ordered = [...rule.matches].sort((a, b) => CHECK_ORDER[a.kind] - CHECK_ORDER[b.kind]);
  for (const m of ordered) {
    const compiled = compileMatch(m);
    if (typeof compiled === 'string') unknowns.push(compiled);
    else checks.push({ kind: compiled.kind, test: compiled.test, match: m });
  }
  return {
    rule,
    checks,
    unknowns,
    requiredPorts: requiredPortsOf(rule.matches),
    requiredDestination: requiredDestinationOf(rule.matches),
  };
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
      (undecided ??= []).push(describeMatch(check.match));
      continue;
    }
    if (check.kind !== 'src' || pkt.src !== null) return 'no';
    sourceFailed = true;
  }
  if (sourceFailed) return 'only-source-differs';
  if (undecided !== null || rule.unknowns.length > 0) return [...rule.unknowns, ...(undecided ?? [])];
  return 'yes';
}
