import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseIptablesSave } from '../../src/core/iptables/parse-save.js';
import { analyzeReachability, verdictLabel, type Probe, type ReachabilityResult, type RoutingContext } from '../../src/core/iptables/reachability.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/ip6tables');
const ruleset = (name: string) => parseIptablesSave(readFileSync(join(FIXTURES, name), 'utf8'));

const HOST = '2001:db8:1234:1::2';
const context: RoutingContext = {
  publicInterface: 'eth0',
  hostAddresses: [HOST],
  dockerSubnets: [
    { subnet: '2001:db8:1234:a1:1::/80', bridge: 'br-lab' },
    { subnet: '2001:db8:1234:a1:2::/80', bridge: 'br-nat' },
    { subnet: '2001:db8:1234:a1:3::/80', bridge: 'br-other' },
  ],
};

function one(name: string, probe: Probe, ctx: RoutingContext = context): ReachabilityResult {
  const [result] = analyzeReachability(ruleset(name), ctx, [probe]);
  if (result === undefined) throw new Error('no result');
  return result;
}
const tcp = (address: string, port: number, source?: string): Probe => ({ address, port, proto: 'tcp', ...(source === undefined ? {} : { source }) });

describe('UFW alone (UFW 0.36.2 ruleset captured in a lab namespace)', () => {
  const UFW = 'ufw-0.36.2-netns-no-docker.save';

  it('an allowed host port is open, decided by the UFW user rule', () => {
    const r = one(UFW, tcp(HOST, 2222));
    expect(r.verdict).toBe('open');
    expect(r.dockerOnly).toBe(false);
    expect(r.decidedBy?.chain).toBe('ufw6-user-input');
    expect(verdictLabel(r)).toBe('open');
  });

  it('any other host port is blocked by the default-deny policy', () => {
    const r = one(UFW, tcp(HOST, 22));
    expect(r.verdict).toBe('blocked');
    expect(r.decidedBy).toEqual({ table: 'filter', chain: 'INPUT', line: null, text: 'policy DROP' });
  });

  it('a "ufw limit" port is open for a first connection', () => {
    expect(one(UFW, tcp(HOST, 2223)).verdict).toBe('open');
  });

  it("a route rule opens exactly the container's address and port", () => {
    expect(one(UFW, tcp('2001:db8:1234:a1:1::10', 80)).verdict).toBe('open');
    expect(one(UFW, tcp('2001:db8:1234:a1:1::10', 81)).verdict).toBe('blocked');
    expect(one(UFW, tcp('2001:db8:1234:a1:1::11', 80)).verdict).toBe('blocked');
    expect(one(UFW, { address: '2001:db8:1234:a1:1::10', port: 80, proto: 'udp' }).verdict).toBe('blocked');
  });

  it('the noisy Samba ports UFW skips are still blocked, by its skip-to-policy chain', () => {
    const r = one(UFW, { address: HOST, port: 137, proto: 'udp' });
    expect(r.verdict).toBe('blocked');
    expect(r.decidedBy?.chain).toBe('ufw6-skip-to-policy-input');
  });

  it('cannot judge an address it has no route for, and says so', () => {
    const r = one(UFW, tcp('2001:db8:9::1', 80));
    expect(r.verdict).toBe('unknown');
    expect(r.reason).toContain('no route known to 2001:db8:9::1');
  });
});

