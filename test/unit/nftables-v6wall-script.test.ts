// v6wall's own nftables table: every generated script passes a real `nft -c` (run in a network
// namespace of its own, so the machine's ruleset is never consulted or changed), SSH is accepted
// before anything is dropped, and the table nft lists back reads without throwing.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { renderV6wallTable, replaceTableScript, v6wallScript, type V6wallTableSpec } from '../../src/core/nftables/v6wall-script.js';
import { liveTableMatches, liveV6wallTable } from '../../src/core/nftables/v6wall-table.js';
import { parseNftJson } from '../../src/core/nftables/parse-json.js';
import { formatRuleComment } from '../../src/core/rule-comment.js';
import { parseSource } from '../../src/core/sources.js';

const nftUsable = ((): string | null => {
  if (process.getuid?.() !== 0) return 'needs root (nft -c talks to the kernel)';
  const probe = spawnSync('unshare', ['-n', 'nft', '-c', '-f', '/dev/stdin'], { input: 'table inet probe\n' });
  return probe.status === 0 ? null : `nft -c does not run here: ${probe.stderr?.toString().trim() ?? 'unshare or nft missing'}`;
})();

/** Runs nft in a fresh network namespace: -c checks; otherwise loads and prints `nft -j list ruleset`. */
function nftInFreshNamespace(script: string, check: boolean): { status: number | null; out: string; err: string } {
  const args = check ? ['-n', 'nft', '-c', '-f', '/dev/stdin'] : ['-n', 'sh', '-c', 'nft -f /dev/stdin && nft -j list ruleset'];
  const result = spawnSync('unshare', args, { input: script });
  return { status: result.status, out: result.stdout.toString(), err: result.stderr.toString() };
}

const port = fc.integer({ min: 1, max: 65535 });
const proto = fc.constantFrom('tcp' as const, 'udp' as const);
const address = fc
  .ipV6()
  .map((text) => parseSource(text))
  .filter((p) => p.ok)
  .map((p) => (p.ok ? (p.value.split('/')[0] ?? '') : ''));
const network = fc
  .tuple(fc.ipV6(), fc.integer({ min: 16, max: 127 }))
  .map(([a, len]) => parseSource(`${a}/${len}`))
  .filter((p) => p.ok && p.value.includes('/'))
  .map((p) => (p.ok ? p.value : ''));
const source = fc.option(fc.oneof(address, network), { nil: undefined });
const name = fc.stringMatching(/^[a-z0-9][a-z0-9_.-]{0,20}$/);

const specArbitrary: fc.Arbitrary<V6wallTableSpec> = fc.record({
  sshPorts: fc.uniqueArray(port, { minLength: 1, maxLength: 4 }),
  hostOpenings: fc.array(
    fc.record({ proto, port, source, container: name, cport: port }).map(({ container, cport, ...o }) => ({
      ...o,
      ...(o.source === undefined ? {} : { source: o.source }),
      comment: formatRuleComment({
        kind: 'publish',
        container,
        port: cport,
        proto: o.proto,
        hostPort: o.port,
        ...(o.source === undefined ? {} : { source: o.source }),
      }),
    })),
    { maxLength: 6 },
  ),
  containerOpenings: fc.array(
    fc.record({ proto, port, address, source, via: fc.option(port, { nil: undefined }), container: name }).map(({ container, via, ...o }) => ({
      ...o,
      ...(o.source === undefined ? {} : { source: o.source }),
      ...(via === undefined ? {} : { viaHostPort: via }),
      comment: formatRuleComment({
        kind: via === undefined ? 'route' : 'publish',
        container,
        port: o.port,
        proto: o.proto,
        ...(via === undefined ? {} : { hostPort: via }),
        ...(o.source === undefined ? {} : { source: o.source }),
      }),
    })),
    { maxLength: 6 },
  ),
  containerSubnets: fc.array(network, { maxLength: 3 }),
});

