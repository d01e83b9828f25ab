// The in-place rollback of UFW's chains against real ip6tables, in a network namespace of its own
// (unshare -n): rulesets captured in the lab are loaded as "live", the restore input is applied with
// ip6tables-restore --noflush, and UFW's part must equal the snapshot's while Docker's chains stay
// exactly as they were live.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { chainsRestore, readFilterTable, sameUfwPart } from '../../src/core/iptables/restore-chains.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/ip6tables/${name}`, import.meta.url), 'utf8');
const canNamespace = process.getuid?.() === 0 && spawnSync('unshare', ['-n', 'ip6tables-save'], { stdio: 'ignore' }).status === 0;

/** Loads `live` whole into a fresh network namespace, applies `restore` with --noflush, and reads the filter table back. */
function applyInNamespace(live: string, restore: string): string {
  const script = 'ip6tables-restore < "$1" && printf %s "$2" | ip6tables-restore --noflush && ip6tables-save -t filter';
  const dir = mkdtempSync('/tmp/v6wall-restore-');
  writeFileSync(`${dir}/live`, live);
  const done = spawnSync('unshare', ['-n', 'sh', '-c', script, 'sh', `${dir}/live`, restore], { encoding: 'utf8' });
  rmSync(dir, { recursive: true, force: true });
  if (done.status !== 0) throw new Error(`ip6tables in a namespace failed: ${done.stderr}`);
  return done.stdout;
}

/** Docker's part: every chain UFW does not own, and the built-in chains without UFW's jumps. */
function dockerPart(save: string): string {
  const table = readFilterTable(save);
  if (table === null) return '';
  const lines: string[] = [];
  for (const [chain, rules] of table.rules) {
    if (chain.startsWith('ufw6-') || chain === 'DOCKER-USER') continue;
    const builtIn = ['INPUT', 'FORWARD', 'OUTPUT'].includes(chain);
    lines.push(`:${chain}${builtIn ? '' : ` ${table.policies.get(chain)}`}`, ...rules.filter((rule) => !/ -j ufw6-/.test(rule)));
  }
  return lines.join('\n');
}

/** The same ruleset as if UFW had never been enabled: no ufw6 chains, no jumps to them, policies ACCEPT. */
function withoutUfw(save: string): string {
  return save
    .split('\n')
    .filter((line) => !/^:ufw6-|^-A ufw6-| -j ufw6-/.test(line))
    .map((line) => line.replace(/^:(INPUT|FORWARD|OUTPUT) DROP/, ':$1 ACCEPT'))
    .join('\n');
}

describe.skipIf(!canNamespace)("UFW's chains restored in place (real ip6tables, own namespace)", () => {
  const cases = [
    {
      name: "v6wall's DOCKER-USER block and rules taken out again (Docker 28, nat)",
      saved: 'docker28-nat-ufw-active.v6wall-lab.ip6tables-save',
      live: 'docker28-nat-v6wall-block-ufw-active.v6wall-lab.ip6tables-save',
    },
    {
      name: 'the same on a routed network',
      saved: 'docker28-routed-ufw-active.v6wall-lab.ip6tables-save',
      live: 'docker28-routed-v6wall-block-ufw-active.v6wall-lab.ip6tables-save',
    },
    {
      name: 'the reverse: the block put back',
      saved: 'docker28-nat-v6wall-block-ufw-active.v6wall-lab.ip6tables-save',
      live: 'docker28-nat-ufw-active.v6wall-lab.ip6tables-save',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const saved = fixture(c.saved);
      const live = fixture(c.live);
      const change = chainsRestore({ saved, live, prefix: 'ufw6-', dockerUser: true });
      expect(change.kind).toBe('restore');
      if (change.kind !== 'restore') return;
      const after = applyInNamespace(live, change.input);
      expect(sameUfwPart(saved, after, 'ufw6-', true)).toBe(true);
      expect(dockerPart(after)).toBe(dockerPart(live));
    });
  }

  it('UFW off before the apply: its jumps, chains and DROP policies go, Docker keeps a container started meanwhile', () => {
    const live = fixture('docker28-nat-v6wall-block-ufw-active.v6wall-lab.ip6tables-save');
    const saved = withoutUfw(fixture('docker28-nat-ufw-active.v6wall-lab.ip6tables-save'));
    // A container Docker started during the confirmation window: a rule of its own in Docker's chain.
    const liveWithContainer = live.replace(
      /^(-A DOCKER .*)$/m,
      '$1\n-A DOCKER -d 2001:db8:1234:a1:1::99/128 ! -i br-x -o br-x -p tcp -m tcp --dport 80 -j ACCEPT',
    );
    expect(liveWithContainer).not.toBe(live);
    const change = chainsRestore({ saved, live: liveWithContainer, prefix: 'ufw6-', dockerUser: true });
    expect(change.kind).toBe('restore');
    if (change.kind !== 'restore') return;
    const after = applyInNamespace(liveWithContainer, change.input);
    expect(sameUfwPart(saved, after, 'ufw6-', true)).toBe(true);
    expect(after).not.toMatch(/ufw6-/);
    expect(dockerPart(after)).toBe(dockerPart(liveWithContainer));
    expect(after).toContain('2001:db8:1234:a1:1::99/128');
  });

  it('nothing loaded before (a fresh host saves no filter table): UFW goes, Docker stays', () => {
    const live = fixture('docker28-nat-v6wall-block-ufw-active.v6wall-lab.ip6tables-save');
    const change = chainsRestore({ saved: '', live, prefix: 'ufw6-', dockerUser: true });
    expect(change.kind).toBe('restore');
    if (change.kind !== 'restore') return;
    const after = applyInNamespace(live, change.input);
    expect(after).not.toMatch(/ufw6-/);
    expect(after).toMatch(/^:INPUT ACCEPT/m);
    expect(dockerPart(after)).toBe(dockerPart(live));
    expect(chainsRestore({ saved: '', live: '', prefix: 'ufw-', dockerUser: false }).kind).toBe('in-place');
  });

  it('says "in place" when nothing of UFW differs, and asks for a reload when its jumps moved', () => {
    const saved = fixture('docker28-nat-ufw-active.v6wall-lab.ip6tables-save');
    expect(chainsRestore({ saved, live: saved, prefix: 'ufw6-', dockerUser: true }).kind).toBe('in-place');
    const moved = saved.replace(/^(-A INPUT -j ufw6-before-logging-input)$/m, '-A INPUT -p tcp -j ACCEPT\n$1');
    const reordered = withoutUfw(saved).replace(/\nCOMMIT/, '\n-A INPUT -j ufw6-before-input\nCOMMIT');
    expect(chainsRestore({ saved, live: moved, prefix: 'ufw6-', dockerUser: true }).kind).toBe('in-place');
    expect(chainsRestore({ saved, live: reordered, prefix: 'ufw6-', dockerUser: true })).toMatchObject({ kind: 'reload' });
  });
});
