// Reading `nft -j list ruleset`: Docker's own golden rulesets (loaded into a real nft and read
// back, see test/fixtures/nftables/moby-json) and designed ones, as nft rendered them.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeRule } from '../../src/core/nftables/describe.js';
import { indexKeysOf } from '../../src/core/nftables/compile-rule.js';
import { parseNftJson } from '../../src/core/nftables/parse-json.js';
import type { NftRuleset } from '../../src/core/nftables/ruleset.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/nftables');
const read = (path: string): NftRuleset => parseNftJson(readFileSync(join(FIXTURES, path), 'utf8'));
const GOLDEN_NAT = 'moby-json/nftabler-ip6-hairpin-false_internal-false_icc-true_masq-true_snat-false_gwm-nat_bindlh-false.json';

describe("Docker's golden rulesets for its nftables backend", () => {
  const files = readdirSync(join(FIXTURES, 'moby-json')).filter((f) => f.endsWith('.json') && f !== 'captured.json');

  it('all read without a warning', () => {
    expect(files.length).toBeGreaterThanOrEqual(16);
    for (const f of files) expect({ f, warnings: read(`moby-json/${f}`).warnings }).toEqual({ f, warnings: [] });
  });

  it('the IPv6 nat table: base chains with their hooks, priorities and policies, and the verdict maps', () => {
    const ruleset = read(GOLDEN_NAT);
    expect(ruleset.version).toBe('1.0.6');
    const table = ruleset.tables.find((t) => t.family === 'ip6' && t.name === 'docker-bridges');
    const base = Object.fromEntries(table?.chains.filter((c) => c.base !== null).map((c) => [c.name, c.base]) ?? []);
    expect(base).toEqual({
      'filter-FORWARD': { type: 'filter', hook: 'forward', priority: 0, policy: 'accept', devices: null },
      'nat-OUTPUT': { type: 'nat', hook: 'output', priority: -100, policy: 'accept', devices: null },
      'nat-POSTROUTING': { type: 'nat', hook: 'postrouting', priority: 100, policy: 'accept', devices: null },
      'nat-PREROUTING': { type: 'nat', hook: 'prerouting', priority: -100, policy: 'accept', devices: null },
      'raw-PREROUTING': { type: 'filter', hook: 'prerouting', priority: -300, policy: 'accept', devices: null },
    });
    const jumps = table?.sets.find((s) => s.name === 'filter-forward-in-jumps');
    expect(jumps?.map).toBe('verdict');
    expect(jumps?.entries).toEqual([{ key: { kind: 'literal', value: 'br-dummy' }, verdict: { kind: 'jump', target: 'filter-forward-in__br-dummy' } }]);
  });

  it("reads every rule back as Docker's golden text says it (counters aside)", () => {
    const golden = readFileSync(
      join(FIXTURES, 'moby/nftabler-ip6/hairpin=true,internal=false,icc=true,masq=true,snat=false,gwm=nat,bindlh=true__ip6.golden'),
      'utf8',
    );
    const ruleset = read('moby-json/nftabler-ip6-hairpin-true_internal-false_icc-true_masq-true_snat-false_gwm-nat_bindlh-true.json');
    const goldenRules = golden
      .split('\n')
      .map((l) => l.replace(/counter packets 0 bytes 0 ?/g, '').trim())
      .filter((l) => l !== '' && !/^(table|chain|map|type|elements|\}|")/.test(l));
    const readRules = ruleset.tables.flatMap((t) => t.chains.flatMap((c) => c.rules.map(describeRule)));
    expect(readRules.sort()).toEqual(goldenRules.sort());
  });

  it('the IPv4 documentation pages are ip-family tables (an IPv6 packet never meets them)', () => {
    for (const f of files.filter((n) => n.startsWith('nftablesdoc-'))) {
      expect(read(`moby-json/${f}`).tables.map((t) => `${t.family} ${t.name}`)).toEqual(['ip docker-bridges']);
    }
  });
});

describe('designed rulesets (hand-written inputs, as nft rendered them)', () => {
  it('sets with concatenations, ranges and prefixes, inline verdict maps', () => {
    const ruleset = read('designed/v6wall-like.json');
    expect(ruleset.warnings).toEqual([]);
    const table = ruleset.tables[0];
    expect(table?.sets.find((s) => s.name === 'openings')?.elements).toContainEqual({
      kind: 'concat',
      parts: [
        { kind: 'literal', value: '2001:db8:1234:a1:1::ab53' },
        { kind: 'literal', value: 'tcp' },
        { kind: 'literal', value: 80 },
      ],
    });
    const input = table?.chains.find((c) => c.name === 'input');
    expect(input?.rules.map(describeRule)).toEqual([
      'ct state vmap { invalid : drop, established : accept, related : accept }',
      'iif "lo" accept',
      'tcp dport 2222 accept',
      'tcp dport 2200 ip6 saddr @ssh_sources accept',
      'meta l4proto ipv6-icmp accept',
    ]);
  });

  it('keeps what it does not model as such, never as something it is not', () => {
    const rules = read('designed/uncertain.json').tables[0]?.chains[0]?.rules ?? [];
    const kinds = rules.map((r) => r.statements.map((s) => s.kind).join(' '));
    expect(kinds).toContain('match uncertain-match verdict'); // limit rate
    expect(kinds).toContain('match uncertain-match verdict'); // ct count over
    const hoplimit = rules.find((r) => describeRule(r).includes('hoplimit'));
    expect(hoplimit?.statements[1]).toMatchObject({ kind: 'match', left: { kind: 'payload', protocol: 'ip6', field: 'hoplimit' } });
  });

  it("iptables-nft's extensions appear by name only", () => {
    const ruleset = read('iptables-nft/designed-matches.nft.json');
    const statements = ruleset.tables.flatMap((t) => t.chains.flatMap((c) => c.rules.flatMap((r) => r.statements)));
    const texts = (kind: string) => statements.flatMap((s) => (s.kind === kind && 'text' in s ? [s.text] : []));
    expect(texts('uncertain-match')).toEqual(
      expect.arrayContaining(['iptables match "addrtype"', 'iptables match "conntrack"', 'iptables match "multiport"', 'limit rate 3/minute']),
    );
    expect(texts('unsupported')).toEqual(expect.arrayContaining(['iptables target "DNAT"', 'iptables target "CT"']));
    // LOG decides nothing; REJECT is a verdict whatever reads it.
    expect(statements).toContainEqual({ kind: 'passive', name: 'iptables target LOG' });
    expect(statements).toContainEqual({ kind: 'verdict', verdict: { kind: 'reject', with: null } });
  });
});

describe('what is not nft -j output', () => {
  it.each([
    ['', /not JSON/],
    ['{"nftables": 3}', /no "nftables" list/],
    ['[1,2]', /no "nftables" list/],
  ])('%j gives a warning and no tables', (text, warning) => {
    const ruleset = parseNftJson(text);
    expect(ruleset.tables).toEqual([]);
    expect(ruleset.warnings[0]).toMatch(warning);
  });

  it('a rule without a table or a chain object is kept, with a warning for what is missing', () => {
    const ruleset = parseNftJson(
      JSON.stringify({
        nftables: [{ rule: { family: 'inet', table: 't', chain: 'c', expr: [{ accept: null }] } }, { rule: { family: 'inet' } }, { bogus: {} }],
      }),
    );
    expect(ruleset.tables[0]?.chains[0]?.rules).toHaveLength(1);
    expect(ruleset.warnings).toEqual(['item 1 (rule): no family or table', 'item 2: unknown kind "bogus"']);
  });
});

describe('the chain index reads its keys straight from the JSON', () => {
  it('and they are exactly what the parsed statements demand, for every rule of every fixture', () => {
    const dirs = ['moby-json', 'designed', 'iptables-nft', 'lab'];
    let keyed = 0;
    for (const dir of dirs) {
      for (const f of readdirSync(join(FIXTURES, dir)).filter((n) => n.endsWith('.json') && !['captured.json', 'lab-captures.json'].includes(n))) {
        for (const table of read(`${dir}/${f}`).tables) {
          for (const chain of table.chains) {
            for (const rule of chain.rules) {
              const fromJson = indexKeysOf(rule);
              const fromStatements = indexKeysOf({ handle: rule.handle, comment: rule.comment, statements: rule.statements });
              expect({ rule: describeRule(rule), keys: fromJson }).toEqual({ rule: describeRule(rule), keys: fromStatements });
              if (fromJson.requiredPorts !== null || fromJson.requiredDestination !== null) keyed++;
            }
          }
        }
      }
    }
    expect(keyed).toBeGreaterThan(50);
  });
});
