// The boot guard with the fake ufw of apply-fake-ufw.ts (a FAKE: systemd cannot boot here; the
// real reboots are test/lab/systemd/watchdog.test.ts). The unit folder is a temp folder standing in
// for /etc/systemd/system; the watchdog is the real one, in its own session.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readlinkSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { applyPlan, type ApplyOptions } from '../../src/apply/apply.js';
import { bootGuardUnit, bootGuardUnitName } from '../../src/apply/boot-guard-unit.js';
import { guardAtBoot } from '../../src/apply/boot-guard.js';
import { confirmPending } from '../../src/apply/confirm.js';
import { stateLayout } from '../../src/apply/paths.js';
import { isProcessAlive, readPending } from '../../src/apply/pending.js';
import { rollbackByHand } from '../../src/apply/rollback.js';
import { loadAppliedState } from '../../src/apply/state.js';
import { readTranscript } from '../../src/apply/transcript.js';
import {
  ORIGINAL_CONF,
  ORIGINAL_DEFAULTS,
  ORIGINAL_USER6,
  fakeUfwRunner,
  fakeWatchdogCommand,
  makeFakeHost,
  rootHost,
  sampleChoices,
  samplePlan,
  waitFor,
  type FakeHost,
} from './apply-fake-ufw.js';

const hosts: FakeHost[] = [];
afterEach(async () => {
  for (const host of hosts.splice(0)) {
    const pending = await readPending(host.stateDir);
    if (pending.kind === 'pending' && isProcessAlive(pending.pending.watchdogPid)) process.kill(pending.pending.watchdogPid ?? 0, 'SIGKILL');
    await rm(host.root, { recursive: true, force: true, maxRetries: 5 });
  }
});

async function hostWithUnitDir(): Promise<{ host: FakeHost; unitDir: string }> {
  const host = await makeFakeHost();
  hosts.push(host);
  const unitDir = join(host.root, 'etc-systemd-system');
  await mkdir(unitDir);
  return { host, unitDir };
}

function options(host: FakeHost, unitDir: string, run: ApplyOptions['run'], extra: Partial<ApplyOptions> = {}): ApplyOptions {
  return {
    stateDir: host.stateDir,
    confirmTimeoutSec: 60,
    run,
    choices: sampleChoices,
    host: rootHost,
    watchdogCommand: fakeWatchdogCommand(host),
    bootGuardDir: unitDir,
    paths: host.paths,
    ...extra,
  };
}

const wantsLink = (unitDir: string, id: string) => join(unitDir, 'sysinit.target.wants', bootGuardUnitName(id));

function expectGuard(unitDir: string, id: string, present: boolean): void {
  expect(existsSync(join(unitDir, bootGuardUnitName(id)))).toBe(present);
  expect(existsSync(wantsLink(unitDir, id))).toBe(present);
}

async function expectOriginalFiles(host: FakeHost): Promise<void> {
  expect(await readFile(join(host.paths.ufwDir, 'user6.rules'), 'utf8')).toBe(ORIGINAL_USER6);
  expect(await readFile(join(host.paths.ufwDir, 'ufw.conf'), 'utf8')).toBe(ORIGINAL_CONF);
  expect(await readFile(host.paths.defaultsFile, 'utf8')).toBe(ORIGINAL_DEFAULTS);
}

/** What a reboot does to the watchdog: it is gone without a word. */
async function killWatchdog(host: FakeHost): Promise<void> {
  const pending = await readPending(host.stateDir);
  if (pending.kind !== 'pending' || pending.pending.watchdogPid === null) throw new Error('no watchdog to kill');
  const pid = pending.pending.watchdogPid;
  process.kill(pid, 'SIGKILL');
  await waitFor(async () => !isProcessAlive(pid), 5_000, 'the watchdog to die');
}

