// Reads `nft -j list ruleset` (libnftables JSON schema 1) into plain data. Never throws:
// what it cannot read becomes a warning or an "unsupported" part, and the evaluator then
// says it cannot judge wherever that part could change a verdict.
import { addrKeyOfText } from '../iptables/address.js';
import type { IndexableRule } from '../iptables/chain-index.js';
import { field, isRecord, parseJson, type JsonRecord } from '../parse/json.js';
import type {
  NftBaseChainSpec,
  NftChain,
  NftMapEntry,
  NftRule,
  NftRuleset,
  NftSelector,
  NftSet,
  NftStatement,
  NftTable,
  NftValue,
  NftVerdict,
} from './ruleset.js';

/** Nesting deeper than this is not what nft prints; it is read as unsupported rather than recursed into. */
const MAX_DEPTH = 24;

/** A short, safe rendering of a JSON value for messages. */
export function jsonText(value: unknown): string {
  try {
    const text = JSON.stringify(value) ?? String(value);
    return text.length > 120 ? `${text.slice(0, 117)}...` : text;
  } catch {
    return '(unprintable)';
  }
}

/** The single key of a JSON object such as {"accept": null} or {"match": {...}}. */
function onlyKey(value: unknown): [string, unknown] | null {
  const key = singleKey(value);
  return key === null ? null : [key, (value as JsonRecord)[key]];
}

const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

function strings(value: unknown): string[] | null {
  if (typeof value === 'string') return [value];
  if (!Array.isArray(value)) return null;
  const out = value.filter((v): v is string => typeof v === 'string');
  return out.length === value.length ? out : null;
}

export function parseValue(value: unknown, depth = 0): NftValue {
  if (depth > MAX_DEPTH) return { kind: 'unsupported', text: 'nested too deeply' };
  if (typeof value === 'string') return value.startsWith('@') ? { kind: 'ref', name: value.slice(1) } : { kind: 'literal', value };
  if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean') return { kind: 'literal', value };
  if (Array.isArray(value)) return { kind: 'list', items: value.map((v) => parseValue(v, depth + 1)) };
  const entry = onlyKey(value);
  if (entry !== null) {
    const [key, body] = entry;
    switch (key) {
      case 'prefix': {
        const addr = str(field(body, 'addr'));
        const len = num(field(body, 'len'));
        if (addr !== null && len !== null) return { kind: 'prefix', addr, len };
        break;
      }
      case 'range':
        if (Array.isArray(body) && body.length === 2) return { kind: 'range', from: parseValue(body[0], depth + 1), to: parseValue(body[1], depth + 1) };
        break;
      case 'set':
        if (Array.isArray(body)) return { kind: 'set', items: body.map((v) => parseValue(v, depth + 1)) };
        return { kind: 'set', items: [parseValue(body, depth + 1)] };
      case 'concat':
        if (Array.isArray(body)) return { kind: 'concat', parts: body.map((v) => parseValue(v, depth + 1)) };
        break;
      case 'elem':
        // A set element with its own timeout, counter or comment: the value is in "val".
        if (field(body, 'val') !== undefined) return parseValue(field(body, 'val'), depth + 1);
        break;
    }
  }
  return { kind: 'unsupported', text: jsonText(value) };
}

/** Rendered only when a selector is not understood: most rules never need the text. */
const unsupportedSelector = (value: unknown): NftSelector => ({ kind: 'unsupported', text: jsonText(value) });

export function parseSelector(value: unknown, depth = 0): NftSelector {
  if (depth > MAX_DEPTH) return unsupportedSelector(value);
  const entry = onlyKey(value);
  if (entry === null) return unsupportedSelector(value);
  const [key, body] = entry;
  switch (key) {
    case 'payload': {
      const protocol = str(field(body, 'protocol'));
      const name = str(field(body, 'field'));
      return protocol !== null && name !== null ? { kind: 'payload', protocol, field: name } : unsupportedSelector(value);
    }
    case 'meta': {
      const metaKey = str(field(body, 'key'));
      return metaKey !== null ? { kind: 'meta', key: metaKey } : unsupportedSelector(value);
    }
    case 'ct': {
      const ctKey = str(field(body, 'key'));
      return ctKey !== null ? { kind: 'ct', key: ctKey, dir: str(field(body, 'dir')) } : unsupportedSelector(value);
    }
    case 'fib': {
      const result = str(field(body, 'result'));
      const flags = strings(field(body, 'flags'));
      return result !== null && flags !== null ? { kind: 'fib', result, flags } : unsupportedSelector(value);
    }
    case 'exthdr': {
      const name = str(field(body, 'name'));
      return name !== null ? { kind: 'exthdr', name, field: str(field(body, 'field')) } : unsupportedSelector(value);
    }
    case 'concat':
      return Array.isArray(body) ? { kind: 'concat', parts: body.map((v) => parseSelector(v, depth + 1)) } : unsupportedSelector(value);
    case '&':
      if (Array.isArray(body) && body.length === 2)
        return { kind: 'masked', selector: parseSelector(body[0], depth + 1), mask: parseValue(body[1], depth + 1) };
      return unsupportedSelector(value);
    default:
      return unsupportedSelector(value);
  }
}

