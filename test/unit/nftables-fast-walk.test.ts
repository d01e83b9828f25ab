// The fast nftables walk (chain index, direct tests of ports, addresses and interface names,
// statements read from the JSON on demand) against the plain one (every rule of a chain in
// order, every condition through the general path, rules parsed whole): the same results,
// verdict, deciding rule, reason, trail and notes, on random rulesets grown from the captured
// fixtures. Each case takes a captured ruleset and inserts, at random places in a few of its
// chains, copies of rules of every captured ruleset with their addresses and ports redrawn
// (often enough for the chain index to take over), then judges connections mostly to addresses
// the host routes. The last test checks the index's address keys against parsed addresses.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addrKey, addrKeyOfText, formatAddr, inCidr, parseAddr, toAddrCidr } from '../../src/core/iptables/address.js';
import { parseIptablesSave } from '../../src/core/iptables/parse-save.js';
import { analyzeReachability, type Probe, type RoutingContext } from '../../src/core/iptables/reachability.js';
import { parseNftJson } from '../../src/core/nftables/parse-json.js';
import type { NftRuleset } from '../../src/core/nftables/ruleset.js';

const NFT = join(import.meta.dirname, '../fixtures/nftables');
const CAPTURE_INDEXES = ['captured.json', 'lab-captures.json'];
const PLAIN_WALK = { chainIndex: false, directTests: false };

type Json = Record<string, unknown>;
interface Base {
  name: string;
  items: Json[];
  ip6tablesSave: string;
  context: RoutingContext;
}

const labCaptures = JSON.parse(readFileSync(join(NFT, 'lab/lab-captures.json'), 'utf8')) as Record<string, { context: RoutingContext }>;

const GENERIC_CONTEXT: RoutingContext = {
  publicInterface: 'eth0',
  hostAddresses: ['2001:db8:1234:1::2', '2001:db8:1234:a1:1::1'],
  dockerSubnets: [
    { subnet: 'fd49:efd7:54aa::/64', bridge: 'br-dummy' },
    { subnet: '2001:db8:1234:a1:1::/80', bridge: 'br-lab' },
  ],
};

function readBases(): Base[] {
  const bases: Base[] = [];
  for (const dir of ['moby-json', 'designed', 'lab', 'v6wall', 'iptables-nft']) {
    for (const file of readdirSync(join(NFT, dir)).filter((f) => f.endsWith('.json') && !CAPTURE_INDEXES.includes(f))) {
      const doc = JSON.parse(readFileSync(join(NFT, dir, file), 'utf8')) as { nftables: Json[] };
      const stem = file.replace(/\.nft\.json$/, '');
      const lab = dir === 'lab' ? labCaptures[stem] : undefined;
      const save = dir === 'lab' ? readFileSync(join(NFT, dir, `${stem}.ip6tables-save`), 'utf8') : '';
      bases.push({ name: `${dir}/${file}`, items: doc.nftables, ip6tablesSave: save, context: lab?.context ?? GENERIC_CONTEXT });
    }
  }
  return bases;
}

const BASES = readBases();
const ruleOf = (item: Json): Json | null => (typeof item.rule === 'object' && item.rule !== null ? (item.rule as Json) : null);
const exprOf = (rule: Json): Json[] => (Array.isArray(rule.expr) ? (rule.expr as Json[]) : []);

/** The payload a match statement reads (`ip6 daddr`, `tcp dport`), or null. */
function payloadOf(statement: Json): { protocol: string; field: string; match: Json } | null {
  const match = statement.match as Json | undefined;
  const left = match?.left as Json | undefined;
  const payload = left?.payload as Json | undefined;
  if (match === undefined || payload === undefined || typeof payload.protocol !== 'string' || typeof payload.field !== 'string') return null;
  return { protocol: payload.protocol, field: payload.field, match };
}

const isAddressMatch = (p: { protocol: string; field: string; match: Json }): boolean =>
  p.protocol === 'ip6' && (p.field === 'daddr' || p.field === 'saddr') && typeof p.match.right === 'string' && !p.match.right.startsWith('@');
