// Replays the lab: each scenario's live ip6tables-save and nft -j list ruleset, captured together
// with what real TCP connections from the client namespace showed (test/lab/nftables-scenarios.ts,
// see test/fixtures/README.md). The analysis of both readings must say exactly that.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseIptablesSave } from '../../src/core/iptables/parse-save.js';
import { analyzeReachability, type Probe, type RoutingContext } from '../../src/core/iptables/reachability.js';
import { parseNftJson } from '../../src/core/nftables/parse-json.js';

const DIR = join(import.meta.dirname, '../fixtures/nftables/lab');

interface Capture {
  dockerVersion: string;
  emulatedDocker29: { golden: string } | null;
  context: RoutingContext;
  real: (Probe & { real: 'open' | 'blocked' })[];
}
const CAPTURES = JSON.parse(readFileSync(join(DIR, 'lab-captures.json'), 'utf8')) as Record<string, Capture>;

function readings(name: string) {
  const savePath = join(DIR, `${name}.ip6tables-save`);
  return {
    save: parseIptablesSave(existsSync(savePath) ? readFileSync(savePath, 'utf8') : ''),
    nft: parseNftJson(readFileSync(join(DIR, `${name}.nft.json`), 'utf8')),
  };
}

describe('lab captures: the analysis of both readings says what real connections showed', () => {
  it('covers real Docker 20.10 and 28 with UFW, and the emulated Docker 29 backend with and without UFW', () => {
    expect(Object.keys(CAPTURES)).toEqual(
      expect.arrayContaining([
        'docker20.10-ip6tables-off-ufw',
        'docker20.10-ip6tables-on-ufw',
        'docker28-nat-ufw',
        'docker29-emulated-nat',
        'docker29-emulated-nat-ufw',
        'docker29-emulated-routed-ufw',
        'docker29-emulated-nat-v6wall-table',
      ]),
    );
  });

  for (const [name, capture] of Object.entries(CAPTURES)) {
    it(`${name} (Docker ${capture.dockerVersion}${capture.emulatedDocker29 === null ? '' : ', Docker 29 emulated'})`, () => {
      const { save, nft } = readings(name);
      expect(nft.warnings).toEqual([]);
      const results = analyzeReachability(save, capture.context, capture.real, nft);
      expect(results.map((r) => `[${r.probe.address}]:${r.probe.port} ${r.verdict}`)).toEqual(capture.real.map((p) => `[${p.address}]:${p.port} ${p.real}`));
    });
  }
});

describe('UFW and Docker through iptables-nft: their tables are in both readings and count once', () => {
  for (const name of ['docker20.10-ip6tables-on-ufw', 'docker28-nat-ufw', 'docker28-routed-ufw']) {
    it(`${name}: nft lists ip6 filter, and reading it changes no verdict or reason`, () => {
      const { save, nft } = readings(name);
      expect(nft.tables.map((t) => `${t.family} ${t.name}`)).toContain('ip6 filter');
      const capture = CAPTURES[name] as Capture;
      const alone = analyzeReachability(save, capture.context, capture.real);
      const both = analyzeReachability(save, capture.context, capture.real, nft);
      expect(both.map((r) => [r.verdict, r.reason, r.dockerOnly])).toEqual(alone.map((r) => [r.verdict, r.reason, r.dockerOnly]));
    });
  }

  it('from nft alone (no ip6tables-save), UFW cannot always be judged, and is never judged wrong', () => {
    let unknown = 0;
    for (const [name, capture] of Object.entries(CAPTURES)) {
      const results = analyzeReachability(parseIptablesSave(''), capture.context, capture.real, readings(name).nft);
      results.forEach((r, i) => {
        if (r.verdict === 'unknown') unknown++;
        else expect(`${name} ${r.probe.address}:${r.probe.port} ${r.verdict}`).toBe(`${name} ${r.probe.address}:${r.probe.port} ${capture.real[i]?.real}`);
      });
    }
    expect(unknown).toBeGreaterThan(0);
  });
});

describe("Docker 29's backend is invisible to ip6tables-save", () => {
  it('without the nftables reading the emulated nat backend would look wide open', () => {
    const capture = CAPTURES['docker29-emulated-nat'] as Capture;
    const { save, nft } = readings('docker29-emulated-nat');
    const web = capture.real.find((p) => p.port === 80 && p.address.endsWith('ab53')) as Probe;
    expect(analyzeReachability(save, capture.context, [web])[0]?.verdict).toBe('open');
    const [judged] = analyzeReachability(save, capture.context, [web], nft);
    expect(judged?.verdict).toBe('blocked');
    expect(judged?.reason).toContain('DROP DIRECT ACCESS');
  });

  it('with UFW too, a published port is open only when both Docker and UFW accept it', () => {
    const capture = CAPTURES['docker29-emulated-nat-ufw'] as Capture;
    const { save, nft } = readings('docker29-emulated-nat-ufw');
    const published = capture.real.find((p) => p.port === 8081) as Probe;
    const [r] = analyzeReachability(save, capture.context, [published], nft);
    expect(r?.verdict).toBe('open');
    // Both base chains on the forward hook accepted it, each named (Docker's table came first here).
    expect(r?.reason).toMatch(/^Open: accepted by .*filter-forward-in__br-.*, and by .*ufw6-user-forward/);
    expect(r?.decidedBy?.chain).toBe('ufw6-user-forward');
  });

  it('a table v6wall could own narrows Docker: its drop is final even where Docker accepts', () => {
    const capture = CAPTURES['docker29-emulated-nat-v6wall-table'] as Capture;
    const { save, nft } = readings('docker29-emulated-nat-v6wall-table');
    const results = analyzeReachability(save, capture.context, capture.real, nft);
    const byPort = Object.fromEntries(results.map((r) => [`${r.probe.address}:${r.probe.port}`, r]));
    expect(byPort['2001:db8:1234:1::2:2223']?.reason).toBe('Blocked by the policy of chain input (table inet v6wall: policy drop).');
    expect(byPort['2001:db8:1234:1::2:8081']?.verdict).toBe('open');
  });
});
