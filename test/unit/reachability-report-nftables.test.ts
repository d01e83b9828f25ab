// The report `v6wall status` and the confirm step show, on a host whose Docker keeps its rules in
// nftables: the emulated Docker 29 backend with UFW, captured with real connections in the lab
// (test/fixtures/nftables/lab), read as discovery reads it (ip6tables-save and nft -j list ruleset).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { reachabilityReport } from '../../src/core/reachability-report.js';
import type { Container, Facts } from '../../src/core/types/facts.js';
import { capturedLabFacts } from '../support/captured-facts.js';

const DIR = join(import.meta.dirname, '../fixtures/nftables/lab');
const SCENARIO = 'docker29-emulated-nat-ufw';
const capture = (
  JSON.parse(readFileSync(join(DIR, 'lab-captures.json'), 'utf8')) as Record<
    string,
    { context: { dockerSubnets: { subnet: string; bridge: string }[] }; real: { address: string; port: number; real: string }[] }
  >
)[SCENARIO];

const container = (name: string, ipv6: string, ports: { port: number; hostPort?: number }[]): Container => ({
  id: name.padEnd(64, '0'),
  name,
  image: 'v6wall-lab/busybox:1',
  state: 'running',
  networks: [{ name: 'v6net', ipv6, ipv4: null }],
  ports: ports.map((p) => ({ port: p.port, proto: 'tcp', published: p.hostPort === undefined ? [] : [{ hostIp: '::', hostPort: p.hostPort }] })),
});

/** Facts as a Docker 29 host with "firewall-backend": "nftables" shows them, with the captured rulesets. */
async function docker29Facts(nftRuleset: string | null): Promise<Facts> {
  const facts = await capturedLabFacts();
  const net = capture?.context.dockerSubnets[0];
  if (net === undefined) throw new Error('no capture');
  facts.ssh = { ...facts.ssh, ports: [2222, 2223] };
  facts.host = { ...facts.host, globalIpv6: ['2001:db8:1234:1::2'], publicInterface: 'eth0' };
  facts.docker = {
    ...facts.docker,
    serverVersion: '29.0.0',
    daemonConfig: { firewallBackend: 'nftables' },
    ip6tablesChainsLive: false,
    ip6DockerUserChain: false,
    ip6tablesSave: readFileSync(join(DIR, `${SCENARIO}.ip6tables-save`), 'utf8'),
    nftRuleset,
    networks: [{ id: 'lab', name: 'v6net', driver: 'bridge', ipv6: true, subnets: [net.subnet], gatewayModeIpv6: 'nat', bridge: net.bridge }],
    containers: [
      container('web', '2001:db8:1234:a1:1::ab53', [{ port: 80, hostPort: 8081 }]),
      container('plain', '2001:db8:1234:a1:1::ab54', [{ port: 80 }, { port: 9000 }]),
    ],
  };
  return facts;
}

describe("reachability report with Docker's nftables backend", () => {
  it('judges every row from both rulesets, as real connections showed', async () => {
    const report = reachabilityReport(await docker29Facts(readFileSync(join(DIR, `${SCENARIO}.nft.json`), 'utf8')));
    expect(report.note).toBeNull();
    const real = new Map(capture?.real.map((p) => [`[${p.address}]:${p.port}`, p.real]));
    expect(report.rows.map((r) => `${r.label}: ${r.words}`)).toEqual([
      'SSH 2222/tcp at [2001:db8:1234:1::2]:2222: open',
      'SSH 2223/tcp at [2001:db8:1234:1::2]:2223: blocked',
      'web 80/tcp at [2001:db8:1234:a1:1::ab53]:80: blocked',
      'web 80/tcp published at [2001:db8:1234:1::2]:8081: open',
      'plain 80/tcp at [2001:db8:1234:a1:1::ab54]:80: blocked',
      'plain 9000/tcp at [2001:db8:1234:a1:1::ab54]:9000: blocked',
    ]);
    for (const row of report.rows) expect(`${row.label} ${row.verdict}`).toBe(`${row.label} ${real.get(`[${row.address}]:${row.port}`)}`);
    expect(report.rows.find((r) => r.port === 9000)?.reason).toContain('UNPUBLISHED PORT DROP');
  });

  it('without the nftables reading (nft missing), what ip6tables lets through cannot be judged', async () => {
    const report = reachabilityReport(await docker29Facts(null));
    expect(report.note).toMatch(/ip6tables-save cannot show/);
    expect(report.rows.find((r) => r.kind === 'published')?.words).toBe('cannot judge');
    expect(report.rows.find((r) => r.port === 2223)?.words).toBe('blocked');
  });

  it('says when part of the nftables ruleset was not understood', async () => {
    const report = reachabilityReport(await docker29Facts('{"nftables": [{"chain": {"family": "inet"}}]}'));
    expect(report.note).toMatch(/1 part\(s\) of the nftables ruleset were not understood/);
  });
});
