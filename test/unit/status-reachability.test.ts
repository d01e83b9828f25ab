// `v6wall status` shows what a NEW connection from the internet reaches, judged from the live ruleset.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import * as statusCommand from '../../src/commands/status.js';
import type { Facts } from '../../src/core/types/facts.js';
import type { ReachabilityReport } from '../../src/core/reachability-report.js';
import { labScenarioFacts } from '../support/reachability-facts.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function status(facts: Facts, json: boolean, extra: string[] = [], code = 0): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'v6wall-status-'));
  dirs.push(dir);
  let out = '';
  const io = { env: {}, stdout: (s: string) => void (out += s), stderr: (s: string) => void (out += s) };
  expect(
    await statusCommand.run([...(json ? ['--json'] : []), ...extra, '--state-dir', dir], io, {
      discover: async () => facts,
      now: () => new Date('2026-11-22T19:40:00Z'),
    }),
  ).toBe(code);
  return out;
}

/** The lab ruleset with v6wall's comments on its route rule to web:80, limited to one source in the comment only. */
function withV6wallRules(facts: Facts, comment: string): Facts {
  const rule = {
    v6: true,
    route: true,
    action: 'allow' as const,
    log: '' as const,
    proto: 'tcp',
    dport: '80',
    dst: '2001:db8:1234:a1:1::ab53',
    sport: 'any',
    src: '::/0',
    dapp: null,
    sapp: null,
    direction: 'in' as const,
    inInterface: null,
    outInterface: null,
    comment,
    raw: '',
  };
  return { ...facts, ufw: { ...facts.ufw, rules: [rule] } };
}

describe('v6wall status: reachability from the internet', () => {
  it('lists each probe with its verdict words (Docker 28 nat, no v6wall block: a captured lab ruleset)', async () => {
    const { facts } = await labScenarioFacts('docker28-nat-ufw-active.v6wall-lab.ip6tables-save');
    const text = await status(facts, false);
    const section = text.slice(text.indexOf('Reachability from the internet (from the live ruleset):'));
    expect(section.split('\n').slice(0, 11)).toEqual([
      'Reachability from the internet (from the live ruleset):',
      '  SSH 2222/tcp at [2001:db8:1234:1::2]:2222: open',
      '  SSH 2223/tcp at [2001:db8:1234:1::2]:2223: blocked',
      '  web 80/tcp at [2001:db8:1234:a1:1::ab53]:80: blocked',
      // Docker accepts it first, but UFW's route rule to web:80 would let it in too.
      '  web 80/tcp published at [2001:db8:1234:1::2]:8081: open',
      '  plain 80/tcp at [2001:db8:1234:a1:1::ab54]:80: blocked',
      '  plain 9000/tcp at [2001:db8:1234:a1:1::ab54]:9000: blocked',
      '  other 80/tcp at [2001:db8:1234:a1:1::ab55]:80: blocked',
      "  other 80/tcp published at [2001:db8:1234:1::2]:8082: open only because of Docker's own rules",
      '',
      'What v6wall intends, against the live firewall:',
    ]);
  });

  it('gives the rows as JSON, with the reason for each verdict', async () => {
    const { facts } = await labScenarioFacts('docker28-routed-v6wall-block-ufw-active.v6wall-lab.ip6tables-save');
    const report = JSON.parse(await status(facts, true)) as { reachability: ReachabilityReport };
    expect(report.reachability.note).toBeNull();
    const web = report.reachability.rows.find((r) => r.container === 'web');
    expect(web).toMatchObject({
      kind: 'container',
      address: '2001:db8:1234:a1:1::ab53',
      port: 80,
      proto: 'tcp',
      verdict: 'open',
      dockerOnly: false,
      words: 'open',
    });
    expect(web?.reason).toMatch(/ufw6-user-forward/);
  });

  it('says plainly when it cannot judge (not root)', async () => {
    const { facts } = await labScenarioFacts('docker28-nat-ufw-active.v6wall-lab.ip6tables-save');
    facts.host.root = false;
    facts.docker.ip6tablesSave = null;
    const text = await status(facts, false);
    expect(text).toMatch(
      /Reachability from the internet \(from the live ruleset\):\n  note: Cannot judge what is reachable: reading the live ruleset \(ip6tables-save\) needs root/,
    );
    expect(text).toContain('  web 80/tcp at [2001:db8:1234:a1:1::ab53]:80: cannot judge');
  });

  it("holds v6wall's openings against the live ruleset and names each difference", async () => {
    const { facts } = await labScenarioFacts('docker28-routed-v6wall-block-ufw-active.v6wall-lab.ip6tables-save');
    const text = await status(withV6wallRules(facts, 'v6wall route web 80/tcp'), false);
    const section = text.slice(text.indexOf('What v6wall intends'));
    expect(section.split('\n').slice(0, 4)).toEqual([
      'What v6wall intends, against the live firewall:',
      '  DIFFERENCE: SSH 2223/tcp at [2001:db8:1234:1::2]:2223 should be open from anywhere, but the live firewall blocks it (Blocked by the INPUT policy (policy DROP)).',
      expect.stringMatching(
        /^  DIFFERENCE: plain 9000\/tcp at \[2001:db8:1234:a1:1::ab54\]:9000 was not chosen, but from anywhere else the live firewall lets it in/,
      ),
      '',
    ]);
  });

  it('--from ADDR: what one source reaches, judged against the sources each opening allows', async () => {
    const { facts } = await labScenarioFacts('docker28-routed-v6wall-block-ufw-active.v6wall-lab.ip6tables-save');
    const limited = withV6wallRules(facts, 'v6wall route web 80/tcp from 2001:db8:abcd::/48');
    const text = await status(limited, false, ['--from', '2001:db8:beef::7']);
    expect(text).toContain('Reachability from 2001:db8:beef::7 (from the live ruleset):\n  SSH 2222/tcp at [2001:db8:1234:1::2]:2222: open');
    expect(text).toContain('What v6wall intends, against the live firewall (for connections from 2001:db8:beef::7):');
    expect(text).toMatch(
      /DIFFERENCE: web 80\/tcp at \[2001:db8:1234:a1:1::ab53\]:80 should be open only from 2001:db8:abcd::\/48, but from 2001:db8:beef::7 the live firewall lets it in/,
    );
    const report = JSON.parse(await status(limited, true, ['--from', '2001:db8:abcd::7'])) as {
      from: string;
      proof: { rows: { label: string; live: { from: string }[] }[] };
    };
    expect(report.from).toBe('2001:db8:abcd::7');
    expect(report.proof.rows[0]?.live[0]?.from).toBe('2001:db8:abcd::7');
    expect(await status(limited, false, ['--from', '2001:db8::/32'], 2)).toContain('--from 2001:db8::/32: give one address, not a network');
  });
});

describe('v6wall status: which firewall', () => {
  it("with v6wall's own nftables table it names the table, not a missing UFW", async () => {
    const { nftablesFacts } = await import('../ui/facts.js');
    const text = await status(nftablesFacts(), false);
    expect(text).toContain("Firewall: v6wall's own nftables table (table inet v6wall), not loaded");
    expect(text).not.toContain('UFW is not installed');
    const json = JSON.parse(await status(nftablesFacts(), true)) as { backend: { kind: string; tableLoaded: boolean } };
    expect(json.backend).toMatchObject({ kind: 'nftables', tableLoaded: false });
  });
});
