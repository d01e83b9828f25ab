// The reachability analysis through nftables base chains: Docker's golden rulesets for its
// nftables backend (read back from a real nft) and designed rulesets for each construct.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseIptablesSave } from '../../src/core/iptables/parse-save.js';
import { analyzeReachability, verdictLabel, type Probe, type ReachabilityResult, type RoutingContext } from '../../src/core/iptables/reachability.js';
import { parseNftJson } from '../../src/core/nftables/parse-json.js';

const FIXTURES = join(import.meta.dirname, '../fixtures');
const nft = (path: string) => parseNftJson(readFileSync(join(FIXTURES, 'nftables', path), 'utf8'));
const NO_IPTABLES = parseIptablesSave('');

const HOST = '2001:db8:1234:1::2';
const WEB = '2001:db8:1234:a1:1::ab53';
const PLAIN = '2001:db8:1234:a1:1::ab54';
const OTHER = '2001:db8:1234:a1:1::ab55';
const lab: RoutingContext = {
  publicInterface: 'eth0',
  hostAddresses: [HOST],
  dockerSubnets: [
    { subnet: '2001:db8:1234:a1:1::/80', bridge: 'br-lab' },
    { subnet: '2001:db8:1234:a1:3::/80', bridge: 'br-other' },
  ],
};
const tcp = (address: string, port: number, source?: string): Probe => ({ address, port, proto: 'tcp', ...(source === undefined ? {} : { source }) });
const udp = (address: string, port: number): Probe => ({ address, port, proto: 'udp' });

function judge(path: string, probe: Probe, context: RoutingContext = lab): ReachabilityResult {
  const [result] = analyzeReachability(NO_IPTABLES, context, [probe], nft(path));
  if (result === undefined) throw new Error('no result');
  return result;
}
const verdictOf = (path: string, probe: Probe, context?: RoutingContext): string => judge(path, probe, context).verdict;

describe("Docker's own IPv6 rulesets for its nftables backend (moby's golden files)", () => {
  const golden = (mode: string) => `moby-json/nftabler-ip6-hairpin-false_internal-false_icc-true_masq-true_snat-false_gwm-${mode}_bindlh-false.json`;
  const CONTAINER = 'fd49:efd7:54aa::1';
  const docker: RoutingContext = { publicInterface: 'eth0', hostAddresses: [HOST], dockerSubnets: [{ subnet: 'fd49:efd7:54aa::/64', bridge: 'br-dummy' }] };

  it('nat: the published host port reaches the container, DNATed and accepted by its own rule', () => {
    const r = judge(golden('nat'), tcp(HOST, 8080), docker);
    expect(r.verdict).toBe('open');
    expect(r.reason).toBe(
      'Open: accepted by "ip6 daddr fd49:efd7:54aa::1 tcp dport 80 accept" in chain filter-forward-in__br-dummy (table ip6 docker-bridges).',
    );
    expect(r.trail.join('\n')).toContain('destination rewritten to [fd49:efd7:54aa::1]:80');
    expect(r.dockerOnly).toBe(false);
  });

  it('nat: the container address itself is dropped in raw prerouting', () => {
    const r = judge(golden('nat'), tcp(CONTAINER, 80), docker);
    expect(r.verdict).toBe('blocked');
    expect(r.decidedBy).toMatchObject({ family: 'ip6', table: 'docker-bridges', chain: 'raw-PREROUTING' });
    expect(r.reason).toContain('DROP DIRECT ACCESS');
  });

  it('nat: another container of the network is dropped as an unpublished port', () => {
    const r = judge(golden('nat'), tcp('fd49:efd7:54aa::2', 80), docker);
    expect(r.verdict).toBe('blocked');
    expect(r.reason).toContain('UNPUBLISHED PORT DROP');
  });

  it("nat: the host's own ports are left alone (Docker has no input chain)", () => {
    expect(judge(golden('nat'), tcp(HOST, 22), docker).reason).toBe('Open: no filter rule stops it.');
  });

  it('routed: the container is reached at its own address on the published port, and only there', () => {
    expect(verdictOf(golden('routed'), tcp(CONTAINER, 80), docker)).toBe('open');
    expect(verdictOf(golden('routed'), tcp(CONTAINER, 81), docker)).toBe('blocked');
  });

  it('nat-unprotected: every port of the network is accepted', () => {
    const r = judge(golden('nat-unprotected'), tcp('fd49:efd7:54aa::2', 81), docker);
    expect(r.verdict).toBe('open');
    expect(r.reason).toContain('UNPROTECTED');
  });

  it('internal: nothing from outside', () => {
    expect(judge('moby-json/nftabler-ip6-hairpin-false_internal-true_icc-true.json', tcp(CONTAINER, 80), docker).reason).toContain('INTERNAL NETWORK INGRESS');
  });

  it('the IPv4 table (ip docker-bridges) never meets an IPv6 packet', () => {
    const r = judge('moby-json/nftablesdoc-usernet-portmap.json', tcp(HOST, 8080), docker);
    expect(r.verdict).toBe('open');
    expect(r.trail.join('\n')).not.toContain('docker-bridges');
  });
});

