// An nftables rule compiled into steps the walk runs against the first packet of a NEW
// inbound IPv6 TCP/UDP connection (the Packet of the iptables analysis). Each condition
// answers yes, no or unknown; "no" also covers nftables' own "break" (a selector that does
// not apply, such as `tcp dport` on a UDP packet or `ip saddr` on an IPv6 one), which ends
// the rule whatever the operator (`tcp dport != 22` does not match a UDP packet).
import { addrKeyOfText, inCidr, isMulticast, parseAddr, sameAddr, toAddrCidr, type Addr, type AddrCidr } from '../iptables/address.js';
import type { IndexableRule } from '../iptables/chain-index.js';
import type { AddressFacts, Packet } from '../iptables/compile-rule.js';
import { describeStatement } from './describe.js';
import { ListedRule } from './parse-json.js';
import type { NftRule, NftSelector, NftSet, NftStatement, NftValue, NftVerdict } from './ruleset.js';

export const NO = 0;
export const YES = 1;
export const UNKNOWN = 2;
export type Tri = typeof NO | typeof YES | typeof UNKNOWN;

export interface NftEnv {
  facts: AddressFacts;
  /** false at ingress, before conntrack: `ct state` reads "invalid", other ct keys match nothing. */
  conntrack: boolean;
  /** Bridge-family hooks see bridge ports (vethXXX), whose names v6wall does not know. */
  portsUnknown: boolean;
}

/** A value read from the packet. */
type Val =
  | { t: 'addr'; a: Addr }
  /** The arbitrary internet source: inside no prefix a rule names, except ::/0. */
  | { t: 'anyaddr' }
  | { t: 'num'; n: number }
  | { t: 'str'; s: string }
  | { t: 'sym'; s: string }
  | { t: 'bool'; b: boolean }
  | { t: 'tuple'; parts: Val[] };

const BREAK = 'break' as const;
const CANNOT = 'unknown' as const;
type Read = Val | typeof BREAK | typeof CANNOT;

/** How constants compared with a selector are read. */
type ValueType = 'addr' | 'num' | 'proto' | 'port' | 'ifname' | 'sym' | 'bool' | 'ctstate' | 'ctstatus' | 'tcpflags' | { tuple: ValueType[] };

interface Reader {
  read(pkt: Packet, env: NftEnv): Read;
  type: ValueType;
  /** Reads the packet's source address (for "accepts only some sources" notes). */
  source: boolean;
}

// ---------- constants ----------

const PROTOCOLS: Record<string, number> = {
  hopopt: 0,
  icmp: 1,
  igmp: 2,
  tcp: 6,
  udp: 17,
  'ipv6-route': 43,
  'ipv6-frag': 44,
  gre: 47,
  esp: 50,
  ah: 51,
  'ipv6-icmp': 58,
  icmpv6: 58,
  'ipv6-nonxt': 59,
  'ipv6-opts': 60,
  sctp: 132,
  udplite: 136,
  dccp: 33,
  comp: 108,
};
const SERVICES: Record<string, number> = { ssh: 22, http: 80, https: 443, domain: 53, smtp: 25, ntp: 123 };
const CT_STATE: Record<string, number> = { invalid: 1, established: 2, related: 4, new: 8, untracked: 64 };
const CT_STATUS: Record<string, number> = { expected: 1, 'seen-reply': 2, assured: 4, confirmed: 8, snat: 16, dnat: 32, dying: 512 };
const TCP_FLAGS: Record<string, number> = { fin: 1, syn: 2, rst: 4, psh: 8, ack: 16, urg: 32, ecn: 64, cwr: 128 };
const FLAG_TABLES: Partial<Record<string, Record<string, number>>> = { ctstate: CT_STATE, ctstatus: CT_STATUS, tcpflags: TCP_FLAGS };
/** Symbolic values that have numeric forms in nft's output. */
const SYMBOL_NUMBERS: Record<string, number> = { ipv6: 10, ip6: 0x86dd, host: 0, original: 0 };

