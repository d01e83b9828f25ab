import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseIptablesSave } from '../../src/core/iptables/parse-save.js';
import type { Ruleset, SaveRule } from '../../src/core/iptables/ruleset.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/ip6tables');
const fixture = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');
const saveFixtures = readdirSync(FIXTURES).filter((f) => f.endsWith('.ip6tables-save') || f.endsWith('.save'));

function rulesOf(rs: Ruleset, table: string, chain: string): SaveRule[] {
  return rs.tables.find((t) => t.name === table)?.chains.find((c) => c.name === chain)?.rules ?? [];
}

function ruleContaining(rs: Ruleset, table: string, chain: string, text: string): SaveRule {
  const rule = rulesOf(rs, table, chain).find((r) => r.text.includes(text));
  if (rule === undefined) throw new Error(`no rule with "${text}" in ${table}/${chain}`);
  return rule;
}

describe('parseIptablesSave on captured ip6tables-save output', () => {
  it.each(saveFixtures)('reads %s with every line understood', (name) => {
    const rs = parseIptablesSave(fixture(name));
    expect(rs.warnings).toEqual([]);
    expect(rs.tables.map((t) => t.name)).toContain('filter');
  });

  it("reads UFW's policies and chains (UFW 0.36.2 in a lab namespace)", () => {
    const rs = parseIptablesSave(fixture('ufw-0.36.2-netns-no-docker.save'));
    const filter = rs.tables.find((t) => t.name === 'filter');
    expect(filter?.chains.find((c) => c.name === 'INPUT')?.policy).toBe('DROP');
    expect(filter?.chains.find((c) => c.name === 'OUTPUT')?.policy).toBe('ACCEPT');
    expect(filter?.chains.find((c) => c.name === 'ufw6-user-forward')?.policy).toBeNull();
    expect(rulesOf(rs, 'filter', 'INPUT').map((r) => r.target)).toContainEqual({ kind: 'jump', chain: 'ufw6-before-input' });
  });

  it('reads a route rule as destination, protocol and port', () => {
    const rs = parseIptablesSave(fixture('ufw-0.36.2-netns-no-docker.save'));
    const rule = ruleContaining(rs, 'filter', 'ufw6-user-forward', '--dport 80');
    expect(rule.matches).toEqual([
      { kind: 'addr', dir: 'dst', cidr: { family: 6, address: '2001:db8:1234:a1:1::10', prefix: 128 }, negated: false },
      { kind: 'proto', proto: 'tcp', negated: false },
      { kind: 'port', dir: 'dst', ranges: [{ from: 80, to: 80 }], negated: false },
    ]);
    expect(rule.target).toEqual({ kind: 'ACCEPT' });
  });

  it('keeps a quoted log prefix with spaces inside one LOG target, which lets the packet carry on', () => {
    const rs = parseIptablesSave(fixture('ufw-0.36.2-netns-no-docker.save'));
    const rule = ruleContaining(rs, 'filter', 'ufw6-logging-deny', '[UFW BLOCK]');
    expect(rule.target).toEqual({ kind: 'non-terminating', name: 'LOG' });
    expect(rule.matches).toEqual([
      { kind: 'unknown', text: '-m limit --limit 3/min' },
      { kind: 'unknown', text: '-m limit --limit-burst 10' },
    ]);
  });

  it("understands ufw limit's recent bookkeeping (never true for a first connection)", () => {
    const rs = parseIptablesSave(fixture('ufw-0.36.2-netns-no-docker.save'));
    const check = ruleContaining(rs, 'filter', 'ufw6-user-input', '--update');
    expect(check.matches).toContainEqual({ kind: 'recent-check' });
    expect(check.matches.some((m) => m.kind === 'unknown')).toBe(false);
    const set = ruleContaining(rs, 'filter', 'ufw6-user-input', '--set');
    expect(set.target).toBeNull();
  });

  it('reads negations, wildcards, multiport, ranges, state, ctorigdstport, addrtype, goto, DNAT and NOTRACK', () => {
    const rs = parseIptablesSave(fixture('designed-matches.ip6tables-save'));
    expect(ruleContaining(rs, 'raw', 'PREROUTING', 'br-nat').matches).toContainEqual({ kind: 'iface', dir: 'in', name: 'br-nat', negated: true });
    expect(ruleContaining(rs, 'raw', 'PREROUTING', '--notrack').target).toEqual({ kind: 'NOTRACK' });
    expect(ruleContaining(rs, 'filter', 'FORWARD', 'br-+').matches).toContainEqual({ kind: 'iface', dir: 'out', name: 'br-+', negated: false });
    expect(ruleContaining(rs, 'filter', 'INPUT', 'multiport').matches).toContainEqual({
      kind: 'port',
      dir: 'dst',
      ranges: [
        { from: 22, to: 22 },
        { from: 2222, to: 2222 },
        { from: 8000, to: 8100 },
      ],
      negated: false,
    });
    expect(ruleContaining(rs, 'filter', 'INPUT', '! --dport 1:10000').matches).toContainEqual({
      kind: 'port',
      dir: 'dst',
      ranges: [{ from: 1, to: 10000 }],
      negated: true,
    });
    expect(ruleContaining(rs, 'filter', 'INPUT', '--state').matches).toEqual([{ kind: 'state', states: ['RELATED', 'ESTABLISHED'], negated: false }]);
    expect(ruleContaining(rs, 'filter', 'INPUT', '! -s').matches[0]).toEqual({
      kind: 'addr',
      dir: 'src',
      cidr: { family: 6, address: '2001:db8:6::', prefix: 48 },
      negated: true,
    });
    expect(ruleContaining(rs, 'filter', 'DOCKER-USER', 'ctorigdstport').matches).toEqual([
      { kind: 'state', states: ['NEW'], negated: false },
      { kind: 'ctorigdstport', range: { from: 8082, to: 8082 }, negated: false },
    ]);
    expect(ruleContaining(rs, 'filter', 'custom-in', '-g').target).toEqual({ kind: 'goto', chain: 'custom-goto' });
    expect(ruleContaining(rs, 'nat', 'PREROUTING', 'addrtype').matches).toEqual([{ kind: 'addrtype', dir: 'dst', types: ['LOCAL'], negated: false }]);
    expect(ruleContaining(rs, 'nat', 'DOCKER', '8081').target).toEqual({
      kind: 'DNAT',
      address: '2001:db8:1234:a1:2::10',
      ports: { from: 80, to: 80 },
    });
    expect(ruleContaining(rs, 'nat', 'DOCKER', '8082').target).toEqual({
      kind: 'DNAT',
      address: '2001:db8:1234:a1:2::11',
      ports: { from: 8000, to: 8010 },
    });
    expect(ruleContaining(rs, 'nat', 'POSTROUTING', 'MASQUERADE').target).toEqual({ kind: 'MASQUERADE' });
    expect(ruleContaining(rs, 'filter', 'INPUT', '--dport 7777 -m mark').matches).toContainEqual({ kind: 'unknown', text: '-m mark --mark 0x1' });
  });

  it('reads counters from ip6tables-save -c and keeps the line number of each rule', () => {
    const rs = parseIptablesSave('*filter\n:INPUT DROP [12:345]\n[3:180] -A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\nCOMMIT\n');
    const rule = rulesOf(rs, 'filter', 'INPUT')[0];
    expect(rule?.line).toBe(3);
    expect(rule?.text).toBe('-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT');
    expect(rs.warnings).toEqual([]);
  });

  it('says which lines it could not read instead of failing', () => {
    const rs = parseIptablesSave('-A INPUT -j ACCEPT\n*filter\n:INPUT ACCEPT [0:0]\nnonsense here\n-A INPUT -s not-an-address -j DROP\n');
    expect(rs.warnings.map((w) => w.line)).toEqual([1, 4, 5, 6]);
    expect(rulesOf(rs, 'filter', 'INPUT')[0]?.matches).toEqual([{ kind: 'unknown', text: '-s not-an-address' }]);
  });
});

