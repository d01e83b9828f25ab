// Properties of reading `nft -j list ruleset`: nothing makes the parser or the analysis throw,
// and a part v6wall does not model yields "cannot judge", never a confident wrong verdict.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseIptablesSave } from '../../src/core/iptables/parse-save.js';
import { analyzeReachability, type Probe, type RoutingContext } from '../../src/core/iptables/reachability.js';
import { parseNftJson } from '../../src/core/nftables/parse-json.js';

const LAB = join(import.meta.dirname, '../fixtures/nftables/lab');
interface Capture {
  context: RoutingContext;
  real: Probe[];
}
const CAPTURES = JSON.parse(readFileSync(join(LAB, 'lab-captures.json'), 'utf8')) as Record<string, Capture>;
/** Scenarios where nftables holds rules the analysis reads from it (Docker 29's backend, a v6wall table). */
const NFT_JUDGED = ['docker29-emulated-nat', 'docker29-emulated-routed-ufw', 'docker29-emulated-nat-unprotected-ufw', 'docker29-emulated-nat-v6wall-table'];
const json = (name: string): string => readFileSync(join(LAB, `${name}.nft.json`), 'utf8');
const save = (name: string) => {
  try {
    return parseIptablesSave(readFileSync(join(LAB, `${name}.ip6tables-save`), 'utf8'));
  } catch {
    return parseIptablesSave('');
  }
};

const verdicts = (name: string, text: string): string[] => {
  const capture = CAPTURES[name] as Capture;
  return analyzeReachability(save(name), capture.context, capture.real, parseNftJson(text)).map((r) => r.verdict);
};

type Json = { nftables: Record<string, { expr?: unknown[] }>[] };
const rulesOf = (doc: Json) => doc.nftables.flatMap((item) => (item.rule?.expr !== undefined ? [item.rule as { expr: unknown[] }] : []));

describe('parseNftJson never throws', () => {
  it('on any string', () => {
    fc.assert(
      fc.property(fc.string(), (text) => void parseNftJson(text)),
      { numRuns: 300 },
    );
  });

  it('on any JSON, bare or inside an "nftables" list, and the analysis of it never throws either', () => {
    const capture = CAPTURES['docker29-emulated-nat'] as Capture;
    fc.assert(
      fc.property(
        fc.oneof(
          fc.jsonValue(),
          fc.array(fc.jsonValue()).map((items) => ({ nftables: items })),
        ),
        (value) => {
          const ruleset = parseNftJson(JSON.stringify(value));
          analyzeReachability(parseIptablesSave(''), capture.context, capture.real, ruleset);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('on real output cut anywhere', () => {
    const text = json('docker29-emulated-nat-ufw');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: text.length }), (cut) => {
        const ruleset = parseNftJson(text.slice(0, cut));
        if (cut < text.trimEnd().length) expect(ruleset.warnings.length).toBeGreaterThan(0);
      }),
      { numRuns: 200 },
    );
  });

  it('on real output with any part of a rule replaced by arbitrary JSON', () => {
    fc.assert(
      fc.property(fc.constantFrom(...NFT_JUDGED), fc.nat(), fc.nat(), fc.jsonValue(), (name, ruleIndex, exprIndex, junk) => {
        const doc = JSON.parse(json(name)) as Json;
        const rules = rulesOf(doc);
        const rule = rules[ruleIndex % rules.length];
        if (rule === undefined || rule.expr.length === 0) return;
        rule.expr[exprIndex % rule.expr.length] = junk;
        verdicts(name, JSON.stringify(doc));
      }),
      { numRuns: 100 },
    );
  });
});

describe('what v6wall does not model gives "cannot judge", never a wrong verdict', () => {
  /** The rule's expression at `at` replaced by each of `by` (or removed when null). */
  const variant = (name: string, ruleIndex: number, at: number, by: unknown | null): string => {
    const doc = JSON.parse(json(name)) as Json;
    const rule = rulesOf(doc)[ruleIndex] as { expr: unknown[] };
    if (by === null) rule.expr.splice(at, 1);
    else rule.expr[at] = by;
    return JSON.stringify(doc);
  };
  const pick = fc.tuple(fc.constantFrom(...NFT_JUDGED), fc.nat(), fc.nat()).map(([name, r, e]) => {
    const rules = rulesOf(JSON.parse(json(name)) as Json);
    const ruleIndex = r % rules.length;
    return { name, ruleIndex, at: e % Math.max(1, (rules[ruleIndex] as { expr: unknown[] }).expr.length) };
  });

  it('an unknown statement: confident only where every meaning it could have agrees', () => {
    fc.assert(
      fc.property(pick, ({ name, ruleIndex, at }) => {
        const unknown = verdicts(name, variant(name, ruleIndex, at, { 'v6wall-test-statement': { any: 1 } }));
        const meanings = [{ accept: null }, { drop: null }, { counter: null }].map((by) => verdicts(name, variant(name, ruleIndex, at, by)));
        unknown.forEach((v, i) => {
          if (v !== 'unknown') for (const m of meanings) expect(v).toBe(m[i]);
        });
      }),
      { numRuns: 60 },
    );
  });

  it('a condition on something unknown: confident only where matching and not matching agree', () => {
    fc.assert(
      fc.property(pick, ({ name, ruleIndex, at }) => {
        const condition = { match: { op: '==', left: { 'v6wall-test-selector': {} }, right: 1 } };
        const unknown = verdicts(name, variant(name, ruleIndex, at, condition));
        // Always matches: the condition is not there. Never matches: the rule is not there.
        const always = verdicts(name, variant(name, ruleIndex, at, null));
        const never = verdicts(name, variant(name, ruleIndex, at, { match: { op: '==', left: { meta: { key: 'l4proto' } }, right: 'ipv6-icmp' } }));
        unknown.forEach((v, i) => {
          if (v !== 'unknown') {
            expect(v).toBe(always[i]);
            expect(v).toBe(never[i]);
          }
        });
      }),
      { numRuns: 60 },
    );
  });
});