describe('the boot guard unit file', () => {
  it('runs before ufw.service loads the rules, only while the apply is pending, with the exact command', () => {
    const unit = bootGuardUnit(
      ['/opt/my tools/node', '/srv/v6wall 100%/dist/v6wall.js', '--flag=$HOME'],
      '/var/lib/v6wall',
      '20261122T190300.123Z-3f9a',
      '/etc/systemd/system/x.service',
    );
    if (!unit.ok) throw new Error(unit.error);
    const lines = unit.value.split('\n');
    expect(lines).toContain('DefaultDependencies=no');
    expect(lines).toContain('After=local-fs.target');
    expect(lines.find((l) => l.startsWith('Before='))?.split(/[= ]/)).toEqual(expect.arrayContaining(['ufw.service', 'network-pre.target', 'sysinit.target']));
    expect(lines).toContain('ConditionPathExists=/var/lib/v6wall/pending.json');
    expect(lines).toContain('Type=oneshot');
    expect(lines).toContain('WantedBy=sysinit.target');
    // Spaces quoted, % and $ taken literally by systemd.
    expect(lines).toContain(
      'ExecStart="/opt/my tools/node" "/srv/v6wall 100%%/dist/v6wall.js" "--flag=$$HOME" "__boot-guard" "--state-dir" "/var/lib/v6wall" "--id" "20261122T190300.123Z-3f9a" "--unit" "/etc/systemd/system/x.service"',
    );
  });

  it('refuses what systemd would read differently: a relative command, a relative state folder, a newline', () => {
    expect(bootGuardUnit(['node', 'x.js'], '/s', 'id1', '/u/x.service').ok).toBe(false);
    expect(bootGuardUnit(['/usr/bin/v6wall'], 'state', 'id1', '/u/x.service').ok).toBe(false);
    expect(bootGuardUnit(['/usr/bin/v6wall'], '/s\nExecStartPre=/bin/sh', 'id1', '/u/x.service').ok).toBe(false);
    expect(bootGuardUnit(['/usr/bin/v6wall'], '/s', '../x', '/u/x.service').ok).toBe(false);
  });
});

describe('the boot guard around an apply', () => {
  it('is placed and enabled before the first command, named in the pending file and the transcript, and removed by confirm', async () => {
    const { host, unitDir } = await hostWithUnitDir();
    const applied = await applyPlan(samplePlan(), options(host, unitDir, fakeUfwRunner(host)));
    expect(applied.ok).toBe(true);
    const id = applied.transcriptId;
    expectGuard(unitDir, id, true);
    expect(readlinkSync(wantsLink(unitDir, id))).toBe(join(unitDir, bootGuardUnitName(id)));
    const pending = await readPending(host.stateDir);
    expect(pending.kind === 'pending' && pending.pending.bootGuard).toBe(join(unitDir, bootGuardUnitName(id)));
    const unit = await readFile(join(unitDir, bootGuardUnitName(id)), 'utf8');
    expect(unit).toContain(`"__boot-guard" "--state-dir" "${host.stateDir}" "--id" "${id}"`);
    const transcript = await readTranscript(host.stateDir, id);
    expect(
      transcript.ok && transcript.value.entries.some((e) => e.type === 'note' && e.message.startsWith(`boot guard ${join(unitDir, bootGuardUnitName(id))}`)),
    ).toBe(true);
    expect((await confirmPending(host.stateDir, applied.confirmCode ?? '')).ok).toBe(true);
    expectGuard(unitDir, id, false);
  }, 20_000);

  it('is removed by `v6wall rollback`, by the watchdog at the deadline and by a failed step', async () => {
    const { host, unitDir } = await hostWithUnitDir();
    const first = await applyPlan(samplePlan(), options(host, unitDir, fakeUfwRunner(host)));
    expect((await rollbackByHand(host.stateDir, fakeUfwRunner(host), 'test')).ok).toBe(true);
    expectGuard(unitDir, first.transcriptId, false);

    const second = await applyPlan(samplePlan(), options(host, unitDir, fakeUfwRunner(host), { confirmTimeoutSec: 1 }));
    expectGuard(unitDir, second.transcriptId, true);
    await waitFor(async () => (await readPending(host.stateDir)).kind === 'none', 20_000, 'the watchdog to roll back');
    await waitFor(async () => !existsSync(join(unitDir, bootGuardUnitName(second.transcriptId))), 5_000, 'the guard to go');
    expectGuard(unitDir, second.transcriptId, false);

    const third = await applyPlan(samplePlan(), options(host, unitDir, fakeUfwRunner(host, { failOn: (argv) => argv.includes('route') })));
    expect(third.ok).toBe(false);
    expect(third.rolledBack).toBe(true);
    expectGuard(unitDir, third.transcriptId, false);
    expect(existsSync(join(unitDir, 'sysinit.target.wants'))).toBe(false);
  }, 40_000);

  it('none where there is no systemd: the transcript says a restart would keep the rules', async () => {
    const { host } = await hostWithUnitDir();
    const applied = await applyPlan(samplePlan(), options(host, '', fakeUfwRunner(host), { bootGuardDir: null }));
    const pending = await readPending(host.stateDir);
    expect(pending.kind === 'pending' && pending.pending.bootGuard).toBe(null);
    const transcript = await readTranscript(host.stateDir, applied.transcriptId);
    expect(transcript.ok && transcript.value.entries.some((e) => e.type === 'note' && e.message.startsWith('no boot guard'))).toBe(true);
  }, 20_000);
});