describe('a table v6wall could own (inet, priority filter - 10)', () => {
  const V = 'designed/v6wall-like.json';

  it('SSH is open, anything else to the host is dropped by the policy', () => {
    expect(judge(V, tcp(HOST, 2222)).reason).toBe('Open: accepted by "tcp dport 2222 accept" in chain input (table inet v6wall).');
    expect(judge(V, tcp(HOST, 22)).reason).toBe('Blocked by the policy of chain input (table inet v6wall: policy drop).');
  });

  it('an opening limited to sources: refused from anywhere else, with a note; open from a listed prefix or range', () => {
    const anywhere = judge(V, tcp(HOST, 2200));
    expect(anywhere.verdict).toBe('blocked');
    expect(anywhere.notes[0]).toContain('accepts only some source addresses');
    expect(verdictOf(V, tcp(HOST, 2200, '2001:db8:1234:1::100'))).toBe('open');
    expect(verdictOf(V, tcp(HOST, 2200, '2001:db8:ffff::5'))).toBe('open');
    expect(verdictOf(V, tcp(HOST, 2200, '2001:db8:ffff::a'))).toBe('blocked');
  });

  it('forwarded openings come from a set of address . protocol . port', () => {
    expect(verdictOf(V, tcp(WEB, 80))).toBe('open');
    expect(verdictOf(V, tcp(WEB, 81))).toBe('blocked');
    expect(verdictOf(V, udp(PLAIN, 53))).toBe('open');
    expect(verdictOf(V, tcp(PLAIN, 53))).toBe('blocked');
    expect(verdictOf(V, tcp(OTHER, 443))).toBe('blocked');
    expect(verdictOf(V, tcp(OTHER, 443, '2001:db8:abcd::1'))).toBe('open');
  });
});

describe("selectors that do not apply end the rule (nftables' break), whatever the operator", () => {
  const B = 'designed/break-semantics.json';
  it.each([
    [udp(HOST, 53), 'open'], // tcp dport != 22, ip saddr/daddr, icmpv6, exthdr, nfproto ipv4: none applies
    [udp(HOST, 5353), 'blocked'],
    [udp(HOST, 5005), 'blocked'], // th dport
    [tcp(HOST, 5005), 'blocked'], // tcp dport != 22
    [udp(HOST, 7001), 'blocked'],
    [udp(HOST, 8000), 'blocked'], // ip6 daddr . udp dport
    [tcp(HOST, 22), 'open'], // tcp flags & (syn | ack) == syn
  ])('%j: %s', (probe, verdict) => {
    expect(verdictOf(B, probe)).toBe(verdict);
  });
});

describe('parts v6wall cannot evaluate', () => {
  const U = 'designed/uncertain.json';
  it('a rate limit in front of an accept, with a drop policy: cannot judge, and says why', () => {
    const r = judge(U, tcp(HOST, 2222));
    expect(r.verdict).toBe('unknown');
    expect(verdictLabel(r)).toBe('cannot judge');
    expect(r.reason).toContain('limit rate 10/second');
  });
  it.each([
    [2223, 'unknown'], // ct count over 20 drop, then accept
    [2224, 'open'], // a limit with only a counter decides nothing
    [2225, 'unknown'], // ip6 hoplimit
    [2226, 'unknown'], // meta skuid
    [2227, 'blocked'], // dropped whether the hop limit matches or not
  ])('tcp port %i: %s', (port, verdict) => {
    expect(verdictOf(U, tcp(HOST, port))).toBe(verdict);
  });
});

describe('jumps, gotos, returns and verdict maps', () => {
  const J = 'designed/jumps.json';
  it.each([
    [tcp(WEB, 80), 'open'], // vmap jump to_lab, jump web, accept
    [tcp(PLAIN, 80), 'blocked'], // back from web and to_lab, forward's policy drop
    [tcp(PLAIN, 81), 'blocked'], // goto web, return leaves to_lab too
    [tcp(WEB, 81), 'open'],
    [tcp(PLAIN, 82), 'blocked'],
    [tcp(PLAIN, 90), 'open'], // inline vmap accept
    [tcp(PLAIN, 91), 'blocked'],
    [tcp(WEB, 92), 'open'], // inline vmap jump
    [tcp(PLAIN, 8443), 'open'], // after to_lab returns, forward's own rule
    [tcp('2001:db8:1234:a1:3::5', 80), 'open'], // vmap goto to_other
    [tcp('2001:db8:1234:a1:3::5', 81), 'blocked'], // the end of a goto'd chain is the base chain's end: policy
    [tcp(HOST, 2222), 'blocked'], // nested jumps to a drop
    [tcp(HOST, 2221), 'open'],
  ])('%j: %s', (probe, verdict) => {
    expect(verdictOf(J, probe)).toBe(verdict);
  });
});

