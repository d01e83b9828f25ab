import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { foreignDockerUserRules, hasBlock, installBlock, normaliseIpv6Subnet, removeBlock, renderDockerUserBlock } from '../../src/core/docker-user-block.js';
import { parseIptablesSave } from '../../src/core/iptables/parse-save.js';

const AFTER6 = readFileSync(join(import.meta.dirname, '../fixtures/ip6tables/ufw-0.36.2-after6.rules'), 'utf8');

function ok<T>(r: { ok: true; value: T } | { ok: false; error: string } | { ok: false; errors: unknown }): T {
  if (!r.ok) throw new Error(`expected ok, got ${JSON.stringify('error' in r ? r.error : r.errors)}`);
  return r.value;
}

const BLOCK = ok(renderDockerUserBlock(['2001:db8:1234:a1:1::/80', '2001:db8:1234:a1:2::/80'], ['br-a1b2c3d4e5f6', 'docker0']));

describe('renderDockerUserBlock', () => {
  it('returns established traffic and bridge traffic first, asks UFW, then drops new traffic to the subnets', () => {
    const rules = BLOCK.split('\n').filter((l) => l.startsWith('-A'));
    expect(rules).toEqual([
      '-A DOCKER-USER -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN',
      '-A DOCKER-USER -p ipv6-icmp -m icmp6 --icmpv6-type 128 -j RETURN',
      '-A DOCKER-USER -i br-a1b2c3d4e5f6 -j RETURN',
      '-A DOCKER-USER -i docker0 -j RETURN',
      '-A DOCKER-USER -j ufw6-user-forward',
      '-A DOCKER-USER -d 2001:db8:1234:a1:1::/80 -m conntrack --ctstate NEW -j DROP',
      '-A DOCKER-USER -d 2001:db8:1234:a1:2::/80 -m conntrack --ctstate NEW -j DROP',
    ]);
  });

  it('declares DOCKER-USER (so a ufw reload replaces it instead of doubling it) and ufw6-user-forward (loaded later by UFW)', () => {
    expect(BLOCK).toContain(':DOCKER-USER - [0:0]');
    expect(BLOCK).toContain(':ufw6-user-forward - [0:0]');
  });

  it('is delimited by marker lines naming v6wall', () => {
    const lines = BLOCK.split('\n');
    expect(lines[0]).toMatch(/^# BEGIN v6wall/);
    expect(lines.at(-1)).toMatch(/^# END v6wall/);
  });

  it('never contains the words `ufw default` rewrites in this file', () => {
    expect(BLOCK).not.toMatch(/UFW (ALLOW|BLOCK)/);
  });

  it('normalises subnets and drops duplicates', () => {
    const block = ok(renderDockerUserBlock(['2001:DB8:0:1:0::/80', '2001:db8:0:1::/80', '2001:db8:0:1::5/80'], ['br0']));
    expect(block.split('\n').filter((l) => l.includes('-j DROP'))).toEqual(['-A DOCKER-USER -d 2001:db8:0:1::/80 -m conntrack --ctstate NEW -j DROP']);
  });

  it.each([
    ['192.0.2.0/24', 'is not an IPv6 subnet'],
    ['2001:db8::1', 'is not an IPv6 subnet'],
    ['2001:db8::/64 -j ACCEPT', 'is not an IPv6 subnet'],
    ['::/0', 'far too broad'],
    ['::ffff:192.0.2.0/120', 'IPv4-mapped'],
  ])('refuses the subnet %s', (subnet, message) => {
    const r = renderDockerUserBlock([subnet], ['br0']);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.join('\n')).toContain(message);
  });

  it.each(['br0 -j ACCEPT', 'br-+', 'a/b', '', 'averyveryverylongname', '-i'])('refuses the interface name "%s"', (bridge) => {
    const r = renderDockerUserBlock(['2001:db8::/64'], [bridge]);
    expect(r.ok).toBe(false);
  });

  it('refuses to render without subnets or bridges', () => {
    expect(renderDockerUserBlock([], ['br0']).ok).toBe(false);
    expect(renderDockerUserBlock(['2001:db8::/64'], []).ok).toBe(false);
  });

  it('normaliseIpv6Subnet gives the network address', () => {
    expect(normaliseIpv6Subnet(' 2001:db8:0:0:1::9/80 ')).toEqual({ ok: true, value: '2001:db8:0:0:1::/80' });
  });
});

describe("installBlock / removeBlock on UFW's after6.rules (0.36.2 package file)", () => {
  it('puts the block inside *filter, after the last rule and before the closing comment and COMMIT', () => {
    const installed = ok(installBlock(AFTER6, BLOCK));
    const lines = installed.split('\n');
    const filter = lines.indexOf('*filter');
    const begin = lines.findIndex((l) => l.startsWith('# BEGIN v6wall'));
    const end = lines.findIndex((l) => l.startsWith('# END v6wall'));
    const commit = lines.indexOf('COMMIT');
    expect(filter).toBeGreaterThan(-1);
    expect(begin).toBeGreaterThan(filter);
    expect(end).toBeLessThan(commit);
    expect(lines[begin - 2]).toContain('--dport 547');
    expect(lines.slice(end + 1, commit).join('\n')).toContain("don't delete the 'COMMIT' line");
    expect(hasBlock(installed)).toBe(true);
    expect(hasBlock(AFTER6)).toBe(false);
  });

  it('installing twice gives the same file; a new block replaces the old one in place', () => {
    const once = ok(installBlock(AFTER6, BLOCK));
    expect(ok(installBlock(once, BLOCK))).toBe(once);
    const other = ok(renderDockerUserBlock(['2001:db8:9::/64'], ['br-9']));
    const replaced = ok(installBlock(once, other));
    expect(replaced).toContain('2001:db8:9::/64');
    expect(replaced).not.toContain('2001:db8:1234:a1:1::/80');
    expect(ok(removeBlock(replaced))).toBe(AFTER6);
  });

  it('removing gives back the file byte for byte', () => {
    expect(ok(removeBlock(ok(installBlock(AFTER6, BLOCK))))).toBe(AFTER6);
    expect(ok(removeBlock(AFTER6))).toBe(AFTER6);
  });

  it('refuses a file without a *filter section ending in COMMIT', () => {
    const r = installBlock('# nothing here\n', BLOCK);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain('/usr/share/ufw/after6.rules');
  });

  it('refuses to guess when a marker line is missing', () => {
    const damaged = ok(installBlock(AFTER6, BLOCK)).replace(/# END v6wall[^\n]*\n/, '');
    expect(installBlock(damaged, BLOCK).ok).toBe(false);
    const r = removeBlock(damaged);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain('damaged v6wall block');
  });
});

describe('installBlock / removeBlock properties', () => {
  const plainLine = fc
    .string({ maxLength: 30 })
    .map((s) => s.replace(/\n/g, ' '))
    .filter((s) => !s.trim().startsWith('# BEGIN v6wall') && !s.trim().startsWith('# END v6wall') && !s.trim().startsWith('*') && s.trim() !== 'COMMIT');
  const ruleLine = fc.constantFrom('-A ufw6-after-input -p udp --dport 137 -j DROP', ':ufw6-after-input - [0:0]', '# a comment', '', '   ');
  const body = fc.array(fc.oneof(plainLine, ruleLine), { maxLength: 8 });
  const after6Text = fc
    .tuple(body, body, body, fc.boolean())
    .map(([before, inside, after, trailingNewline]) => [...before, '*filter', ...inside, 'COMMIT', ...after].join('\n') + (trailingNewline ? '\n' : ''));
  const block = fc
    .tuple(
      fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 1, maxLength: 3 }),
      fc.array(fc.constantFrom('br0', 'docker0', 'br-abc'), { minLength: 1, maxLength: 3 }),
    )
    .map(([nets, bridges]) =>
      ok(
        renderDockerUserBlock(
          nets.map((n) => `2001:db8:${n.toString(16)}::/64`),
          bridges,
        ),
      ),
    );

  it('install ∘ install = install', () => {
    fc.assert(
      fc.property(after6Text, block, (text, b) => {
        const once = ok(installBlock(text, b));
        expect(ok(installBlock(once, b))).toBe(once);
      }),
      { numRuns: 300 },
    );
  });

  it('remove ∘ install = the original file', () => {
    fc.assert(
      fc.property(after6Text, block, (text, b) => {
        expect(ok(removeBlock(ok(installBlock(text, b))))).toBe(text);
      }),
      { numRuns: 300 },
    );
  });

  it('the block always lands between *filter and its COMMIT', () => {
    fc.assert(
      fc.property(after6Text, block, (text, b) => {
        const lines = ok(installBlock(text, b)).split('\n');
        const filter = lines.indexOf('*filter');
        const begin = lines.findIndex((l) => l.startsWith('# BEGIN v6wall'));
        const commit = lines.indexOf('COMMIT');
        expect(filter < begin && begin < commit).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe('foreignDockerUserRules (live rules the block would flush on every ufw reload)', () => {
  const capture = (name: string) => parseIptablesSave(readFileSync(join(import.meta.dirname, '../fixtures/ip6tables', name), 'utf8'));

  it("finds none on Docker 28 without the block, nor with v6wall's own block loaded by ufw", () => {
    expect(foreignDockerUserRules(capture('docker28-nat-ufw-active.v6wall-lab.ip6tables-save'))).toEqual([]);
    const withBlock = capture('docker28-nat-v6wall-block-ufw-active.v6wall-lab.ip6tables-save');
    expect(withBlock.tables.find((t) => t.name === 'filter')?.chains.find((c) => c.name === 'DOCKER-USER')?.rules.length).toBeGreaterThan(3);
    expect(foreignDockerUserRules(withBlock)).toEqual([]);
  });

  it("names an operator's own rule", () => {
    const rs = parseIptablesSave('*filter\n:DOCKER-USER - [0:0]\n-A DOCKER-USER -s 2001:db8:bad::/48 -j DROP\n-A DOCKER-USER -j RETURN\nCOMMIT\n');
    expect(foreignDockerUserRules(rs).map((r) => r.text)).toEqual(['-A DOCKER-USER -s 2001:db8:bad::/48 -j DROP']);
  });
});
