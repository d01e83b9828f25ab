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

/** The rules of a chain by one key: the lists of each key's rules, and the rules any key may reach. */
class Buckets<K> {
  readonly unkeyed: number[] = [];
  readonly byKey = new Map<K, number[]>();
  private entries = 0;

  add(key: K, i: number): void {
    const list = this.byKey.get(key);
    if (list === undefined) this.byKey.set(key, [i]);
    else if (list[list.length - 1] !== i)
      list.push(i); // a key listed twice in one rule counts once
    else return;
    this.entries++;
  }

  /** Average number of rules a walk would visit: the unkeyed ones plus one key's share. */
  expectedVisits(): number {
    return this.byKey.size === 0 ? Number.POSITIVE_INFINITY : this.unkeyed.length + this.entries / this.byKey.size;
  }

  index(keyOf: (pkt: Packet) => K): ChainIndex {
    const { unkeyed, byKey } = this;
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
}

/** An index on destination port or destination address, whichever leaves fewer rules to visit; null when not worth it. */
export function buildChainIndex(rules: readonly IndexableRule[]): ChainIndex | null {
  if (rules.length < MIN_INDEXED_RULES) return null;
  // One pass over the rules fills both candidate indexes; the better one is kept.
  const byPort = new Buckets<number>();
  const byDestination = new Buckets<string>();
  for (let i = 0; i < rules.length; i++) {
    const { requiredPorts, requiredDestination } = rules[i] as IndexableRule;
    if (requiredPorts === null) byPort.unkeyed.push(i);
    else for (let p = 0; p < requiredPorts.length; p++) byPort.add(requiredPorts[p] as number, i);
    if (requiredDestination === null) byDestination.unkeyed.push(i);
    else byDestination.add(requiredDestination, i);
  }
  const viaPort = byPort.expectedVisits();
  const viaDestination = byDestination.expectedVisits();
  if (Math.min(viaPort, viaDestination) > rules.length / 2) return null;
  if (viaPort <= viaDestination) return byPort.index((pkt) => pkt.dport);
  return byDestination.index((pkt) => addrKey(pkt.dst));
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