export function parseVerdict(key: string, body: unknown): NftVerdict | null {
  switch (key) {
    case 'accept':
    case 'drop':
    case 'return':
    case 'continue':
      return { kind: key };
    case 'reject': {
      const type = str(field(body, 'type'));
      const expr = str(field(body, 'expr'));
      return { kind: 'reject', with: [type, expr].filter((v) => v !== null).join(' ') || null };
    }
    case 'jump':
    case 'goto': {
      const target = str(field(body, 'target'));
      return target === null ? null : { kind: key, target };
    }
    default:
      return null;
  }
}

function verdictOf(value: unknown): NftVerdict | null {
  const entry = onlyKey(value);
  return entry === null ? null : parseVerdict(entry[0], entry[1]);
}

function mapEntries(items: unknown): NftMapEntry[] | null {
  if (!Array.isArray(items)) return null;
  const entries: NftMapEntry[] = [];
  for (const item of items) {
    // [key, data], or {"elem": {"val": key, ...}} paired: nft prints maps as two-element arrays.
    if (!Array.isArray(item) || item.length !== 2) return null;
    const verdict = verdictOf(item[1]);
    if (verdict === null) return null;
    entries.push({ key: parseValue(item[0]), verdict });
  }
  return entries;
}

function parseNat(key: 'dnat' | 'redirect', body: unknown): NftStatement {
  const unsupported = (): NftStatement => ({ kind: 'unsupported', text: `${key} ${jsonText(body)}` });
  const portValue = field(body, 'port');
  const port = portValue === undefined ? null : num(portValue);
  if (portValue !== undefined && port === null) return unsupported();
  if (key === 'redirect') return { kind: 'redirect', port };
  const family = str(field(body, 'family'));
  const addrValue = field(body, 'addr');
  const addr = addrValue === undefined ? null : str(addrValue);
  if ((addrValue !== undefined && addr === null) || family === 'ip') return unsupported();
  return { kind: 'dnat', addr, port };
}

/** iptables targets that log, count or tag without deciding (the packet goes on to the next rule). */
const XT_PASSIVE_TARGETS = new Set([
  'LOG',
  'NFLOG',
  'ULOG',
  'TRACE',
  'AUDIT',
  'CLASSIFY',
  'TCPMSS',
  'SECMARK',
  'CONNSECMARK',
  'IDLETIMER',
  'LED',
  'DSCP',
  'TOS',
  'HL',
]);

const PASSIVE = new Set(['counter', 'log', 'last', 'flow', 'dup', 'ct helper', 'ct timeout', 'ct expectation', 'secmark', 'comment']);

