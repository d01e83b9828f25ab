// The reachability report on REAL captured rulesets (see test/support/reachability-facts.ts).
import { describe, expect, it } from 'vitest';
import { reachabilityReport, type ReachabilityRow } from '../../src/core/reachability-report.js';
import { capturedLabFacts } from '../support/captured-facts.js';
import { capturedRun, labScenarioFacts, LAB_CAPTURES } from '../support/reachability-facts.js';

const row = (rows: ReachabilityRow[], label: RegExp): ReachabilityRow => {
  const found = rows.find((r) => label.test(r.label));
  if (found === undefined) throw new Error(`no row ${label}; rows: ${rows.map((r) => r.label).join(', ')}`);
  return found;
};
const said = (rows: ReachabilityRow[]): string[] => rows.map((r) => `${r.label}: ${r.words}`);

describe('reachability report from captured lab runs', () => {
  it("Docker 20.10 with ip6tables on, UFW allowing only SSH: the published port is open only because of Docker's own rules", async () => {
    const facts = await capturedRun('v20.10-ip6tables-on', 'docker20.10-ip6tables-on-ufw-active.ip6tables-save', 'dual-stack');
    const report = reachabilityReport(facts);
    expect(report.note).toBeNull();
    expect(said(report.rows)).toEqual([
      'SSH 2222/tcp at [2001:db8:1234:1::2]:2222: open',
      'exposed-only 9000/tcp at [2001:db8:1234:a1:1::2]:9000: blocked',
      // docker-proxy serves the IPv4-only container on [::]:8082; UFW does not allow it.
      'v4only 80/tcp published at [2001:db8:1234:1::2]:8082: blocked',
      "web6 80/tcp at [2001:db8:1234:a1:1:0:abcd:ab53]:80: open only because of Docker's own rules",
      "web6 80/tcp published at [2001:db8:1234:1::2]:8081: open only because of Docker's own rules",
    ]);
    expect(row(report.rows, /^web6 .*published/)).toMatchObject({ kind: 'published', container: 'web6', port: 8081, verdict: 'open', dockerOnly: true });
  });

  it('Docker 20.10 with ip6tables off: UFW alone decides (route rule to web6:80, allow 8081 for docker-proxy)', async () => {
    const facts = await capturedRun('v20.10-ip6tables-off', 'docker20.10-ip6tables-off-ufw-active.ip6tables-save', 'ipv6-only');
    const report = reachabilityReport(facts);
    expect(report.note).toBeNull();
    expect(said(report.rows)).toEqual([
      'SSH 2222/tcp at [2001:db8:1234:1::2]:2222: open',
      'exposed-only 9000/tcp at [2001:db8:1234:a1:1::2]:9000: blocked',
      // docker-proxy serves the IPv4-only container on [::]:8082; UFW does not allow it.
      'v4only 80/tcp published at [2001:db8:1234:1::2]:8082: blocked',
      'web6 80/tcp at [2001:db8:1234:a1:1:0:abcd:ab53]:80: open',
      'web6 80/tcp published at [2001:db8:1234:1::2]:8081: open',
    ]);
    expect(report.rows.every((r) => !r.dockerOnly)).toBe(true);
  });

  it('Docker 28 nat + routed without the block: Docker drops direct nat traffic, opens routed and published ports itself', async () => {
    const facts = await capturedRun('v28-nat-and-routed', 'docker28-nat-and-routed-ufw-active.ip6tables-save', 'ipv6-only');
    const report = reachabilityReport(facts);
    expect(row(report.rows, /^web6 80\/tcp at/)).toMatchObject({ verdict: 'blocked' });
    expect(row(report.rows, /^exposed-only 9000/)).toMatchObject({ verdict: 'blocked' });
    expect(row(report.rows, /^routed-web 80\/tcp at/)).toMatchObject({ verdict: 'open', dockerOnly: true });
    expect(row(report.rows, /^web6 80\/tcp published at .*:8081$/)).toMatchObject({ verdict: 'open', dockerOnly: true });
    // Routed mode: Docker reports no IPv6 host port, so there is nothing published to probe.
    expect(report.rows.some((r) => r.container === 'routed-web' && r.kind === 'published')).toBe(false);
  });
});