function literalNumber(value: string | number | boolean, type: ValueType): number | null {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return null;
  if (/^0x[0-9a-f]+$/i.test(value)) return Number.parseInt(value, 16);
  if (/^\d+$/.test(value)) return Number(value);
  if (type === 'proto') return PROTOCOLS[value] ?? null;
  if (type === 'port') return SERVICES[value] ?? null;
  const flags = typeof type === 'string' ? FLAG_TABLES[type] : undefined;
  return flags?.[value] ?? null;
}

function flagBits(v: NftValue, type: ValueType): number | null {
  if (v.kind === 'literal') return literalNumber(v.value, type);
  if (v.kind !== 'list') return null;
  let bits = 0;
  for (const item of v.items) {
    const b = flagBits(item, type);
    if (b === null) return null;
    bits |= b;
  }
  return bits;
}

/** "eth*" matches every name starting with "eth"; "\*" is a literal star. */
function ifnameMatcher(pattern: string): (name: string) => boolean {
  if (pattern.endsWith('*') && !pattern.endsWith('\\*')) {
    const prefix = pattern.slice(0, -1);
    return (name) => name.startsWith(prefix);
  }
  const exact = pattern.replace(/\\\*/g, '*');
  return (name) => name === exact;
}

function compareAddr(a: Addr, b: Addr): number {
  for (let i = 0; i < 4; i++) {
    const x = (a[i] as number) >>> 0;
    const y = (b[i] as number) >>> 0;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

type Matcher = (v: Val) => Tri;
const never: Matcher = () => NO;
const cannot: Matcher = () => UNKNOWN;

export interface SetLookup {
  set(name: string): NftSet | undefined;
  /** Sets that rules fill as packets pass: what they hold for this packet is not in the listing. */
  filledByRules(name: string): boolean;
}

function anyOf(matchers: Matcher[]): Matcher {
  return (v) => {
    let unknown = false;
    for (const m of matchers) {
      const r = m(v);
      if (r === YES) return YES;
      if (r === UNKNOWN) unknown = true;
    }
    return unknown ? UNKNOWN : NO;
  };
}

/** Whether the packet's value is (in) the constant. */
function membership(c: NftValue, type: ValueType, sets: SetLookup, depth = 0): Matcher {
  if (depth > 8) return cannot;
  switch (c.kind) {
    case 'unsupported':
      return cannot;
    case 'set':
    case 'list':
      return anyOf(c.items.map((i) => membership(i, type, sets, depth + 1)));
    case 'ref': {
      const set = sets.set(c.name);
      if (set === undefined || set.map !== null || sets.filledByRules(c.name)) return cannot;
      return anyOf(set.elements.map((e) => membership(e, type, sets, depth + 1)));
    }
    case 'concat': {
      if (typeof type === 'string' || type.tuple.length !== c.parts.length) return cannot;
      const parts = c.parts.map((p, i) => membership(p, type.tuple[i] as ValueType, sets, depth + 1));
      return (v) => {
        if (v.t !== 'tuple' || v.parts.length !== parts.length) return UNKNOWN;
        let result: Tri = YES;
        for (let i = 0; i < parts.length; i++) {
          const r = (parts[i] as Matcher)(v.parts[i] as Val);
          if (r === NO) return NO;
          if (r === UNKNOWN) result = UNKNOWN;
        }
        return result;
      };
    }
    case 'prefix': {
      const address = parseAddr(c.addr);
      const cidr = address === null ? null : toAddrCidr({ family: 6, address: c.addr, prefix: c.len });
      if (type !== 'addr' || cidr === null) return type === 'addr' && c.addr.includes('.') ? never : cannot;
      return (v) => (v.t === 'anyaddr' ? (cidr.prefix === 0 ? YES : NO) : v.t === 'addr' ? (inCidr(v.a, cidr) ? YES : NO) : UNKNOWN);
    }
    case 'range': {
      if (c.from.kind !== 'literal' || c.to.kind !== 'literal') return cannot;
      if (type === 'addr') {
        const from = typeof c.from.value === 'string' ? parseAddr(c.from.value) : null;
        const to = typeof c.to.value === 'string' ? parseAddr(c.to.value) : null;
        if (from === null || to === null) return cannot;
        return (v) => (v.t === 'anyaddr' ? NO : v.t === 'addr' ? (compareAddr(v.a, from) >= 0 && compareAddr(v.a, to) <= 0 ? YES : NO) : UNKNOWN);
      }
      const from = literalNumber(c.from.value, type);
      const to = literalNumber(c.to.value, type);
      if (from === null || to === null) return cannot;
      return (v) => (v.t === 'num' ? (v.n >= from && v.n <= to ? YES : NO) : UNKNOWN);
    }
    case 'literal':
      return literalMatcher(c.value, type);
  }
}

function literalMatcher(value: string | number | boolean, type: ValueType): Matcher {
  if (typeof type !== 'string') return cannot;
  switch (type) {
    case 'addr': {
      if (typeof value !== 'string') return cannot;
      const address = parseAddr(value);
      // An IPv4 constant never equals an IPv6 address.
      if (address === null) return value.includes('.') ? never : cannot;
      return (v) => (v.t === 'anyaddr' ? NO : v.t === 'addr' ? (sameAddr(v.a, address) ? YES : NO) : UNKNOWN);
    }
    case 'ifname': {
      if (typeof value !== 'string') return cannot;
      const matches = ifnameMatcher(value);
      return (v) => (v.t === 'str' ? (matches(v.s) ? YES : NO) : UNKNOWN);
    }
    case 'sym': {
      const n = typeof value === 'number' ? value : null;
      const s = typeof value === 'string' ? value.toLowerCase() : null;
      return (v) => {
        if (v.t !== 'sym') return UNKNOWN;
        if (s !== null) return v.s === s ? YES : NO;
        const known = SYMBOL_NUMBERS[v.s];
        return known === undefined || n === null ? UNKNOWN : known === n ? YES : NO;
      };
    }
    case 'bool':
      return (v) => (v.t === 'bool' && typeof value === 'boolean' ? (v.b === value ? YES : NO) : UNKNOWN);
    default: {
      const n = literalNumber(value, type);
      if (n === null) return cannot;
      return (v) => (v.t === 'num' ? (v.n === n ? YES : NO) : UNKNOWN);
    }
  }
}

// ---------- selectors ----------

const num = (n: number): Val => ({ t: 'num', n });
const sym = (s: string): Val => ({ t: 'sym', s });
const reader = (type: ValueType, read: Reader['read'], source = false): Reader => ({ type, read, source });
const unknownReader: Reader = reader('num', () => CANNOT);

const PROTO_NUMBER = { tcp: 6, udp: 17 } as const;
/** Headers whose `dport` is the packet's destination port. */
const DPORT_HEADERS = new Set(['tcp', 'udp', 'th']);
/** Protocols whose header an IPv6 TCP/UDP packet does not have: selectors on them never apply. */
const ABSENT_HEADERS = new Set([
  'ip',
  'icmp',
  'icmpv6',
  'igmp',
  'sctp',
  'dccp',
  'udplite',
  'esp',
  'ah',
  'comp',
  'gre',
  'arp',
  'vlan',
  'gretap',
  'vxlan',
  'geneve',
]);

function payloadReader(protocol: string, name: string): Reader {
  if (ABSENT_HEADERS.has(protocol)) return reader('num', () => BREAK);
  if (protocol === 'ip6') {
    if (name === 'saddr') return reader('addr', (pkt) => (pkt.src === null ? { t: 'anyaddr' } : { t: 'addr', a: pkt.src }), true);
    if (name === 'daddr') return reader('addr', (pkt) => ({ t: 'addr', a: pkt.dst }));
    if (name === 'nexthdr') return reader('proto', (pkt) => num(PROTO_NUMBER[pkt.proto]));
    if (name === 'version') return reader('num', () => num(6));
    return unknownReader;
  }
  if (protocol === 'tcp' || protocol === 'udp' || protocol === 'th') {
    const applies = (pkt: Packet) => protocol === 'th' || pkt.proto === protocol;
    if (name === 'dport') return reader('port', (pkt) => (applies(pkt) ? num(pkt.dport) : BREAK));
    if (name === 'sport') return reader('port', (pkt) => (!applies(pkt) ? BREAK : pkt.sport === null ? CANNOT : num(pkt.sport)));
    // The first packet of a new TCP connection carries SYN alone.
    if (protocol === 'tcp' && name === 'flags') return reader('tcpflags', (pkt) => (pkt.proto === 'tcp' ? num(TCP_FLAGS.syn as number) : BREAK));
    return reader('num', (pkt) => (applies(pkt) ? CANNOT : BREAK));
  }
  if (protocol === 'ether' && name === 'type') return reader('sym', () => sym('ip6'));
  return unknownReader;
}

function metaReader(key: string): Reader {
  const iface = (which: 'in' | 'out'): Reader =>
    reader('ifname', (pkt, env) => (env.portsUnknown ? CANNOT : { t: 'str', s: (which === 'in' ? pkt.inIface : pkt.outIface) ?? '' }));
  switch (key) {
    case 'iifname':
    case 'iif':
      return iface('in');
    case 'oifname':
    case 'oif':
      return iface('out');
    case 'l4proto':
      return reader('proto', (pkt) => num(PROTO_NUMBER[pkt.proto]));
    case 'nfproto':
      return reader('sym', () => sym('ipv6'));
    case 'protocol':
      return reader('sym', () => sym('ip6'));
    case 'pkttype':
      return reader('sym', () => sym('host'));
    case 'mark':
      return reader('num', (pkt) => num(pkt.mark ?? 0));
    default:
      return unknownReader;
  }
}

function ctReader(key: string, dir: string | null): Reader {
  const tracked =
    (read: Reader['read']): Reader['read'] =>
    (pkt, env) =>
      !env.conntrack || pkt.states.includes('UNTRACKED') ? BREAK : read(pkt, env);
  if (key === 'state') {
    return reader('ctstate', (pkt, env) =>
      num(!env.conntrack ? (CT_STATE.invalid as number) : pkt.states.includes('UNTRACKED') ? (CT_STATE.untracked as number) : (CT_STATE.new as number)),
    );
  }
  if (key === 'status') {
    return reader(
      'ctstatus',
      tracked((pkt) => num((pkt.states.includes('DNAT') ? (CT_STATUS.dnat as number) : 0) | (pkt.states.includes('SNAT') ? (CT_STATUS.snat as number) : 0))),
    );
  }
  if (key === 'direction')
    return reader(
      'sym',
      tracked(() => sym('original')),
    );
  if (key === 'l3proto')
    return reader(
      'sym',
      tracked(() => sym('ipv6')),
    );
  if (key === 'protocol')
    return reader(
      'proto',
      tracked((pkt) => num(PROTO_NUMBER[pkt.proto])),
    );
  if (dir !== 'original') return unknownReader;
  if (key === 'ip6 daddr' || key === 'daddr')
    return reader(
      'addr',
      tracked((pkt) => ({ t: 'addr', a: pkt.origDst })),
    );
  if (key === 'ip6 saddr' || key === 'saddr')
    return reader(
      'addr',
      tracked((pkt) => (pkt.src === null ? { t: 'anyaddr' } : { t: 'addr', a: pkt.src })),
      true,
    );
  if (key === 'proto-dst')
    return reader(
      'port',
      tracked((pkt) => num(pkt.origDport)),
    );
  if (key === 'ip daddr' || key === 'ip saddr') return reader('addr', () => BREAK);
  return unknownReader;
}

function fibReader(result: string, flags: readonly string[]): Reader {
  const on = new Set(flags.filter((f) => f !== 'mark'));
  if (result === 'type' && on.size === 1 && on.has('daddr')) {
    return reader('sym', (pkt, env) => sym(env.facts.isLocal(pkt.dst) ? 'local' : isMulticast(pkt.dst) ? 'multicast' : 'unicast'));
  }
  // Reverse-path checks (`fib saddr . iif oif missing drop`): traffic from the internet arrives on
  // the public interface, which carries the default route back to any internet source.
  if ((result === 'oif' || result === 'oifname') && on.has('saddr') && on.has('iif') && on.size === 2) {
    return reader('bool', (pkt) => (pkt.src === null ? { t: 'bool', b: true } : CANNOT));
  }
  return unknownReader;
}

export function selectorReader(s: NftSelector, depth = 0): Reader {
  if (depth > 8) return unknownReader;
  switch (s.kind) {
    case 'payload':
      return payloadReader(s.protocol, s.field);
    case 'meta':
      return metaReader(s.key);
    case 'ct':
      return ctReader(s.key, s.dir);
    case 'fib':
      return fibReader(s.result, s.flags);
    case 'exthdr':
      // A plain TCP/UDP packet carries no extension headers: "exists" is false, a field never matches.
      return s.field === null ? reader('bool', () => ({ t: 'bool', b: false })) : reader('num', () => BREAK);
    case 'concat': {
      const parts = s.parts.map((p) => selectorReader(p, depth + 1));
      return reader(
        { tuple: parts.map((p) => p.type) },
        (pkt, env) => {
          const values: Val[] = [];
          for (const p of parts) {
            const v = p.read(pkt, env);
            if (v === BREAK || v === CANNOT) return v;
            values.push(v);
          }
          return { t: 'tuple', parts: values };
        },
        parts.some((p) => p.source),
      );
    }
    case 'masked': {
      const inner = selectorReader(s.selector, depth + 1);
      const mask = flagBits(s.mask, inner.type);
      if (mask === null) return unknownReader;
      return reader(inner.type, (pkt, env) => {
        const v = inner.read(pkt, env);
        if (v === BREAK || v === CANNOT) return v;
        return v.t === 'num' ? num(v.n & mask) : CANNOT;
      });
    }
    case 'unsupported':
      return unknownReader;
  }
}

// ---------- conditions ----------

const isFlagType = (type: ValueType): boolean => type === 'ctstate' || type === 'ctstatus' || type === 'tcpflags';

export type Test = (pkt: Packet, env: NftEnv) => Tri;

/** A match statement as a test (unknown where v6wall does not model the selector or operator). */
/** Ranges of literal numbers: `80`, `{ 80, 443 }`, `8000-8100`; null for anything else. */
function numberRanges(v: NftValue): [number, number][] | null {
  if (v.kind === 'literal') return typeof v.value === 'number' ? [[v.value, v.value]] : null;
  if (v.kind === 'range')
    return v.from.kind === 'literal' && v.to.kind === 'literal' && typeof v.from.value === 'number' && typeof v.to.value === 'number'
      ? [[v.from.value, v.to.value]]
      : null;
  if (v.kind !== 'set' && v.kind !== 'list') return null;
  const out: [number, number][] = [];
  for (const item of v.items) {
    const r = numberRanges(item);
    if (r === null) return null;
    out.push(...r);
  }
  return out;
}

/** A literal IPv6 address or prefix, as a network; null for anything else. */
function addressNetwork(v: NftValue): AddrCidr | null {
  if (v.kind === 'literal' && typeof v.value === 'string') return cidrOf(v.value, 128);
  if (v.kind === 'prefix') return cidrOf(v.addr, v.len);
  return null;
}

/** Long rulesets repeat the same constants (Docker's `ip6 saddr != fe80::/10` in every DNAT rule). */
const cidrCache = new Map<string, AddrCidr | null>();
function cidrOf(address: string, prefix: number): AddrCidr | null {
  const key = `${address}/${prefix}`;
  let found = cidrCache.get(key);
  if (found === undefined) {
    if (cidrCache.size > 100_000) cidrCache.clear();
    found = toAddrCidr({ family: 6, address, prefix }); // null when it is not an IPv6 address
    cidrCache.set(key, found);
  }
  return found;
}

const IFNAME_KEYS = new Set(['iifname', 'oifname', 'iif', 'oif']);

const fromOp = (op: string, hit: boolean): Tri => (op === '!=' ? (hit ? NO : YES) : hit ? YES : NO);

/**
 * The conditions long rulesets are made of (ports, addresses, interface names), tested on the
 * packet directly: the same answers as the general path below, without reading values into objects.
 */
function directTest(op: string, left: NftSelector, right: NftValue): { test: Test; source: boolean } | null {
  if (op !== '==' && op !== 'in' && op !== '!=') return null;
  if (left.kind === 'payload' && left.field === 'dport' && DPORT_HEADERS.has(left.protocol)) {
    const ranges = numberRanges(right);
    if (ranges === null) return null;
    const proto = left.protocol;
    return {
      source: false,
      test: (pkt) => {
        if (proto !== 'th' && pkt.proto !== proto) return NO;
        const port = pkt.dport;
        let hit = false;
        for (let i = 0; i < ranges.length && !hit; i++) {
          const range = ranges[i] as [number, number];
          hit = port >= range[0] && port <= range[1];
        }
        return fromOp(op, hit);
      },
    };
  }
  if (left.kind === 'payload' && left.protocol === 'ip6' && (left.field === 'daddr' || left.field === 'saddr')) {
    const net = addressNetwork(right);
    if (net === null) return null;
    if (left.field === 'daddr') return { source: false, test: (pkt) => fromOp(op, inCidr(pkt.dst, net)) };
    return { source: true, test: (pkt) => fromOp(op, pkt.src === null ? net.prefix === 0 : inCidr(pkt.src, net)) };
  }
  if (left.kind === 'meta' && IFNAME_KEYS.has(left.key) && right.kind === 'literal' && typeof right.value === 'string') {
    const matches = ifnameMatcher(right.value);
    const inbound = left.key.startsWith('i');
    return { source: false, test: (pkt, env) => (env.portsUnknown ? UNKNOWN : fromOp(op, matches((inbound ? pkt.inIface : pkt.outIface) ?? ''))) };
  }
  return null;
}

/** `direct` false: every condition through the general path (the plain walk the fast one is held to). */
export function compileMatch(op: string, left: NftSelector, right: NftValue, sets: SetLookup, direct = true): { test: Test; source: boolean } {
  const fast = direct ? directTest(op, left, right) : null;
  if (fast !== null) return fast;
  const r = selectorReader(left);
  const wrap = (compare: (v: Val) => Tri): { test: Test; source: boolean } => ({
    source: r.source,
    test: (pkt, env) => {
      const v = r.read(pkt, env);
      if (v === BREAK) return NO;
      if (v === CANNOT) return UNKNOWN;
      return compare(v);
    },
  });
  const bits = isFlagType(r.type) && (right.kind === 'literal' || right.kind === 'list') ? flagBits(right, r.type) : null;
  if (bits !== null && left.kind !== 'masked') {
    const value = (v: Val): number | null => (v.t === 'num' ? v.n : null);
    switch (op) {
      case 'in':
        return wrap((v) => (value(v) === null ? UNKNOWN : ((value(v) as number) & bits) !== 0 ? YES : NO));
      case '==':
        return wrap((v) => (value(v) === null ? UNKNOWN : value(v) === bits ? YES : NO));
      case '!=':
        return wrap((v) => (value(v) === null ? UNKNOWN : ((value(v) as number) & bits) === 0 ? YES : NO));
    }
  }
  const member = membership(right, r.type, sets);
  switch (op) {
    case '==':
    case 'in':
      return wrap(member);
    case '!=':
      return wrap((v) => {
        const m = member(v);
        return m === UNKNOWN ? UNKNOWN : m === YES ? NO : YES;
      });
    case '<':
    case '>':
    case '<=':
    case '>=': {
      const bound = right.kind === 'literal' ? literalNumber(right.value, r.type) : null;
      if (bound === null) return wrap(() => UNKNOWN);
      const holds = (n: number): boolean => (op === '<' ? n < bound : op === '>' ? n > bound : op === '<=' ? n <= bound : n >= bound);
      return wrap((v) => (v.t === 'num' ? (holds(v.n) ? YES : NO) : UNKNOWN));
    }
    default:
      return wrap(() => UNKNOWN);
  }
}

// ---------- rules ----------

export type Step =
  /** `stmt` is rendered (describeStatement) only when a message needs it. */
  | { kind: 'test'; test: Test; source: boolean; stmt: NftStatement }
  | { kind: 'mark'; value: number }
  | { kind: 'notrack' }
  | { kind: 'verdict'; verdict: NftVerdict }
  | { kind: 'vmap'; lookup: (pkt: Packet, env: NftEnv) => NftVerdict | null | typeof CANNOT; stmt: NftStatement }
  | { kind: 'dnat'; addr: Addr | null; addrText: string | null; port: number | null }
  | { kind: 'redirect'; port: number | null }
  | { kind: 'snat' }
  /** May or may not match (limit, quota, an xt match): the walk considers both. */
  | { kind: 'uncertain'; text: string }
  | { kind: 'unsupported'; text: string };

export interface CompiledNftRule {
  rule: NftRule;
  /** The conditions before the first statement that acts: all must hold for anything else to run. */
  leading: Extract<Step, { kind: 'test' }>[];
  /** What runs after them, in order (further conditions included). */
  rest: Step[];
  /** The rule ends in an accept (for "accepts only some source addresses" notes). */
  accepts: boolean;
}

function compileVmap(stmt: Extract<NftStatement, { kind: 'vmap' }>, sets: SetLookup): Step {
  const r = selectorReader(stmt.key);
  let entries = stmt.map.kind === 'inline' ? stmt.map.entries : (sets.set(stmt.map.name)?.entries ?? null);
  if (stmt.map.kind === 'ref' && sets.set(stmt.map.name)?.map !== 'verdict') entries = null;
  if (entries === null) return { kind: 'unsupported', text: `${describeStatement(stmt)} (no such verdict map)` };
  const compiled = entries.map((e) => ({ matches: membership(e.key, r.type, sets), verdict: e.verdict }));
  return {
    kind: 'vmap',
    stmt,
    lookup: (pkt, env) => {
      const v = r.read(pkt, env);
      if (v === BREAK) return null;
      if (v === CANNOT) return CANNOT;
      let unknown = false;
      for (const e of compiled) {
        const m = e.matches(v);
        if (m === YES) return e.verdict;
        if (m === UNKNOWN) unknown = true;
      }
      return unknown ? CANNOT : null;
    },
  };
}

function compileStatement(stmt: NftStatement, sets: SetLookup, direct: boolean): Step | null {
  switch (stmt.kind) {
    case 'match': {
      const { test, source } = compileMatch(stmt.op, stmt.left, stmt.right, sets, direct);
      return { kind: 'test', test, source, stmt };
    }
    case 'verdict':
      return { kind: 'verdict', verdict: stmt.verdict };
    case 'vmap':
      return compileVmap(stmt, sets);
    case 'dnat': {
      const addr = stmt.addr === null ? null : parseAddr(stmt.addr);
      if (stmt.addr !== null && addr === null) return { kind: 'unsupported', text: `${describeStatement(stmt)} (not an IPv6 address)` };
      return { kind: 'dnat', addr, addrText: stmt.addr, port: stmt.port };
    }
    case 'redirect':
      return { kind: 'redirect', port: stmt.port };
    case 'snat':
    case 'masquerade':
      return { kind: 'snat' };
    case 'notrack':
      return { kind: 'notrack' };
    case 'set-mark':
      return { kind: 'mark', value: stmt.value };
    case 'set-update':
      return stmt.uncertain ? { kind: 'uncertain', text: describeStatement(stmt) } : null;
    case 'passive':
      return null;
    case 'uncertain-match':
      return { kind: 'uncertain', text: stmt.text };
    case 'unsupported':
      return { kind: 'unsupported', text: stmt.text };
  }
}

/** Conditions after the last statement that acts change nothing: the rule goes on to the next either way. */
const isCondition = (s: Step): boolean => s.kind === 'test' || s.kind === 'uncertain';

export function compileNftRule(rule: NftRule, sets: SetLookup, direct = true): CompiledNftRule {
  const steps = rule.statements.map((s) => compileStatement(s, sets, direct)).filter((s): s is Step => s !== null);
  while (steps.length > 0 && isCondition(steps[steps.length - 1] as Step)) steps.pop();
  const firstAction = steps.findIndex((s) => s.kind !== 'test');
  const cut = firstAction === -1 ? steps.length : firstAction;
  return {
    rule,
    leading: steps.slice(0, cut) as Extract<Step, { kind: 'test' }>[],
    rest: steps.slice(cut),
    accepts: steps.some((s) => s.kind === 'verdict' && s.verdict.kind === 'accept'),
  };
}

/** What the chain index keys a rule on: the conditions every match needs, before anything acts (counters aside). */
export function indexKeysOf(rule: NftRule): IndexableRule {
  if (rule instanceof ListedRule) return rule.indexKeys();
  const acting = rule.statements.findIndex((s) => s.kind !== 'match' && s.kind !== 'passive');
  const leading = acting === -1 ? rule.statements : rule.statements.slice(0, acting);
  return { requiredPorts: requiredPortsOf(leading), requiredDestination: requiredDestinationOf(leading) };
}

const MAX_INDEXED_PORTS = 16;
const equality = (op: string): boolean => op === '==' || op === 'in';

/** The destination ports a leading `tcp dport 80` or `th dport { 80, 443 }` demands (for the chain index). */
function requiredPortsOf(leading: readonly NftStatement[]): number[] | null {
  for (const s of leading) {
    if (s.kind !== 'match' || !equality(s.op) || s.left.kind !== 'payload' || !DPORT_HEADERS.has(s.left.protocol) || s.left.field !== 'dport') continue;
    const items = s.right.kind === 'set' || s.right.kind === 'list' ? s.right.items : [s.right];
    if (items.length > MAX_INDEXED_PORTS || !items.every((i) => i.kind === 'literal' && typeof i.value === 'number')) continue;
    return items.map((i) => (i.kind === 'literal' ? (i.value as number) : -1));
  }
  return null;
}

/** The one address a leading `ip6 daddr 2001:db8::1` demands, as an addrKey (for the chain index). */
function requiredDestinationOf(leading: readonly NftStatement[]): string | null {
  for (const s of leading) {
    if (s.kind !== 'match' || !equality(s.op) || s.left.kind !== 'payload' || s.left.protocol !== 'ip6' || s.left.field !== 'daddr') continue;
    const key = s.right.kind === 'literal' && typeof s.right.value === 'string' ? addrKeyOfText(s.right.value) : null;
    if (key !== null) return key;
  }
  return null;
}