describe('at boot', () => {
  it('rolls an unconfirmed apply back by its files alone (ufw.service loads them next), says "rolled back at boot" and removes itself', async () => {
    const { host, unitDir } = await hostWithUnitDir();
    const applied = await applyPlan(samplePlan(), options(host, unitDir, fakeUfwRunner(host)));
    const id = applied.transcriptId;
    await killWatchdog(host);
    const atBoot = fakeUfwRunner(host);
    expect(await guardAtBoot(host.stateDir, id, atBoot, join(unitDir, bootGuardUnitName(id)))).toBe('rolled-back');
    expect(atBoot.calls).toEqual([]);
    await expectOriginalFiles(host);
    expect((await readPending(host.stateDir)).kind).toBe('none');
    const state = await loadAppliedState(host.stateDir);
    expect(state.ok && state.value).toBe(null);
    const transcript = await readTranscript(host.stateDir, id);
    if (!transcript.ok) throw new Error(transcript.error);
    const outcome = transcript.value.entries.at(-1);
    expect(outcome?.type === 'outcome' && [outcome.outcome, outcome.by]).toEqual(['rolled-back', 'boot-guard']);
    expect(outcome?.type === 'outcome' && outcome.detail).toMatch(/^rolled back at boot: the machine went down before it was confirmed/);
    expectGuard(unitDir, id, false);
    expect(await readFile(stateLayout.watchdogLog(host.stateDir), 'utf8')).toContain('rolled back at boot');
  }, 20_000);

  it('does nothing while the watchdog of the apply runs (started by hand, not at boot)', async () => {
    const { host, unitDir } = await hostWithUnitDir();
    const applied = await applyPlan(samplePlan(), options(host, unitDir, fakeUfwRunner(host)));
    expect(await guardAtBoot(host.stateDir, applied.transcriptId, fakeUfwRunner(host), join(unitDir, bootGuardUnitName(applied.transcriptId)))).toBe(
      'watchdog-running',
    );
    expect((await readPending(host.stateDir)).kind).toBe('pending');
    expect(await readFile(join(host.paths.ufwDir, 'ufw.conf'), 'utf8')).toMatch(/ENABLED=yes/);
    expectGuard(unitDir, applied.transcriptId, true);
  }, 20_000);

  it('leaves a confirmed apply alone and removes a guard left behind', async () => {
    const { host, unitDir } = await hostWithUnitDir();
    const applied = await applyPlan(samplePlan(), options(host, unitDir, fakeUfwRunner(host)));
    const id = applied.transcriptId;
    const unitPath = join(unitDir, bootGuardUnitName(id));
    const unitText = await readFile(unitPath, 'utf8');
    expect((await confirmPending(host.stateDir, applied.confirmCode ?? '')).ok).toBe(true);
    // As if removing it had failed: the guard finds nothing pending and removes itself.
    await import('node:fs/promises').then(async (fs) => {
      await fs.writeFile(unitPath, unitText);
      await fs.mkdir(join(unitDir, 'sysinit.target.wants'));
      await fs.symlink(unitPath, wantsLink(unitDir, id));
    });
    expect(await guardAtBoot(host.stateDir, id, fakeUfwRunner(host), unitPath)).toBe('nothing-pending');
    expect(await readFile(join(host.paths.ufwDir, 'ufw.conf'), 'utf8')).toMatch(/ENABLED=yes/);
    expectGuard(unitDir, id, false);
    expect(existsSync(join(unitDir, 'sysinit.target.wants'))).toBe(false);
    const transcript = await readTranscript(host.stateDir, id);
    expect(transcript.ok && transcript.value.outcome).toBe('confirmed');
  }, 20_000);
});

describe('the watchdog stopped by SIGTERM while the apply is pending (a shutdown)', () => {
  it('does not claim the apply was confirmed or rolled back, and names the boot guard', async () => {
    const { host, unitDir } = await hostWithUnitDir();
    const applied = await applyPlan(samplePlan(), options(host, unitDir, fakeUfwRunner(host)));
    const pending = await readPending(host.stateDir);
    const pid = pending.kind === 'pending' ? pending.pending.watchdogPid : null;
    process.kill(pid ?? 0, 'SIGTERM');
    await waitFor(async () => !isProcessAlive(pid), 5_000, 'the watchdog to exit');
    const log = await readFile(stateLayout.watchdogLog(host.stateDir), 'utf8');
    expect(log).not.toContain('confirmed or rolled back');
    expect(log).toContain(
      `stopped by SIGTERM (a shutdown, or stopped by hand) while apply ${applied.transcriptId} still awaits confirmation: not rolled back now; its boot guard (${join(unitDir, bootGuardUnitName(applied.transcriptId))}) rolls it back when the machine starts again`,
    );
    expect((await readPending(host.stateDir)).kind).toBe('pending');
  }, 20_000);
});
