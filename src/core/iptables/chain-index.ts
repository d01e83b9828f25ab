// Long chains (one rule per published port or container, thousands on a busy host) are
// mostly rules that demand one exact destination port or one exact destination address.
// Indexing a chain on that key lets the walk visit only the rules that could match;
// skipped rules fail a known condition, so the answer (and its notes) is the same.
import { addrKey } from './address.js';
import type { Packet } from './compile-rule.js';

/** What the index needs of a compiled rule (ip6tables or nftables). */
export interface IndexableRule {
  /** The exact destination ports the rule demands (a short list); null when any port may do. */
  requiredPorts: number[] | null;
  /** The one destination address the rule demands, as an addrKey; null otherwise. */
  requiredDestination: string | null;
}

const MIN_INDEXED_RULES = 32;

export interface ChainIndex {
  /** Indices of the rules that could match this packet, ascending. */
  candidates(pkt: Packet): Int32Array;
}

function merge(a: readonly number[], b: readonly number[]): Int32Array {
  const out = new Int32Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length || j < b.length) {
    const next = j >= b.length || (i < a.length && (a[i] as number) < (b[j] as number)) ? a[i++] : b[j++];
    out[k++] = next as number;
  }
  return out;
}

function keyedIndex<K>(rules: readonly IndexableRule[], keysOf: (r: IndexableRule) => K[] | null, keyOf: (pkt: Packet) => K): ChainIndex {
  const unkeyed: number[] = [];
  const byKey = new Map<K, number[]>();
  rules.forEach((rule, i) => {
    const keys = keysOf(rule);
    if (keys === null) {
      unkeyed.push(i);
      return;
    }
    for (const key of new Set(keys)) {
      const list = byKey.get(key);
      if (list === undefined) byKey.set(key, [i]);
      else list.push(i);
    }
  });
  const cache = new Map<K, Int32Array>();
  return {
    candidates(pkt) {
      const key = keyOf(pkt);
      let found = cache.get(key);
      if (found === undefined) {
        found = merge(unkeyed, byKey.get(key) ?? []);
        cache.set(key, found);
      }
      return found;
    },
  };
}

/** Average number of rules a walk would visit with this key: the unkeyed ones plus one key's share. */
function expectedVisits<K>(rules: readonly IndexableRule[], keysOf: (r: IndexableRule) => K[] | null): number {
  let unkeyed = 0;
  let entries = 0;
  const distinct = new Set<K>();
  for (const rule of rules) {
    const keys = keysOf(rule);
    if (keys === null) {
      unkeyed++;
      continue;
    }
    entries += keys.length;
    for (const key of keys) distinct.add(key);
  }
  return distinct.size === 0 ? Number.POSITIVE_INFINITY : unkeyed + entries / distinct.size;
}

const portKeys = (r: IndexableRule): number[] | null => r.requiredPorts;
const destinationKeys = (r: IndexableRule): string[] | null => (r.requiredDestination === null ? null : [r.requiredDestination]);

/** An index on destination port or destination address, whichever leaves fewer rules to visit; null when not worth it. */
export function buildChainIndex(rules: readonly IndexableRule[]): ChainIndex | null {
  if (rules.length < MIN_INDEXED_RULES) return null;
  const viaPort = expectedVisits(rules, portKeys);
  const viaDestination = expectedVisits(rules, destinationKeys);
  if (Math.min(viaPort, viaDestination) > rules.length / 2) return null;
  if (viaPort <= viaDestination) return keyedIndex(rules, portKeys, (pkt) => pkt.dport);
  return keyedIndex(rules, destinationKeys, (pkt) => addrKey(pkt.dst));
}

/** First position in `sorted` holding a value >= `value`. */
export function lowerBound(sorted: Int32Array, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