describe('rules shaped like Docker nat networks (captured after ip6tables-restore in a lab namespace)', () => {
  const D = 'designed-matches.ip6tables-save';

  it('a published host port is open only because of Docker, after DNAT to the container', () => {
    const r = one(D, tcp(HOST, 8081));
    expect(r.verdict).toBe('open');
    expect(r.dockerOnly).toBe(true);
    expect(r.decidedBy?.chain).toBe('DOCKER');
    expect(r.trail.join('\n')).toContain('destination rewritten to [2001:db8:1234:a1:2::10]:80');
    expect(verdictLabel(r)).toBe("open only because of Docker's own rules");
  });

  it('DOCKER-USER sees the original host port through --ctorigdstport', () => {
    const r = one(D, tcp(HOST, 8082));
    expect(r.verdict).toBe('blocked');
    expect(r.decidedBy?.chain).toBe('DOCKER-USER');
  });

  it('a raw PREROUTING drop stops direct access to a container before anything else', () => {
    const r = one(D, tcp('2001:db8:1234:a1:2::10', 80));
    expect(r.verdict).toBe('blocked');
    expect(r.decidedBy).toMatchObject({ table: 'raw', chain: 'PREROUTING' });
  });

  it('multiport and jumps: a listed port is accepted in the jumped-to chain', () => {
    expect(one(D, tcp(HOST, 2222)).decidedBy?.chain).toBe('custom-in');
  });

  it('RETURN carries on after the jump, goto returns past its caller', () => {
    expect(one(D, tcp(HOST, 8050)).decidedBy?.text).toBe('policy DROP');
    expect(one(D, tcp(HOST, 8060)).decidedBy?.chain).toBe('custom-goto');
    // 8070 goes to custom-goto, which does not match it: the walk continues in INPUT, not in custom-in (whose last rule accepts).
    expect(one(D, tcp(HOST, 8070)).verdict).toBe('blocked');
  });

  it('source prefixes: a rule for some sources does not open the port to the internet, but is noted', () => {
    const anyone = one(D, tcp(HOST, 443));
    expect(anyone.verdict).toBe('blocked');
    expect(anyone.notes.join('\n')).toContain('accepts only some source addresses');
    expect(one(D, tcp(HOST, 443, '2001:db8:5::1')).verdict).toBe('open');
    expect(one(D, tcp(HOST, 444)).verdict).toBe('open');
    expect(one(D, tcp(HOST, 444, '2001:db8:6::1')).verdict).toBe('blocked');
  });

  it('udp port ranges', () => {
    expect(one(D, { address: HOST, port: 5005, proto: 'udp' }).verdict).toBe('open');
    expect(one(D, { address: HOST, port: 5011, proto: 'udp' }).verdict).toBe('blocked');
  });

  it('NOTRACK in raw makes the connection UNTRACKED for the filter table', () => {
    expect(one(D, { address: HOST, port: 4789, proto: 'udp' }).verdict).toBe('open');
  });

  it('a rule it cannot evaluate only matters when it could change the answer', () => {
    // -m mark with a LOG target cannot change anything.
    expect(one(D, tcp(HOST, 9999)).verdict).toBe('blocked');
    const r = one(D, tcp(HOST, 7777));
    expect(r.verdict).toBe('unknown');
    expect(r.reason).toContain('-m mark --mark 0x1');
  });

  it('a source-port condition is not guessed', () => {
    const r = one(D, tcp('2001:db8:1234:a1:3::5', 22));
    expect(r.verdict).toBe('unknown');
    expect(r.reason).toContain('--sport 1024:65535');
  });

  it('rejects probes and contexts that are not IPv6 with a reason instead of throwing', () => {
    expect(one(D, tcp('192.0.2.1', 80)).reason).toContain('is not an IPv6 address');
    expect(one(D, tcp(HOST, 0)).reason).toContain('port 0');
    expect(one(D, tcp(HOST, 22), { ...context, dockerSubnets: [{ subnet: 'nope', bridge: 'br0' }] }).verdict).toBe('unknown');
  });
});

