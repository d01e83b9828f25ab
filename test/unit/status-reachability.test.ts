// `v6wall status` shows what a NEW connection from the internet reaches, judged from the live ruleset.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import * as statusCommand from '../../src/commands/status.js';
import type { Facts } from '../../src/core/types.js';
import type { ReachabilityReport } from '../../src/core/reachability-report.js';
import { labScenarioFacts } from '../support/reachability-facts.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function status(facts: Facts, json: boolean): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'v6wall-status-'));
  dirs.push(dir);
  let out = '';
  const io = { env: {}, stdout: (s: string) => void (out += s), stderr: (s: string) => void (out += s) };
  expect(await statusCommand.run([...(json ? ['--json'] : []), '--state-dir', dir], io, { discover: async () => facts, now: () => new Date('2026-11-22T19:40:00Z') })).toBe(0);
  return out;
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
      'Transcripts: none',
    ]);
  });

  it('gives the rows as JSON, with the reason for each verdict', async () => {
    const { facts } = await labScenarioFacts('docker28-routed-v6wall-block-ufw-active.v6wall-lab.ip6tables-save');
    const report = JSON.parse(await status(facts, true)) as { reachability: ReachabilityReport };
    expect(report.reachability.note).toBeNull();
    const web = report.reachability.rows.find((r) => r.container === 'web');
    expect(web).toMatchObject({ kind: 'container', address: '2001:db8:1234:a1:1::ab53', port: 80, proto: 'tcp', verdict: 'open', dockerOnly: false, words: 'open' });
    expect(web?.reason).toMatch(/ufw6-user-forward/);
  });

  it('says plainly when it cannot judge (not root)', async () => {
    const { facts } = await labScenarioFacts('docker28-nat-ufw-active.v6wall-lab.ip6tables-save');
    facts.host.root = false;
    facts.docker.ip6tablesSave = null;
    const text = await status(facts, false);
    expect(text).toMatch(/Reachability from the internet \(from the live ruleset\):\n  note: Cannot judge what is reachable: reading the live ruleset \(ip6tables-save\) needs root/);
    expect(text).toContain('  web 80/tcp at [2001:db8:1234:a1:1::ab53]:80: cannot judge');
  });
});