export function parseStatement(value: unknown): NftStatement {
  const entry = onlyKey(value);
  if (entry === null) return { kind: 'unsupported', text: jsonText(value) };
  const [key, body] = entry;
  const verdict = parseVerdict(key, body);
  if (verdict !== null) return { kind: 'verdict', verdict };
  if (PASSIVE.has(key)) return { kind: 'passive', name: key };
  switch (key) {
    case 'match': {
      const op = str(field(body, 'op'));
      if (op === null || field(body, 'left') === undefined || field(body, 'right') === undefined) break;
      return { kind: 'match', op, left: parseSelector(field(body, 'left')), right: parseValue(field(body, 'right')) };
    }
    case 'vmap': {
      const keySelector = parseSelector(field(body, 'key'));
      const data = field(body, 'data');
      if (typeof data === 'string' && data.startsWith('@')) return { kind: 'vmap', key: keySelector, map: { kind: 'ref', name: data.slice(1) } };
      const entries = mapEntries(field(data, 'set'));
      if (entries !== null) return { kind: 'vmap', key: keySelector, map: { kind: 'inline', entries } };
      break;
    }
    case 'dnat':
    case 'redirect':
      return parseNat(key, body);
    case 'snat':
    case 'masquerade':
      return { kind: key };
    case 'notrack':
      return { kind: 'notrack' };
    case 'mangle': {
      const target = parseSelector(field(body, 'key'));
      const mark = num(field(body, 'value'));
      if (target.kind === 'meta' && target.key === 'mark' && mark !== null) return { kind: 'set-mark', value: mark };
      // ct mark, the traffic-control priority, tracing: nothing a modelled condition reads.
      if (target.kind === 'ct' || (target.kind === 'meta' && (target.key === 'priority' || target.key === 'nftrace'))) {
        return { kind: 'passive', name: `set ${jsonText(field(body, 'key'))}` };
      }
      break;
    }
    case 'set':
    case 'map': {
      const name = str(field(body, 'set')) ?? str(field(body, 'map'));
      if (name === null || !name.startsWith('@')) break;
      // A statement inside (e.g. a limit) makes whether the rule goes on depend on past packets.
      return { kind: 'set-update', set: name.slice(1), uncertain: field(body, 'stmt') !== undefined };
    }
    case 'limit': {
      const rate = num(field(body, 'rate'));
      const per = str(field(body, 'per'));
      const over = field(body, 'inv') === true ? 'over ' : '';
      return { kind: 'uncertain-match', text: rate !== null && per !== null ? `limit rate ${over}${rate}/${per}` : `limit ${jsonText(body)}` };
    }
    case 'quota':
    case 'ct count':
    case 'meter':
      return { kind: 'uncertain-match', text: `${key} ${jsonText(body)}` };
    case 'xt': {
      // nft shows iptables-nft's extensions only by name: whether they match is not in the JSON.
      const type = str(field(body, 'type'));
      const name = str(field(body, 'name')) ?? 'unknown';
      if (type === 'match') return { kind: 'uncertain-match', text: `iptables match "${name}"` };
      if (type === 'watcher' || XT_PASSIVE_TARGETS.has(name)) return { kind: 'passive', name: `iptables ${type ?? 'target'} ${name}` };
      if (name === 'REJECT') return { kind: 'verdict', verdict: { kind: 'reject', with: null } };
      if (name === 'MASQUERADE' || name === 'SNAT') return { kind: 'snat' };
      return { kind: 'unsupported', text: `iptables target "${name}"` };
    }
  }
  return { kind: 'unsupported', text: `${key} ${jsonText(body)}` };
}

function parseBaseSpec(body: unknown): NftBaseChainSpec | null | 'bad' {
  const hook = str(field(body, 'hook'));
  if (hook === null) return null;
  const type = str(field(body, 'type'));
  const priority = num(field(body, 'prio'));
  const policy = str(field(body, 'policy')) ?? 'accept';
  if (type === null || priority === null || (policy !== 'accept' && policy !== 'drop')) return 'bad';
  const dev = field(body, 'dev');
  const devices = dev === undefined ? null : strings(dev);
  return { type, hook, priority, policy, devices };
}

function parseSet(body: unknown, isMap: boolean): NftSet | null {
  const name = str(field(body, 'name'));
  if (name === null) return null;
  const mapType = isMap ? (str(field(body, 'map')) ?? 'unknown') : null;
  const flags = strings(field(body, 'flags')) ?? [];
  const elem = field(body, 'elem');
  const items = Array.isArray(elem) ? elem : [];
  if (mapType === 'verdict') {
    return { name, map: mapType, flags, elements: [], entries: mapEntries(items) ?? [] };
  }
  return { name, map: mapType, flags, elements: isMap ? [] : items.map((v) => parseValue(v)), entries: [] };
}

/**
 * A rule as nft listed it. Its statements are read the first time something asks: with thousands
 * of rules, the chain index (see indexKeys) spares most of them from being read at all.
 */
export class ListedRule implements NftRule {
  private parsed: NftStatement[] | null = null;
  private keys: IndexableRule | null = null;

  constructor(
    readonly handle: number | null,
    readonly comment: string | null,
    private readonly expr: readonly unknown[],
  ) {}

  get statements(): NftStatement[] {
    return (this.parsed ??= this.expr.map(parseStatement));
  }

  /** What a chain index keys the rule on, read straight from the JSON (see rawIndexKeys). */
  indexKeys(): IndexableRule {
    return (this.keys ??= rawIndexKeys(this.expr));
  }