/** The rule lines of a chain, in order. */
function chainRules(script: string, chain: string): string[] {
  const start = script.indexOf(`\tchain ${chain} {`);
  const body = script.slice(start, script.indexOf('\t}', start)).split('\n').slice(2);
  return body.map((line) => line.trim()).filter((line) => line !== '');
}

describe("v6wall's nftables script", () => {
  it('accepts SSH before any rule drops, in every generated table', () => {
    fc.assert(
      fc.property(specArbitrary, (spec) => {
        const script = v6wallScript(spec);
        const lines = script.split('\n');
        const ssh = lines.findIndex((line) => /^\t\ttcp dport .* accept comment "v6wall ssh /.test(line));
        const firstDrop = lines.findIndex((line) => /\bdrop$/.test(line.trim()));
        expect(ssh).toBeGreaterThan(0);
        expect(chainRules(script, 'input')[0]).toMatch(/^tcp dport .* accept/);
        if (firstDrop >= 0) expect(ssh).toBeLessThan(firstDrop);
        // The script replaces v6wall's table and nothing else.
        expect(script).not.toMatch(/flush ruleset|^\s*delete table (?!inet v6wall$)/m);
      }),
      { numRuns: 300 },
    );
  });

  it.skipIf(nftUsable !== null)(`passes a real nft -c, every time (${nftUsable ?? 'nft found'})`, () => {
    fc.assert(
      fc.property(specArbitrary, (spec) => {
        const result = nftInFreshNamespace(v6wallScript(spec), true);
        expect(result.err).toBe('');
        expect(result.status).toBe(0);
      }),
      { numRuns: 40 },
    );
  });

  it.skipIf(nftUsable !== null)(
    'loads into a namespace; nft lists it back with SSH as the first input rule, and the openings read back from the comments',
    () => {
      fc.assert(
        fc.property(specArbitrary, (spec) => {
          const loaded = nftInFreshNamespace(v6wallScript(spec), false);
          expect(loaded.err).toBe('');
          const ruleset = parseNftJson(loaded.out);
          const table = ruleset.tables.find((t) => t.family === 'inet' && t.name === 'v6wall');
          expect(table).toBeDefined();
          const live = liveV6wallTable(loaded.out);
          expect(live.present).toBe(true);
          expect(live.openings).toHaveLength(spec.hostOpenings.length + spec.containerOpenings.length);
          const input = JSON.parse(loaded.out).nftables.filter((i: { rule?: { chain: string } }) => i.rule?.chain === 'input');
          expect(JSON.stringify(input[0].rule.expr)).toContain('"accept"');
          expect(input[0].rule.comment).toMatch(/^v6wall ssh /);
          // The live table is recognised as this very table, and as no other.
          expect(liveTableMatches(live, renderV6wallTable(spec))).toBe(true);
          const otherSsh = { ...spec, sshPorts: [...spec.sshPorts.map((p) => (p % 65535) + 1)] };
          expect(liveTableMatches(live, renderV6wallTable(otherSsh))).toBe(false);
        }),
        { numRuns: 10 },
      );
    },
  );

  it.skipIf(nftUsable !== null)('replacing works with and without a table in place, and a null table removes it', () => {
    const spec: V6wallTableSpec = { sshPorts: [22], hostOpenings: [], containerOpenings: [], containerSubnets: ['2001:db8:1::/64'] };
    const twice = nftInFreshNamespace(`${v6wallScript(spec)}${v6wallScript(spec)}`, false);
    expect(twice.err).toBe('');
    expect(liveV6wallTable(twice.out).present).toBe(true);
    const removed = nftInFreshNamespace(`${v6wallScript(spec)}${replaceTableScript(null)}`, false);
    expect(removed.err).toBe('');
    expect(liveV6wallTable(removed.out).present).toBe(false);
    expect(renderV6wallTable(spec)).toContain('ip6 daddr 2001:db8:1::/64 drop');
  });
});

describe('reading the live table', () => {
  it('never throws on any text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (text) => {
        liveV6wallTable(text);
      }),
    );
  });
});
