// v6wall's own table as it stands in the live ruleset (`nft -j list ruleset`): whether it is
// there, and the openings its rule comments name (what an additive plan keeps).
import { type OpeningTag, parseRuleComment } from '../rule-comment.js';
import type { ManagedRule } from '../managed-rules.js';

// Here rather than beside the table's rendering (v6wall-script.ts), which loads node:crypto for its
// fingerprint: the wizard's screens read the live table before their first frame, and need no hash.
export const V6WALL_TABLE = 'v6wall';
export const V6WALL_FAMILY = 'inet';

export interface LiveV6wallTable {
  present: boolean;
  /** One per rule comment that names an opening, in rule order. */
  openings: OpeningTag[];
  /** Each chain's hook, policy and rule comments (priority filter - 10 only: another priority reads as no hook). */
  chains: Record<string, ChainShape>;
  /** Each opening's rule as it stands (a stopped container's address is known only from here). */
  rules: ManagedRule[];
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The last ruleset read and its table: every reader of the openings in place asks about the same text. */
let last: { nftJson: string; table: LiveV6wallTable } | null = null;

/** Never throws: unreadable JSON reads as no table. */
export function liveV6wallTable(nftJson: string | null | undefined): LiveV6wallTable {
  if (nftJson === null || nftJson === undefined) return { present: false, openings: [], chains: {}, rules: [] };
  if (last?.nftJson !== nftJson) last = { nftJson, table: readV6wallTable(nftJson) };
  return last.table;
}

function readV6wallTable(nftJson: string): LiveV6wallTable {
  const none: LiveV6wallTable = { present: false, openings: [], chains: {}, rules: [] };
  let parsed: unknown;
  try {
    parsed = JSON.parse(nftJson);
  } catch {
    return none;
  }
  const items = isObject(parsed) && Array.isArray(parsed['nftables']) ? (parsed['nftables'] as unknown[]) : [];
  const ours = (body: unknown): body is Record<string, unknown> => isObject(body) && body['family'] === V6WALL_FAMILY && body['table'] === V6WALL_TABLE;
  let present = false;
  const openings: OpeningTag[] = [];
  const chains: Record<string, ChainShape> = {};
  const rules: ManagedRule[] = [];
  for (const item of items) {
    if (!isObject(item)) continue;
    const table = item['table'];
    if (isObject(table) && table['family'] === V6WALL_FAMILY && table['name'] === V6WALL_TABLE) present = true;
    const chain = item['chain'];
    if (ours(chain) && typeof chain['name'] === 'string') {
      const hook = chain['prio'] === V6WALL_PRIO && typeof chain['hook'] === 'string' ? chain['hook'] : '';
      chains[chain['name']] = { hook, policy: typeof chain['policy'] === 'string' ? chain['policy'] : '', comments: [] };
    }
    const rule = item['rule'];
    if (!ours(rule)) continue;
    const comment = typeof rule['comment'] === 'string' ? rule['comment'] : null;
    if (typeof rule['chain'] === 'string') chains[rule['chain']]?.comments.push(comment);
    const tag = parseRuleComment(comment);
    if (tag === null || (tag.kind !== 'route' && tag.kind !== 'publish')) continue;
    openings.push(tag);
    const address = ip6Daddr(rule['expr']);
    const route = rule['chain'] === 'forward';
    if (route && address === null) continue;
    const spec = {
      route,
      proto: tag.proto,
      to: route ? (address as string) : '::/0',
      port: tag.port,
      comment,
      ...(tag.source === undefined ? {} : { from: tag.source }),
    };
    rules.push({ tag, spec, rules: [] });
  }
  return { present, openings, chains, rules };
}

/** The address an `ip6 daddr ADDR` match in a rule's expressions names, if any. */
function ip6Daddr(expr: unknown): string | null {
  if (!Array.isArray(expr)) return null;
  for (const item of expr) {
    const match = isObject(item) ? item['match'] : null;
    if (!isObject(match) || match['op'] !== '==' || !isObject(match['left'])) continue;
    const payload = match['left']['payload'];
    if (isObject(payload) && payload['protocol'] === 'ip6' && payload['field'] === 'daddr' && typeof match['right'] === 'string') return match['right'];
  }
  return null;
}

/** nft -j shows priority filter - 10 as -10. */
const V6WALL_PRIO = -10;

/**
 * Whether the live table is the one `tableText` would load: the same chains, hooks and policies,
 * the same rule comments in the same order, and the fingerprint comment of that very text (which
 * stands for the rules' expressions, which nft -j does not give back as written).
 */
export function liveTableMatches(live: LiveV6wallTable, tableText: string): boolean {
  if (!live.present) return false;
  const planned = tableShape(tableText);
  const names = Object.keys(planned).sort();
  if (names.join(' ') !== Object.keys(live.chains).sort().join(' ')) return false;
  return names.every((name) => JSON.stringify(planned[name]) === JSON.stringify(live.chains[name]));
}

export interface ChainShape {
  hook: string;
  policy: string;
  /** Each rule's comment, or null, in order. */
  comments: (string | null)[];
}

/** The chains of a table text renderV6wallTable (v6wall-script.ts) wrote: what the live table must show to be the same. */
export function tableShape(tableText: string): Record<string, ChainShape> {
  const chains: Record<string, ChainShape> = {};
  let current: ChainShape | null = null;
  for (const line of tableText.split('\n')) {
    const chain = /^\tchain (\S+) \{$/.exec(line);
    if (chain !== null) {
      current = { hook: '', policy: '', comments: [] };
      chains[chain[1] as string] = current;
      continue;
    }
    if (current === null || !line.startsWith('\t\t')) continue;
    const type = /^\t\ttype filter hook (\S+) priority .*; policy (\S+);$/.exec(line);
    if (type !== null) {
      current.hook = type[1] as string;
      current.policy = type[2] as string;
      continue;
    }
    current.comments.push(/ comment "([^"]*)"$/.exec(line)?.[1] ?? null);
  }
  return chains;
}