  toJSON(): NftRule {
    return { handle: this.handle, comment: this.comment, statements: this.statements };
  }
}

const MAX_KEYED_PORTS = 16;
const DPORT_PROTOCOLS = new Set(['tcp', 'udp', 'th']);

/**
 * The destination ports (`tcp dport 80`, `th dport { 80, 443 }`) or the one destination address
 * (`ip6 daddr 2001:db8::1`) a rule demands before any statement that acts, read from the JSON
 * without building the statements. Only these exact shapes count; anything else ends the scan
 * (a rule without keys is visited for every packet, so missing a key costs time, never a verdict).
 * The unit tests hold it equal to what the parsed statements say.
 */
export function rawIndexKeys(expr: readonly unknown[]): IndexableRule {
  // Direct property reads: this runs over every rule of a long chain, on JSON of a few fixed shapes.
  let ports: number[] | null = null;
  let destination: string | null = null;
  for (let i = 0; i < expr.length; i++) {
    const item = expr[i];
    const key = singleKey(item);
    if (key !== 'match') {
      if (key !== null && PASSIVE.has(key)) continue;
      break;
    }
    const body = (item as JsonRecord).match;
    if (!isRecord(body)) break;
    const { op, left, right } = body;
    // What parseStatement would not read as a match acts (unsupported): the leading conditions end there.
    if (typeof op !== 'string' || left === undefined || right === undefined) break;
    if ((op !== '==' && op !== 'in') || singleKey(left) !== 'payload') continue;
    const payload = (left as JsonRecord).payload;
    if (!isRecord(payload)) continue;
    const { protocol, field: name } = payload;
    if (ports === null && name === 'dport' && typeof protocol === 'string' && DPORT_PROTOCOLS.has(protocol)) {
      const items = typeof right === 'number' ? [right] : Array.isArray(right) ? right : singleKey(right) === 'set' ? (right as JsonRecord).set : null;
      if (Array.isArray(items) && items.length <= MAX_KEYED_PORTS && items.every((i) => typeof i === 'number' && Number.isFinite(i))) ports = items as number[];
    } else if (destination === null && protocol === 'ip6' && name === 'daddr' && typeof right === 'string' && !right.startsWith('@')) {
      destination = addrKeyOfText(right);
    }
    if (ports !== null && destination !== null) break; // the first of each counts: nothing later changes them
  }
  return { requiredPorts: ports, requiredDestination: destination };
}

/** The one own key of a JSON object, or null (not an object, or not exactly one key). */
function singleKey(value: unknown): string | null {
  if (!isRecord(value)) return null;
  let found: string | null = null;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    if (found !== null) return null;
    found = key;
  }
  return found;
}

class RulesetBuilder {
  readonly tables: NftTable[] = [];
  readonly warnings: string[] = [];
  private readonly byKey = new Map<string, NftTable>();
  private implicitHandle = 1_000_000_000;

  table(family: string, name: string, handle: number | null): NftTable {
    const key = `${family}\u0000${name}`;
    const known = this.byKey.get(key);
    if (known !== undefined) return known;
    const table: NftTable = { family, name, handle: handle ?? this.implicitHandle++, chains: [], sets: [] };
    this.tables.push(table);
    this.byKey.set(key, table);
    return table;
  }

  chain(table: NftTable, name: string): NftChain {
    let chains = this.chainsOf.get(table);
    if (chains === undefined) {
      chains = new Map();
      this.chainsOf.set(table, chains);
    }
    const known = chains.get(name);
    if (known !== undefined) return known;
    const chain: NftChain = { name, handle: null, base: null, rules: [] };
    table.chains.push(chain);
    chains.set(name, chain);
    return chain;
  }

  /** The chain a rule goes to: nft lists a chain's rules one after another, so it is nearly always the last one's. */
  ruleChain(family: string, tableName: string, chainName: string): NftChain {
    const last = this.lastRuleChain;
    if (last !== null && last.family === family && last.table === tableName && last.chain.name === chainName) return last.chain;
    const chain = this.chain(this.table(family, tableName, null), chainName);
    this.lastRuleChain = { family, table: tableName, chain };
    return chain;
  }

  private readonly chainsOf = new Map<NftTable, Map<string, NftChain>>();
  private lastRuleChain: { family: string; table: string; chain: NftChain } | null = null;
}

/**
 * A rule item read with plain property reads (thousands of them in a long ruleset): the same
 * checks as addObject's. None of these keys exists on Object.prototype, so a missing own key
 * reads as undefined, as field() would say.
 */