const isPortMatch = (p: { protocol: string; field: string; match: Json }): boolean =>
  ['tcp', 'udp', 'th'].includes(p.protocol) && (p.field === 'dport' || p.field === 'sport') && typeof p.match.right === 'number';

// Every rule of every captured ruleset, and the addresses, ports and interface names they name.
const ALL_RULES = BASES.flatMap((b) => b.items.map(ruleOf).filter((r): r is Json => r !== null));
// Copies go into other tables: what names a chain, a map or a set of its own table would only make every answer "cannot judge".
const SELF_CONTAINED = ALL_RULES.filter((r) => !/"(jump|goto|vmap|xt)"|"@/.test(JSON.stringify(exprOf(r))));
const KEYED_RULES = SELF_CONTAINED.filter((r) =>
  exprOf(r).some((s) => {
    const p = payloadOf(s);
    return p !== null && (isAddressMatch(p) || isPortMatch(p));
  }),
);
const ADDRESSES = new Set<string>(['2001:db8:1234:1::2', '2001:db8:1234:a1:1::1', 'fd49:efd7:54aa::1', 'fd49:efd7:54aa::2', '2001:db8:ffff::9']);
const PORTS = new Set<number>([22, 80, 443, 2222, 8080]);
const IFNAMES = new Set<string>(['eth0', 'br-dummy', 'br-lab']);
for (const rule of ALL_RULES) {
  for (const s of exprOf(rule)) {
    const p = payloadOf(s);
    if (p !== null && isAddressMatch(p)) ADDRESSES.add(p.match.right as string);
    if (p !== null && isPortMatch(p)) PORTS.add(p.match.right as number);
    const meta = ((s.match as Json | undefined)?.left as Json | undefined)?.meta as Json | undefined;
    const right = (s.match as Json | undefined)?.right;
    if (meta !== undefined && typeof right === 'string' && /^[a-z]/.test(right)) IFNAMES.add(right);
  }
}
for (const base of BASES) for (const a of base.context.hostAddresses) ADDRESSES.add(a);

const address = fc.constantFrom(...ADDRESSES);
const port = fc.oneof(fc.constantFrom(...PORTS), fc.integer({ min: 1, max: 65535 }));

/** A copy of a captured rule with its literal addresses and ports redrawn, sometimes negated. */
const grownRule = fc
  .tuple(
    fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...KEYED_RULES) }, { weight: 1, arbitrary: fc.constantFrom(...SELF_CONTAINED) }),
    fc.array(fc.tuple(address, port, fc.integer({ min: 0, max: 9 })), { minLength: 4, maxLength: 4 }),
  )
  .map(([rule, draws]) => {
    const expr = structuredClone(exprOf(rule));
    expr.forEach((s, i) => {
      const p = payloadOf(s);
      const [a, n, flip] = draws[i % draws.length] as [string, number, number];
      if (p === null || (!isAddressMatch(p) && !isPortMatch(p))) return;
      p.match.right = isAddressMatch(p) ? a : n;
      if (flip === 0) p.match.op = p.match.op === '!=' ? '==' : '!=';
    });
    return expr;
  });

/** Where to grow a chain: which chain (by its position in the base), after which of its items, and what. */
const growth = fc.array(fc.tuple(fc.nat(), fc.nat(), fc.array(grownRule, { minLength: 1, maxLength: 80, size: 'medium' })), { maxLength: 3 });

function grow(base: Base, growths: [number, number, Json[][]][]): string {
  const items = [...base.items];
  const chains = items.flatMap((item) => (typeof item.chain === 'object' && item.chain !== null ? [item.chain as Json] : []));
  for (const [which, after, rules] of growths) {
    const chain = chains[which % Math.max(1, chains.length)];
    if (chain === undefined) continue;
    const at = items.flatMap((item, i) => {
      const rule = ruleOf(item);
      const same = (o: Json) => o.family === chain.family && o.table === chain.table;
      return item.chain === chain || (rule !== null && same(rule) && rule.chain === chain.name) ? [i] : [];
    });
    const where = (at[after % at.length] ?? items.length - 1) + 1;
    items.splice(where, 0, ...rules.map((expr) => ({ rule: { family: chain.family, table: chain.table, chain: chain.name, expr } })));
  }
  return JSON.stringify({ nftables: items });
}

