// An ip6tables ruleset as plain data, as read from `ip6tables-save`.
// Arrays rather than Maps so it serialises as JSON (status output, transcripts).

export interface PortRange {
  from: number;
  to: number;
}

/** An address or network from a rule; `family` 6 for IPv6, 4 if an IPv4 ruleset slipped in. */
export interface RuleCidr {
  family: 4 | 6;
  /** Compact address text, e.g. "2001:db8::10". */
  address: string;
  prefix: number;
}

export type AddrType =
  'UNSPEC' | 'UNICAST' | 'LOCAL' | 'BROADCAST' | 'ANYCAST' | 'MULTICAST' | 'BLACKHOLE' | 'UNREACHABLE' | 'PROHIBIT' | 'THROW' | 'NAT' | 'XRESOLVE';

/** One condition of a rule. All conditions of a rule must hold for it to match. */
export type RuleMatch =
  | { kind: 'iface'; dir: 'in' | 'out'; name: string; negated: boolean }
  | { kind: 'addr'; dir: 'src' | 'dst'; cidr: RuleCidr; negated: boolean }
  | { kind: 'proto'; proto: string; negated: boolean }
  | { kind: 'port'; dir: 'src' | 'dst' | 'either'; ranges: PortRange[]; negated: boolean }
  /** --ctstate / --state; states upper-cased (NEW, ESTABLISHED, RELATED, INVALID, UNTRACKED, DNAT, SNAT). */
  | { kind: 'state'; states: string[]; negated: boolean }
  | { kind: 'ctorigdstport'; range: PortRange; negated: boolean }
  | { kind: 'ctorigdst'; cidr: RuleCidr; negated: boolean }
  | { kind: 'addrtype'; dir: 'src' | 'dst'; types: AddrType[]; negated: boolean }
  /** --syn or --tcp-flags FIN,SYN,RST,ACK SYN: true for the first packet of a new TCP connection. */
  | { kind: 'syn'; negated: boolean }
  /** -m recent --update/--rcheck: counts earlier packets, so never true for a first connection. */
  | { kind: 'recent-check' }
  /** -m rt: needs an IPv6 routing header, which a plain TCP/UDP connection does not carry. */
  | { kind: 'routing-header' }
  /** Something v6wall does not model; the evaluator says it cannot judge when it matters. */
  | { kind: 'unknown'; text: string };

export type RuleTarget =
  | { kind: 'ACCEPT' | 'DROP' | 'REJECT' | 'RETURN' }
  | { kind: 'jump'; chain: string }
  | { kind: 'goto'; chain: string }
  /** LOG, NFLOG, MARK, ...: the packet carries on with the next rule. */
  | { kind: 'non-terminating'; name: string }
  | { kind: 'DNAT'; address: string | null; ports: PortRange | null }
  | { kind: 'REDIRECT'; ports: PortRange | null }
  | { kind: 'MASQUERADE' | 'SNAT' }
  /** -j CT --notrack or -j NOTRACK in raw: the packet becomes UNTRACKED. */
  | { kind: 'NOTRACK' }
  /** A target v6wall does not model (NFQUEUE, TPROXY, ...). */
  | { kind: 'other'; name: string };

export interface SaveRule {
  /** 1-based line number in the ip6tables-save text. */
  line: number;
  /** The rule as written, from "-A". */
  text: string;
  matches: RuleMatch[];
  /** null for a rule without -j/-g (it only counts packets). */
  target: RuleTarget | null;
}

export interface SaveChain {
  name: string;
  /** ACCEPT/DROP for built-in chains; null for user-defined chains ("-"). */
  policy: string | null;
  rules: SaveRule[];
}

export interface SaveTable {
  name: string;
  chains: SaveChain[];
}

export interface ParseWarning {
  line: number;
  message: string;
}

export interface Ruleset {
  tables: SaveTable[];
  warnings: ParseWarning[];
  /**
   * Which kernel tables ip6tables-save read, from its header: "nf_tables" (iptables-nft, whose
   * tables nftables lists too) or "legacy" (x_tables, which nftables does not show); null when
   * the text had no header.
   */
  backend?: 'nf_tables' | 'legacy' | null;
}