function addRule(builder: RulesetBuilder, body: unknown, index: number): void {
  if (!isRecord(body)) {
    builder.warnings.push(`item ${index} (rule): no family or table`);
    return;
  }
  const { family, table, chain, expr, handle, comment } = body;
  if (typeof family !== 'string' || typeof table !== 'string') {
    builder.warnings.push(`item ${index} (rule): no family or table`);
    return;
  }
  if (typeof chain !== 'string' || !Array.isArray(expr)) {
    // As addObject: the table is known even when the rule is not readable.
    builder.table(family, table, null);
    builder.warnings.push(`item ${index} (rule): a rule without chain or expressions`);
    return;
  }
  builder.ruleChain(family, table, chain).rules.push(new ListedRule(num(handle), typeof comment === 'string' ? comment : null, expr));
}

function addObject(builder: RulesetBuilder, kind: string, body: unknown, index: number): void {
  const family = str(field(body, 'family'));
  const where = `item ${index} (${kind})`;
  if (kind === 'table') {
    const name = str(field(body, 'name'));
    if (family === null || name === null) builder.warnings.push(`${where}: a table without family or name`);
    else builder.table(family, name, num(field(body, 'handle')));
    return;
  }
  const tableName = str(field(body, 'table'));
  if (family === null || tableName === null) {
    builder.warnings.push(`${where}: no family or table`);
    return;
  }
  const table = builder.table(family, tableName, null);
  switch (kind) {
    case 'chain': {
      const name = str(field(body, 'name'));
      if (name === null) {
        builder.warnings.push(`${where}: a chain without a name`);
        return;
      }
      const chain = builder.chain(table, name);
      chain.handle = num(field(body, 'handle'));
      const base = parseBaseSpec(body);
      if (base === 'bad') builder.warnings.push(`base chain ${family} ${tableName} ${name}: unreadable type, priority or policy (${jsonText(body)})`);
      // An unreadable base chain still counts as one (type "unknown"): the evaluator cannot judge its hook.
      chain.base = base === 'bad' ? { type: 'unknown', hook: str(field(body, 'hook')) ?? 'unknown', priority: 0, policy: 'accept', devices: null } : base;
      return;
    }
    case 'rule': {
      const chainName = str(field(body, 'chain'));
      const expr = field(body, 'expr');
      if (chainName === null || !Array.isArray(expr)) {
        builder.warnings.push(`${where}: a rule without chain or expressions`);
        return;
      }
      builder.chain(table, chainName).rules.push(new ListedRule(num(field(body, 'handle')), str(field(body, 'comment')), expr));
      return;
    }
    case 'set':
    case 'map': {
      const set = parseSet(body, kind === 'map');
      if (set === null) builder.warnings.push(`${where}: a ${kind} without a name`);
      else table.sets.push(set);
      return;
    }
    default:
      // Flowtables, named counters, quotas, ct helpers...: nothing a verdict depends on directly.
      return;
  }
}

const KINDS = new Set([
  'table',
  'chain',
  'rule',
  'set',
  'map',
  'element',
  'flowtable',
  'counter',
  'quota',
  'ct helper',
  'limit',
  'ct timeout',
  'ct expectation',
  'secmark',
  'synproxy',
]);

/** Parses `nft -j list ruleset` output. */
export function parseNftJson(text: string): NftRuleset {
  const builder = new RulesetBuilder();
  const parsed = parseJson(text);
  if (!parsed.ok) return { version: null, tables: [], warnings: [`not JSON (${parsed.error}): is this the output of nft -j list ruleset?`] };
  const items = field(parsed.value, 'nftables');
  if (!Array.isArray(items)) return { version: null, tables: [], warnings: ['no "nftables" list: is this the output of nft -j list ruleset?'] };
  let version: string | null = null;
  for (let index = 0; index < items.length; index++) {
    const item: unknown = items[index];
    const kind = singleKey(item);
    if (kind === null) {
      builder.warnings.push(`item ${index}: not an object with one key: ${jsonText(item)}`);
      continue;
    }
    const body = (item as JsonRecord)[kind];
    if (kind === 'rule') addRule(builder, body, index);
    else if (kind === 'metainfo') version = str(field(body, 'version'));
    else if (!KINDS.has(kind)) builder.warnings.push(`item ${index}: unknown kind "${kind}"`);
    else addObject(builder, kind, body, index);
  }
  return { version, tables: builder.tables, warnings: builder.warnings };
}