/** Mostly addresses the base's host routes (its own, or in a Docker subnet); now and then any. */
function routable(base: Base): string[] {
  const subnets = base.context.dockerSubnets.map((s) => {
    const [addr, len] = s.subnet.split('/');
    return toAddrCidr({ family: 6, address: addr ?? '', prefix: Number(len) });
  });
  const routed = [...ADDRESSES].filter((a) => {
    const parsed = parseAddr(a);
    return parsed !== null && (base.context.hostAddresses.includes(a) || subnets.some((c) => c !== null && inCidr(parsed, c)));
  });
  return routed.length > 0 ? routed : base.context.hostAddresses;
}

const probeTo = (base: Base): fc.Arbitrary<Probe> =>
  fc.record(
    {
      address: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...routable(base)) }, { weight: 1, arbitrary: address }),
      port,
      proto: fc.constantFrom('tcp' as const, 'udp' as const),
      source: address,
      inInterface: fc.constantFrom(...IFNAMES),
    },
    { requiredKeys: ['address', 'port', 'proto'] },
  );

/** A captured ruleset, how to grow it, and connections to judge on it. */
const testCase = fc.constantFrom(...BASES).chain((base) => fc.tuple(fc.constant(base), growth, fc.array(probeTo(base), { minLength: 1, maxLength: 8 })));

/** The ruleset as plain data: rules parsed whole, none read from the JSON on demand. */
const plainData = (ruleset: NftRuleset): NftRuleset => JSON.parse(JSON.stringify(ruleset)) as NftRuleset;

describe('the fast nftables walk gives the same results as the plain rule-by-rule walk', () => {
  it('on captured rulesets grown with redrawn copies of captured rules, for random connections', () => {
    fc.assert(
      fc.property(testCase, ([base, growths, probes]) => {
        const text = grow(base, growths);
        const iptables = parseIptablesSave(base.ip6tablesSave);
        const fast = analyzeReachability(iptables, base.context, probes, parseNftJson(text));
        const plain = analyzeReachability(iptables, base.context, probes, plainData(parseNftJson(text)), PLAIN_WALK);
        expect(fast).toEqual(plain);
      }),
      { numRuns: 400 },
    );
  });

  it('and the growth reaches the chain index (long chains whose rules demand one port or address)', () => {
    // A guard on the generator: without chains of 32 rules and more, the index would never be used.
    const sample = fc.sample(fc.tuple(fc.constantFrom(...BASES), growth), { numRuns: 100, seed: 1 });
    const long = sample.filter(([base, growths]) => parseNftJson(grow(base, growths)).tables.some((t) => t.chains.some((c) => c.rules.length >= 32))).length;
    expect(long).toBeGreaterThan(40);
    expect(KEYED_RULES.length).toBeGreaterThan(20);
  });
});

describe("the chain index's address keys", () => {
  it('read from the text are those of the parsed address, in every spelling, and none for what is not IPv6', () => {
    const group = fc.integer({ min: 0, max: 0xffff });
    const spelled = fc.tuple(fc.array(group, { minLength: 8, maxLength: 8 }), fc.constantFrom('canonical', 'full', 'upper')).map(([groups, how]) => {
      const full = groups.map((g) => g.toString(16).padStart(how === 'full' ? 4 : 1, '0')).join(':');
      const text = how === 'canonical' ? formatAddr(parseAddr(full) as Int32Array) : full;
      return how === 'upper' ? text.toUpperCase() : text;
    });
    fc.assert(
      fc.property(
        fc.oneof(spelled, fc.constantFrom('::', '::1', '1::', '::ffff:192.0.2.1', 'fe80::1%eth0', '1:::2', '192.0.2.1', ':1::', 'g::1'), fc.string()),
        (text) => {
          const address = parseAddr(text);
          expect(addrKeyOfText(text)).toBe(address === null ? null : addrKey(address));
        },
      ),
      { numRuns: 2000 },
    );
  });
});
