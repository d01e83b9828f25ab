// Rules as a person reads them (close to `nft list ruleset`), for reasons and trails.
import type { NftRule, NftSelector, NftStatement, NftValue, NftVerdict } from './ruleset.js';

const IFACE_KEYS = new Set(['iifname', 'oifname', 'iif', 'oif']);

export function describeSelector(s: NftSelector): string {
  switch (s.kind) {
    case 'payload':
      return `${s.protocol} ${s.field}`;
    case 'meta':
      return IFACE_KEYS.has(s.key) ? s.key : `meta ${s.key}`;
    case 'ct':
      return `ct ${s.dir === null ? '' : `${s.dir} `}${s.key}`;
    case 'fib':
      return `fib ${s.flags.join(' . ')} ${s.result}`;
    case 'exthdr':
      return `exthdr ${s.name}${s.field === null ? '' : ` ${s.field}`}`;
    case 'concat':
      return s.parts.map(describeSelector).join(' . ');
    case 'masked':
      return `${describeSelector(s.selector)} & ${describeValue(s.mask)}`;
    case 'unsupported':
      return s.text;
  }
}

export function describeValue(v: NftValue, quoteStrings = false): string {
  switch (v.kind) {
    case 'literal':
      return typeof v.value === 'string' && quoteStrings ? `"${v.value}"` : String(v.value);
    case 'prefix':
      return `${v.addr}/${v.len}`;
    case 'range':
      return `${describeValue(v.from, quoteStrings)}-${describeValue(v.to, quoteStrings)}`;
    case 'set':
      return `{ ${v.items.map((i) => describeValue(i, quoteStrings)).join(', ')} }`;
    case 'list':
      return v.items.map((i) => describeValue(i, quoteStrings)).join(',');
    case 'concat':
      return v.parts.map((p) => describeValue(p, quoteStrings)).join(' . ');
    case 'ref':
      return `@${v.name}`;
    case 'unsupported':
      return v.text;
  }
}

export function describeVerdict(v: NftVerdict): string {
  switch (v.kind) {
    case 'jump':
    case 'goto':
      return `${v.kind} ${v.target}`;
    case 'reject':
      return v.with === null ? 'reject' : `reject with ${v.with}`;
    default:
      return v.kind;
  }
}

const quotesNames = (s: NftSelector): boolean => s.kind === 'meta' && IFACE_KEYS.has(s.key);

export function describeStatement(s: NftStatement): string {
  switch (s.kind) {
    case 'match': {
      const op = s.op === '==' || s.op === 'in' ? '' : `${s.op} `;
      return `${describeSelector(s.left)} ${op}${describeValue(s.right, quotesNames(s.left))}`;
    }
    case 'verdict':
      return describeVerdict(s.verdict);
    case 'vmap': {
      const map =
        s.map.kind === 'ref'
          ? `@${s.map.name}`
          : `{ ${s.map.entries.map((e) => `${describeValue(e.key, quotesNames(s.key))} : ${describeVerdict(e.verdict)}`).join(', ')} }`;
      return `${describeSelector(s.key)} vmap ${map}`;
    }
    case 'dnat':
      return `dnat to ${s.addr === null ? '' : `[${s.addr}]`}${s.port === null ? '' : `:${s.port}`}`;
    case 'redirect':
      return `redirect${s.port === null ? '' : ` to :${s.port}`}`;
    case 'snat':
    case 'masquerade':
    case 'notrack':
      return s.kind;
    case 'set-mark':
      return `meta mark set 0x${s.value.toString(16)}`;
    case 'set-update':
      return `update @${s.set}`;
    case 'passive':
      return s.name;
    case 'uncertain-match':
    case 'unsupported':
      return s.text;
  }
}

/** The rule in nft's words, without counters. */
export function describeRule(rule: NftRule): string {
  const parts = rule.statements.filter((s) => !(s.kind === 'passive' && s.name === 'counter')).map(describeStatement);
  if (rule.comment !== null) parts.push(`comment "${rule.comment}"`);
  return parts.join(' ');
}