describe('NAT, notrack and marks across base chains', () => {
  const N = 'designed/nat-marks.json';
  it('a DNATed port: the forward chain sees the rewritten destination and the original port', () => {
    const r = judge(N, tcp(HOST, 8080));
    expect(r.verdict).toBe('open');
    expect(r.trail.join('\n')).toContain('destination rewritten to [2001:db8:1234:a1:1::ab53]:80');
  });
  it('the first NAT chain that rewrites wins; a later one is not consulted', () => {
    expect(verdictOf(N, tcp(HOST, 8091))).toBe('open'); // ab54:9000, not ab55:80
  });
  it('a redirect to a local port carries the dnat status', () => {
    expect(verdictOf(N, tcp(HOST, 8090))).toBe('open');
  });
  it('notrack skips NAT and makes the state untracked', () => {
    expect(verdictOf(N, tcp(HOST, 7000))).toBe('open');
  });
  it('a mark set in prerouting is seen in input', () => {
    expect(verdictOf(N, tcp(HOST, 7100))).toBe('open');
    expect(verdictOf(N, tcp(HOST, 2222))).toBe('blocked');
  });
});

describe('families and hooks around the IPv6 path', () => {
  const F = 'designed/other-families.json';
  it('an IPv4-only table with drop policies changes nothing', () => {
    expect(verdictOf(F, tcp(HOST, 2222))).toBe('open');
    expect(verdictOf(F, tcp(WEB, 80))).toBe('open');
  });
  it('an ingress chain that would drop: cannot judge, nft did not list its device', () => {
    const r = judge(F, tcp(HOST, 2300));
    expect(r.verdict).toBe('unknown');
    expect(r.reason).toContain('did not list its device');
    expect(verdictOf(F, tcp(HOST, 2222, '2001:db8:bad::1'))).toBe('unknown');
  });
  it('a postrouting chain and a bridge output chain filter what leaves through the bridge', () => {
    expect(verdictOf(F, tcp(WEB, 8087))).toBe('blocked');
    expect(verdictOf(F, tcp(WEB, 8088))).toBe('blocked');
  });
  it('a bridge chain matching bridge ports by name: cannot judge (their names are not known)', () => {
    expect(verdictOf(F, tcp(WEB, 8089))).toBe('unknown');
  });
});

describe('iptables-nft tables appear in both readings and count once', () => {
  const save = parseIptablesSave(readFileSync(join(FIXTURES, 'nftables/iptables-nft/designed-matches.ip6tables-save'), 'utf8'));
  const both = nft('iptables-nft/designed-matches.nft.json');
  const context: RoutingContext = {
    publicInterface: 'eth0',
    hostAddresses: [HOST],
    dockerSubnets: [
      { subnet: '2001:db8:1234:a1:1::/80', bridge: 'br-lab' },
      { subnet: '2001:db8:1234:a1:2::/80', bridge: 'br-nat' },
      { subnet: '2001:db8:1234:a1:3::/80', bridge: 'br-other' },
    ],
  };
  const probes: Probe[] = [
    ...[22, 443, 444, 5005, 7777, 8050, 8060, 8081, 8082, 9999, 10001].map((p) => tcp(HOST, p)),
    udp(HOST, 4789),
    tcp('2001:db8:1234:a1:2::10', 80),
    tcp('2001:db8:1234:a1:3::7', 22),
    tcp(HOST, 443, '2001:db8:5::1'),
  ];

  it('ip6tables-save decides them: reading nftables too changes no verdict and no reason', () => {
    const alone = analyzeReachability(save, context, probes);
    const together = analyzeReachability(save, context, probes, both);
    expect(together.map((r) => [r.verdict, r.reason])).toEqual(alone.map((r) => [r.verdict, r.reason]));
    expect(together.map((r) => r.verdict)).toContain('open');
    expect(together.map((r) => r.verdict)).toContain('blocked');
  });

  it('from nft alone their extensions cannot be judged: never a verdict ip6tables-save contradicts', () => {
    const truth = analyzeReachability(save, context, probes);
    const nftOnly = analyzeReachability(NO_IPTABLES, context, probes, both);
    nftOnly.forEach((r, i) => {
      const other = truth[i]?.verdict;
      // (nft translates some matches natively, e.g. -m mark as meta mark: it may know more, never something else.)
      if (r.verdict !== 'unknown' && other !== 'unknown') expect(`${JSON.stringify(r.probe)} ${r.verdict}`).toBe(`${JSON.stringify(r.probe)} ${other}`);
    });
    expect(nftOnly.filter((r) => r.verdict === 'unknown').length).toBeGreaterThan(0);
  });

  it('a legacy ip6tables-save is another set of tables: both are judged', () => {
    const legacy = { ...save, backend: 'legacy' as const };
    const [r] = analyzeReachability(legacy, context, [tcp(HOST, 7777)], both);
    // The nft copy holds the same rules (xt matches and all), so the legacy reading does not hide them.
    expect(r?.verdict).toBe(analyzeReachability(save, context, [tcp(HOST, 7777)])[0]?.verdict);
  });
});
