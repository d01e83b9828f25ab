// An nftables ruleset as plain data, as read from `nft -j list ruleset`.
// Only what the reachability analysis needs is modelled; everything else is kept as
// "unsupported" with its JSON text, so the evaluator can say it cannot judge.

/** What a rule looks at: the left side of a match, the key of a verdict map. */
export type NftSelector =
  | { kind: 'payload'; protocol: string; field: string }
  | { kind: 'meta'; key: string }
  /** `ct state`, `ct original ip6 daddr` (key "ip6 daddr", dir "original"), `ct original proto-dst`. */
  | { kind: 'ct'; key: string; dir: string | null }
  /** `fib daddr type`: result "type", flags ["daddr"]. */
  | { kind: 'fib'; result: string; flags: string[] }
  | { kind: 'exthdr'; name: string; field: string | null }
  | { kind: 'concat'; parts: NftSelector[] }
  /** `tcp flags & (syn|ack)`. */
  | { kind: 'masked'; selector: NftSelector; mask: NftValue }
  | { kind: 'unsupported'; text: string };

/** A constant: the right side of a match, a set element, a map key. */
export type NftValue =
  | { kind: 'literal'; value: string | number | boolean }
  | { kind: 'prefix'; addr: string; len: number }
  | { kind: 'range'; from: NftValue; to: NftValue }
  /** An anonymous set, `{ 80, 443 }`. */
  | { kind: 'set'; items: NftValue[] }
  /** A JSON array: a list of flags, `established,related`. */
  | { kind: 'list'; items: NftValue[] }
  | { kind: 'concat'; parts: NftValue[] }
  /** A named set or map, `@name`. */
  | { kind: 'ref'; name: string }
  | { kind: 'unsupported'; text: string };

export type NftVerdict =
  { kind: 'accept' | 'drop' | 'return' | 'continue' } | { kind: 'reject'; with: string | null } | { kind: 'jump' | 'goto'; target: string };

export interface NftMapEntry {
  key: NftValue;
  verdict: NftVerdict;
}

export type NftStatement =
  | { kind: 'match'; op: string; left: NftSelector; right: NftValue }
  | { kind: 'verdict'; verdict: NftVerdict }
  /** `oifname vmap @filter-forward-in-jumps`, or an inline `{ "br-x" : jump c }`. */
  | { kind: 'vmap'; key: NftSelector; map: { kind: 'ref'; name: string } | { kind: 'inline'; entries: NftMapEntry[] } }
  /** addr null: only the port changes. */
  | { kind: 'dnat'; addr: string | null; port: number | null }
  | { kind: 'redirect'; port: number | null }
  | { kind: 'snat' | 'masquerade' }
  | { kind: 'notrack' }
  | { kind: 'set-mark'; value: number }
  /** Adds to or updates a named set as packets pass (`update @seen { ip6 saddr }`). */
  | { kind: 'set-update'; set: string; uncertain: boolean }
  /** counter, log, comment-like statements: no effect on the verdict. */
  | { kind: 'passive'; name: string }
  /** limit, quota, ct count, an iptables xt match...: may or may not match a given packet. */
  | { kind: 'uncertain-match'; text: string }
  /** A statement v6wall does not follow (an xt target, queue, a header rewrite...). */
  | { kind: 'unsupported'; text: string };

export interface NftRule {
  handle: number | null;
  comment: string | null;
  statements: NftStatement[];
}

export interface NftBaseChainSpec {
  /** filter, nat or route; "unknown" when nft listed a base chain v6wall could not read. */
  type: string;
  /** prerouting, input, forward, output, postrouting, ingress, egress. */
  hook: string;
  priority: number;
  policy: 'accept' | 'drop';
  /** The devices of an ingress/egress chain; null when nft did not list them. */
  devices: string[] | null;
}

export interface NftChain {
  name: string;
  handle: number | null;
  /** null for a regular chain (reached only by jump, goto or a verdict map). */
  base: NftBaseChainSpec | null;
  rules: NftRule[];
}

export interface NftSet {
  name: string;
  /** A map's data type ("verdict" for a verdict map); null for a plain set. */
  map: string | null;
  flags: string[];
  /** Set elements; for a map, the keys with their data in `entries`. */
  elements: NftValue[];
  /** Verdict-map entries. */
  entries: NftMapEntry[];
}

export interface NftTable {
  /** ip, ip6, inet, arp, bridge or netdev. */
  family: string;
  name: string;
  /** Tables with lower handles were created first (their hooks run first at equal priority). */
  handle: number;
  chains: NftChain[];
  sets: NftSet[];
}

export interface NftRuleset {
  /** nft's own version (metainfo), when it said. */
  version: string | null;
  tables: NftTable[];
  /** Plain words about what could not be read; the analysis says "cannot judge" where they matter. */
  warnings: string[];
}
