import type { UfwAction, UfwRule } from '../types/facts.js';
import { type Parsed, quoteLine, splitLines } from './parsed.js';

const TUPLE_MARK = /^### tuple ###\s*/;
const ACTIONS: readonly UfwAction[] = ['allow', 'deny', 'reject', 'limit'];

/**
 * Reads the `### tuple ###` lines ufw keeps in user.rules / user6.rules: the
 * only machine-readable record of the rules (the status table's columns
 * overflow on long IPv6 addresses). Malformed lines are skipped with a warning.
 */
export function parseUfwRules(text: string, v6: boolean): Parsed<UfwRule[]> {
  const rules: UfwRule[] = [];
  const warnings: string[] = [];
  for (const line of splitLines(text)) {
    if (!TUPLE_MARK.test(line)) continue;
    const parsed = parseTupleLine(line, v6);
    if (typeof parsed === 'string') warnings.push(`Skipped a rule ufw wrote that v6wall cannot read (${parsed}): ${quoteLine(line)}`);
    else rules.push(parsed);
  }
  return { value: rules, warnings };
}

/** One tuple line, or why it is malformed. */
function parseTupleLine(line: string, v6: boolean): UfwRule | string {
  // ufw writes the comment last, so everything after " comment=" is hex.
  const commentAt = line.indexOf(' comment=');
  const body = commentAt === -1 ? line : line.slice(0, commentAt);
  const hex = commentAt === -1 ? '' : line.slice(commentAt + ' comment='.length).trim();
  const fields = body.replace(TUPLE_MARK, '').trim().split(/\s+/);
  if (fields.length < 6 || fields.length > 9) return `${fields.length} fields`;

  const [actionField = '', proto = '', dport = '', dst = '', sport = '', src = ''] = fields;
  const action = parseActionField(actionField);
  if (typeof action === 'string') return action;

  // 6 or 8 fields: the old format without a direction, which ufw reads as "in".
  const hasDirection = fields.length === 7 || fields.length === 9;
  const interfaces = hasDirection ? parseDirectionField(fields[fields.length - 1] ?? '') : { direction: 'in' as const, inInterface: null, outInterface: null };
  if (typeof interfaces === 'string') return interfaces;

  const hasApps = fields.length >= 8;
  const comment = hex === '' ? null : decodeHexComment(hex);
  if (comment === undefined) return `comment is not hex`;
  return {
    v6,
    route: action.route,
    action: action.action,
    log: action.log,
    proto,
    dport,
    dst,
    sport,
    src,
    dapp: hasApps ? appName(fields[6] ?? '-') : null,
    sapp: hasApps ? appName(fields[7] ?? '-') : null,
    direction: interfaces.direction,
    inInterface: interfaces.inInterface,
    outInterface: interfaces.outInterface,
    comment,
    raw: line,
  };
}

/** `[route:]ACTION[_log|_log-all]` */
function parseActionField(text: string): { route: boolean; action: UfwAction; log: UfwRule['log'] } | string {
  const route = text.startsWith('route:');
  const [name = '', log = '', ...rest] = (route ? text.slice('route:'.length) : text).toLowerCase().split('_');
  const action = ACTIONS.find((candidate) => candidate === name);
  if (action === undefined || rest.length > 0) return `unknown action "${text}"`;
  if (log !== '' && log !== 'log' && log !== 'log-all') return `unknown log type "${log}"`;
  return { route, action, log };
}

/** `in`, `out`, `in_IF`, `out_IF` or `in_IF!out_IF`. */
function parseDirectionField(text: string): { direction: 'in' | 'out'; inInterface: string | null; outInterface: string | null } | string {
  const both = /^in_([^!]+)!out_(.+)$/.exec(text);
  if (both) return { direction: 'in', inInterface: both[1] ?? null, outInterface: both[2] ?? null };
  const [direction, ...rest] = text.split('_');
  if (direction !== 'in' && direction !== 'out') return `unknown direction "${text}"`;
  // Interface names may themselves hold underscores: everything after the first one is the name.
  const name = rest.length === 0 ? null : rest.join('_');
  if (name === '') return `empty interface in "${text}"`;
  return {
    direction,
    inInterface: direction === 'in' ? name : null,
    outInterface: direction === 'out' ? name : null,
  };
}

/** ufw writes "-" for no application and %20 for each space in a profile name. */
function appName(text: string): string | null {
  return text === '-' ? null : text.replace(/%20/g, ' ');
}

/** ufw stores comments as the hex of their UTF-8 bytes; undefined when `hex` is not hex. */
export function decodeHexComment(hex: string): string | undefined {
  if (!/^[0-9a-fA-F]*$/.test(hex)) return undefined;
  // Like ufw: an odd trailing digit is dropped, bad UTF-8 is replaced rather than fatal.
  const even = hex.length % 2 === 0 ? hex : hex.slice(0, -1);
  const bytes = new Uint8Array(even.length / 2);
  for (let i = 0; i < bytes.length; i += 1) bytes[i] = Number.parseInt(even.slice(i * 2, i * 2 + 2), 16);
  return new TextDecoder('utf-8', { fatal: false }).decode(bytes);
}