describe('reachability report on rulesets captured with real connections', () => {
  it.each(Object.keys(LAB_CAPTURES))('%s: every row the lab probed says what the real connection showed', async (file) => {
    const { facts, capture } = await labScenarioFacts(file);
    const report = reachabilityReport(facts);
    expect(report.note).toBeNull();
    const judged = report.rows.filter((r) => capture.real.some((p) => p.address === r.address && p.port === r.port));
    const analysis = judged.map((r) => `[${r.address}]:${r.port} ${r.verdict}`).sort();
    expect(analysis).toEqual(capture.real.map((p) => `[${p.address}]:${p.port} ${p.real}`).sort());
    // Every probe the lab made has its row (the lab probes one host port per published port, as the report does).
    expect(judged).toHaveLength(capture.real.length);
  });

  it('Docker 28 routed with the block and route rules: the routed port is open by the UFW rule, the unpublished one blocked', async () => {
    const { rows } = reachabilityReport((await labScenarioFacts('docker28-routed-v6wall-block-ufw-active.v6wall-lab.ip6tables-save')).facts);
    expect(row(rows, /^web 80\/tcp at/)).toMatchObject({ verdict: 'open', dockerOnly: false, words: 'open' });
    expect(row(rows, /^plain 80\/tcp at/)).toMatchObject({ verdict: 'blocked', words: 'blocked' });
    expect(row(rows, /^plain 9000\/tcp at/)).toMatchObject({ verdict: 'open', dockerOnly: false });
    expect(row(rows, /^other 80\/tcp at/)).toMatchObject({ verdict: 'blocked' });
    expect(row(rows, /^SSH 2223/)).toMatchObject({ verdict: 'blocked' });
  });

  it('Docker 28 nat with the block: the published port with a route rule is open, the other published port blocked', async () => {
    const { rows } = reachabilityReport((await labScenarioFacts('docker28-nat-v6wall-block-ufw-active.v6wall-lab.ip6tables-save')).facts);
    expect(row(rows, /^web 80\/tcp published at .*:8081$/)).toMatchObject({ verdict: 'open', dockerOnly: false });
    expect(row(rows, /^other 80\/tcp published at .*:8082$/)).toMatchObject({ verdict: 'blocked' });
  });

  it("Docker 28 nat without the block: the published port UFW never allowed is open only because of Docker's own rules", async () => {
    const { rows } = reachabilityReport((await labScenarioFacts('docker28-nat-ufw-active.v6wall-lab.ip6tables-save')).facts);
    expect(row(rows, /^other 80\/tcp published at .*:8082$/)).toMatchObject({
      verdict: 'open',
      dockerOnly: true,
      words: "open only because of Docker's own rules",
    });
  });
});

describe('reachability report when it cannot judge', () => {
  it('says plainly that reading the ruleset needs root', async () => {
    const facts = await capturedLabFacts();
    facts.host.root = false;
    facts.docker.ip6tablesSave = null;
    const report = reachabilityReport(facts);
    expect(report.note).toMatch(/needs root.*sudo/);
    expect(report.rows.length).toBeGreaterThan(0);
    expect(report.rows.every((r) => r.verdict === 'unknown' && r.words === 'cannot judge')).toBe(true);
  });

  it('says when ip6tables-save could not be read as root', async () => {
    const facts = await capturedLabFacts();
    facts.docker.ip6tablesSave = null;
    expect(reachabilityReport(facts).note).toMatch(/ip6tables-save could not be read/);
  });

  it("says Docker's nftables rules cannot be judged, and never calls a container port open", async () => {
    const { facts } = await labScenarioFacts('docker28-nat-unprotected-ufw-active.v6wall-lab.ip6tables-save');
    facts.docker.serverVersion = '29.0.0';
    facts.docker.daemonConfig = { firewallBackend: 'nftables' };
    const report = reachabilityReport(facts);
    expect(report.note).toMatch(/nftables.*ip6tables-save cannot show/);
    expect(report.rows.filter((r) => r.kind !== 'ssh').every((r) => r.verdict !== 'open')).toBe(true);
    expect(row(report.rows, /^SSH 2222/)).toMatchObject({ verdict: 'open' });
  });
});