describe('parseIptablesSave never throws', () => {
  const words = fc.constantFrom(
    '*filter',
    '*nat',
    '*raw',
    'COMMIT',
    ':INPUT',
    'ACCEPT',
    'DROP',
    '[0:0]',
    '-',
    '-A',
    'INPUT',
    'DOCKER',
    '-j',
    '-g',
    '-m',
    'tcp',
    'multiport',
    'conntrack',
    'addrtype',
    '--dport',
    '--dports',
    '--ctstate',
    '--ctorigdstport',
    '--dst-type',
    '!',
    '-s',
    '-d',
    '-i',
    '-o',
    '-p',
    '2001:db8::/64',
    '::/0',
    '80',
    '1:65535',
    '80,443',
    'NEW',
    'LOCAL',
    'DNAT',
    '--to-destination',
    '[2001:db8::1]:80',
    '[::1',
    '"',
    '"a b"',
    '\\',
    'br-+',
    '',
    '\t',
    '-c',
    'REDIRECT',
    '--to-ports',
    'CT',
  );
  const line = fc.array(words, { maxLength: 12 }).map((ws) => ws.join(' '));

  it('on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (text) => {
        const rs = parseIptablesSave(text);
        expect(Array.isArray(rs.tables)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('on rule-like lines built from iptables words', () => {
    fc.assert(
      fc.property(fc.array(line, { maxLength: 30 }), (lines) => {
        const rs = parseIptablesSave(lines.join('\n'));
        for (const t of rs.tables) for (const c of t.chains) for (const r of c.rules) expect(r.line).toBeGreaterThan(0);
      }),
      { numRuns: 500 },
    );
  });
});