describe('rules v6wall cannot follow', () => {
  const parse = (rules: string) =>
    parseIptablesSave(`*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n:a - [0:0]\n:b - [0:0]\n${rules}\nCOMMIT\n`);
  const probe = [tcp(HOST, 80)];

  it('a loop of jumps ends in "cannot judge"', () => {
    const [r] = analyzeReachability(parse('-A INPUT -j a\n-A a -j b\n-A b -j a'), context, probe);
    expect(r?.verdict).toBe('unknown');
    expect(r?.reason).toContain('a loop');
  });

  it('a jump to a chain that does not exist ends in "cannot judge"', () => {
    const [r] = analyzeReachability(parse('-A INPUT -j NFQUEUE-ISH'), context, probe);
    expect(r?.verdict).toBe('unknown');
  });

  it('many unknown rules stay bounded', () => {
    const rules = Array.from({ length: 200 }, (_, i) => `-A INPUT -m mark --mark ${i} -j ${i % 2 === 0 ? 'ACCEPT' : 'DROP'}`).join('\n');
    const started = performance.now();
    const [r] = analyzeReachability(parse(rules), context, probe);
    expect(r?.verdict).toBe('unknown');
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe('Docker 20.10 in the lab with UFW active (captured ip6tables-save)', () => {
  // The bridge is named after the network id, which changes with every capture: read it from the same capture.
  const v6net = (JSON.parse(readFileSync(join(FIXTURES, '../docker/v20.10-ip6tables-on/network-inspect.json'), 'utf8')) as { Name: string; Id: string }[]).find(
    (n) => n.Name === 'v6net',
  );
  const BRIDGE = `br-${(v6net?.Id ?? '').slice(0, 12)}`;
  const WEB = '2001:db8:1234:a1:1:0:abcd:ab53'; // web6: -p 8081:80
  const EXPOSED = '2001:db8:1234:a1:1::2'; // exposed-only: --expose 9000
  const lab: RoutingContext = {
    publicInterface: 'eth0',
    hostAddresses: [HOST, '2001:db8:1234:a1:1::1'],
    dockerSubnets: [{ subnet: '2001:db8:1234:a1:1::/80', bridge: BRIDGE }],
  };
  const run = (name: string, probes: Probe[]) => analyzeReachability(ruleset(name), lab, probes);

  it('ip6tables on: the published port and the container address are open only because of Docker', () => {
    const [viaHost, direct, unpublished, ssh, closed] = run('docker20.10-ip6tables-on-ufw-active.ip6tables-save', [
      tcp(HOST, 8081),
      tcp(WEB, 80),
      tcp(EXPOSED, 9000),
      tcp(HOST, 2222),
      tcp(HOST, 22),
    ]);
    expect(viaHost).toMatchObject({ verdict: 'open', dockerOnly: true, decidedBy: { chain: 'DOCKER' } });
    expect(viaHost?.trail.join('\n')).toContain(`destination rewritten to [${WEB}]:80`);
    expect(direct).toMatchObject({ verdict: 'open', dockerOnly: true });
    expect(unpublished).toMatchObject({ verdict: 'blocked', decidedBy: { chain: 'FORWARD', line: null } });
    expect(ssh).toMatchObject({ verdict: 'open', dockerOnly: false, decidedBy: { chain: 'ufw6-user-input' } });
    expect(closed?.verdict).toBe('blocked');
  });

  it("ip6tables off: UFW's INPUT rule decides the published port and its route rules decide container addresses", () => {
    const results = run('docker20.10-ip6tables-off-ufw-active.ip6tables-save', [
      tcp(HOST, 8081),
      tcp(WEB, 80),
      tcp(EXPOSED, 443),
      tcp(EXPOSED, 9000),
      tcp(HOST, 23),
      tcp(HOST, 2200),
      tcp(HOST, 9000),
      tcp(HOST, 9000, '2001:db8:1234:1::100'),
      { address: HOST, port: 60500, proto: 'udp' },
      { address: HOST, port: 51820, proto: 'udp', source: '2001:db8:bad::1' },
      tcp(HOST, 8443, '2001:db8:bad::1'),
    ]);
    expect(results.map((r) => `${r.probe.address} ${r.probe.port}/${r.probe.proto} ${r.probe.source ?? 'anyone'}: ${verdictLabel(r)}`)).toEqual([
      `${HOST} 8081/tcp anyone: open`,
      `${WEB} 80/tcp anyone: open`,
      `${EXPOSED} 443/tcp anyone: open`,
      `${EXPOSED} 9000/tcp anyone: blocked`,
      `${HOST} 23/tcp anyone: blocked`,
      `${HOST} 2200/tcp anyone: open`,
      `${HOST} 9000/tcp anyone: blocked`,
      `${HOST} 9000/tcp 2001:db8:1234:1::100: open`,
      `${HOST} 60500/udp anyone: open`,
      `${HOST} 51820/udp 2001:db8:bad::1: blocked`,
      `${HOST} 8443/tcp 2001:db8:bad::1: open`,
    ]);
    expect(results[4]?.decidedBy?.text).toBe('-A ufw6-user-input -p tcp -m tcp --dport 23 -j DROP');
    expect(results.every((r) => !r.dockerOnly)).toBe(true);
  });
});

describe('Docker rules ip6tables cannot show (nftables backend)', () => {
  const UFW = 'ufw-0.36.2-netns-no-docker.save';
  const nft: RoutingContext = {
    ...context,
    unreadableDockerRules: { reason: 'Docker keeps its rules in nftables (firewall-backend: nftables)', publishedHostPorts: [8081] },
  };

  it('says plainly it cannot judge what Docker might still drop, and keeps what it can judge', () => {
    const [container, published, ssh, closed] = analyzeReachability(ruleset(UFW), nft, [
      tcp('2001:db8:1234:a1:1::10', 80),
      tcp(HOST, 8081),
      tcp(HOST, 2222),
      tcp(HOST, 22),
    ]);
    expect(container?.verdict).toBe('unknown');
    expect(container?.reason).toContain('nftables');
    expect(published?.verdict).toBe('unknown');
    expect(ssh?.verdict).toBe('open');
    expect(closed?.verdict).toBe('blocked');
  });
});
