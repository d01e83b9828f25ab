import { parseRuleBody } from './parse-rule.js';
import type { ParseWarning, Ruleset, SaveChain, SaveTable } from './ruleset.js';
import { tokenize } from './tokenize.js';

const CHAIN_LINE = /^:(\S+)\s+(\S+)/;
const COUNTERS = /^\[\d+:\d+\]$/;

/**
 * Parses `ip6tables-save` (or `ip6tables-save -c`) output. Never throws: lines it cannot
 * read become warnings, and rule parts it does not understand become "unknown" matches.
 */
export function parseIptablesSave(text: string): Ruleset {
  const tables: SaveTable[] = [];
  const warnings: ParseWarning[] = [];
  let table: SaveTable | null = null;
  let chainIndex = new Map<string, SaveChain>();

  const chainOf = (current: SaveTable, name: string, lineNo: number): SaveChain => {
    const known = chainIndex.get(name);
    if (known !== undefined) return known;
    warnings.push({ line: lineNo, message: `chain ${name} used before it was declared` });
    const chain: SaveChain = { name, policy: null, rules: [] };
    current.chains.push(chain);
    chainIndex.set(name, chain);
    return chain;
  };

  const lines = text.split('\n');
  for (let idx = 0; idx < lines.length; idx++) {
    const lineNo = idx + 1;
    const line = (lines[idx] as string).trim();
    if (line === '' || line.startsWith('#')) continue;

    if (line.startsWith('*')) {
      if (table !== null) warnings.push({ line: lineNo, message: `table ${table.name} has no COMMIT` });
      const name = line.slice(1).trim();
      const existing = tables.find((t) => t.name === name);
      table = existing ?? { name, chains: [] };
      if (existing === undefined) tables.push(table);
      chainIndex = new Map(table.chains.map((c) => [c.name, c]));
      continue;
    }
    if (line === 'COMMIT') {
      if (table === null) warnings.push({ line: lineNo, message: 'COMMIT outside a table' });
      table = null;
      continue;
    }
    if (table === null) {
      warnings.push({ line: lineNo, message: `ignored outside a table: ${line.slice(0, 80)}` });
      continue;
    }
    if (line.startsWith(':')) {
      const m = CHAIN_LINE.exec(line);
      if (m === null) {
        warnings.push({ line: lineNo, message: `unreadable chain line: ${line.slice(0, 80)}` });
        continue;
      }
      const name = m[1] as string;
      const policy = m[2] === '-' ? null : (m[2] as string);
      const known = chainIndex.get(name);
      if (known !== undefined) {
        known.policy = policy;
      } else {
        const chain: SaveChain = { name, policy, rules: [] };
        table.chains.push(chain);
        chainIndex.set(name, chain);
      }
      continue;
    }

    const tokens = tokenize(line);
    while (tokens[0] !== undefined && COUNTERS.test(tokens[0].text)) tokens.shift();
    const verb = tokens[0]?.text;
    const chainName = tokens[1]?.text;
    if ((verb !== '-A' && verb !== '--append') || chainName === undefined) {
      warnings.push({ line: lineNo, message: `not a rule: ${line.slice(0, 80)}` });
      continue;
    }
    const body = parseRuleBody(tokens.slice(2));
    for (const problem of body.problems) warnings.push({ line: lineNo, message: problem });
    chainOf(table, chainName, lineNo).rules.push({
      line: lineNo,
      text: line.slice(line.indexOf(verb)),
      matches: body.matches,
      target: body.target,
    });
  }
  if (table !== null) warnings.push({ line: lines.length, message: `table ${table.name} has no COMMIT` });
  return { tables, warnings };
}
