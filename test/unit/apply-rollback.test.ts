import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { applyPlan, type ApplyOptions } from '../../src/apply/apply.js';
import { confirmPending } from '../../src/apply/confirm.js';
import { readPending, isProcessAlive } from '../../src/apply/pending.js';
import { rollbackByHand } from '../../src/apply/rollback.js';
import { latestSnapshotId, loadLatestSnapshot, restoreSnapshotFiles, takeSnapshot } from '../../src/apply/snapshot.js';
import { loadAppliedState } from '../../src/apply/state.js';
import { readTranscript } from '../../src/apply/transcript.js';
import { stateLayout } from '../../src/apply/paths.js';
import {
  ORIGINAL_CONF,
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
const mounts: string[] = [];
async function fakeHost(): Promise<FakeHost> {
  const host = await makeFakeHost();
  hosts.push(host);
  return host;
}
/** umount, retried briefly: a process that just exited may still hold the mount for a moment. */
async function unmount(target: string): Promise<void> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      execFileSync('umount', [target], { stdio: 'pipe' });
      return;
    } catch (error) {
      if (attempt >= 20) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

afterEach(async () => {
  for (const m of mounts.splice(0)) await unmount(m);
  for (const host of hosts.splice(0)) {
    const pending = await readPending(host.stateDir);
    if (pending.kind === 'pending' && pending.pending.watchdogPid !== null) process.kill(pending.pending.watchdogPid, 'SIGTERM');
    await rm(host.root, { recursive: true, force: true, maxRetries: 5 });
  }
});

function options(host: FakeHost, run: ApplyOptions['run'], extra: Partial<ApplyOptions> = {}): ApplyOptions {
  return {
    stateDir: host.stateDir,
    confirmTimeoutSec: 60,
    run,
    choices: sampleChoices,
    host: rootHost,
    watchdogCommand: fakeWatchdogCommand(host),
    paths: host.paths,
    ...extra,
  };
}

/** Live processes started as `... __watchdog --state-dir DIR ...` for this state directory. */
function watchdogsOf(stateDir: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
        return argv.includes('__watchdog') && argv.includes(stateDir) && isProcessAlive(Number(pid));
      } catch {
        return false;
      }
    })
    .map(Number);
}

function tryMount(args: string[]): boolean {
  try {
    execFileSync('mount', args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('rollbackByHand (v6wall rollback)', () => {
  it('restores the files and the state after a confirmation, in a transcript of its own', async () => {
    const host = await fakeHost();
    const run = fakeUfwRunner(host);
    const applied = await applyPlan(samplePlan(), options(host, run));
    expect((await confirmPending(host.stateDir, applied.confirmCode ?? '')).ok).toBe(true);
    expect((await loadAppliedState(host.stateDir)).ok).toBe(true);
    expect(await readFile(join(host.paths.ufwDir, 'user6.rules'), 'utf8')).not.toBe(ORIGINAL_USER6);

    const result = await rollbackByHand(host.stateDir, run, 'test', { env: { SUDO_USER: 'carol' } });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.pendingApplyId).toBeNull();
    expect(await readFile(join(host.paths.ufwDir, 'user6.rules'), 'utf8')).toBe(ORIGINAL_USER6);
    expect(await readFile(join(host.paths.ufwDir, 'ufw.conf'), 'utf8')).toBe(ORIGINAL_CONF);
    expect(run.calls.at(-1)).toEqual(['ufw', '--force', 'disable']);
    const state = await loadAppliedState(host.stateDir);
    expect(state.ok && state.value).toBeNull();
    const t = await readTranscript(host.stateDir, result.value.transcriptId);
    expect(t.ok && t.value.start.kind).toBe('rollback');
    expect(t.ok && t.value.start.who).toBe('carol');
    expect(t.ok && t.value.outcome).toBe('rolled-back');
  });

  it('puts back the policies ufw disable resets: Docker had FORWARD at DROP before the first apply', async () => {
    const host = await fakeHost();
    const ufw = fakeUfwRunner(host);
    // Docker 20.10 with ip6tables (and Docker 28 when it enabled forwarding itself) sets FORWARD to DROP.
    const saved: Record<string, string> = {
      'ip6tables-save': '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n:DOCKER - [0:0]\n-A FORWARD -j DOCKER\nCOMMIT\n',
      'iptables-save': '*nat\n:PREROUTING ACCEPT [0:0]\nCOMMIT\n*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n',
    };
    const calls: string[][] = [];
    const run: ApplyOptions['run'] = async (argv, opts) => {
      // The snapshot's reads answer; the rollback's live read (-t filter) does not, as on the fake
      // host: the in-place restore cannot run, and the rollback takes ufw's own way.
      const text = argv[1] === '-t' ? undefined : saved[argv[0] ?? ''];
      if (text !== undefined) return { argv: [...argv], exitCode: 0, stdout: text, stderr: '', durationMs: 1, notFound: false };
      if (argv[0] === 'ip6tables' || argv[0] === 'iptables') {
        calls.push([...argv]);
        return { argv: [...argv], exitCode: 0, stdout: '', stderr: '', durationMs: 1, notFound: false };
      }
      return ufw(argv, opts);
    };
    const applied = await applyPlan(samplePlan(), options(host, run));
    expect((await confirmPending(host.stateDir, applied.confirmCode ?? '')).ok).toBe(true);

    const result = await rollbackByHand(host.stateDir, run, 'test');
    expect(result.ok, result.ok ? '' : result.error).toBe(true);
    expect(ufw.calls.at(-1)).toEqual(['ufw', '--force', 'disable']);
    expect(calls).toEqual([
      ['ip6tables', '-t', 'filter', '-P', 'FORWARD', 'DROP'],
      ['iptables', '-t', 'filter', '-P', 'FORWARD', 'DROP'],
    ]);
  });

  it('disarms a pending apply first, so its watchdog cannot roll back again', async () => {
    const host = await fakeHost();
    const run = fakeUfwRunner(host);
    const applied = await applyPlan(samplePlan(), options(host, run));
    const pending = await readPending(host.stateDir);
    const pid = pending.kind === 'pending' ? pending.pending.watchdogPid : null;
    const result = await rollbackByHand(host.stateDir, run, 'test');
    expect(result.ok && result.value.pendingApplyId).toBe(applied.transcriptId);
    expect((await readPending(host.stateDir)).kind).toBe('none');
    await waitFor(async () => !isProcessAlive(pid), 5000, 'the watchdog to stop');
    const t = await readTranscript(host.stateDir, applied.transcriptId);
    expect(t.ok && t.value.outcome).toBe('rolled-back');
  });

  it('says so clearly when there is nothing to roll back to', async () => {
    const host = await fakeHost();
    const result = await rollbackByHand(host.stateDir, fakeUfwRunner(host), 'test');
    expect(!result.ok && result.error).toBe('nothing to undo: v6wall has not applied anything here; nothing was changed');
  });
});

describe('snapshots', () => {
  it('never lose the last good snapshot when a new one fails', async () => {
    const host = await fakeHost();
    const run = fakeUfwRunner(host);
    const first = await takeSnapshot({ stateDir: host.stateDir, id: 'snap-a', now: new Date(), paths: host.paths, run, previousState: null });
    expect(first.ok).toBe(true);
    await rm(host.paths.defaultsFile);
    const second = await takeSnapshot({ stateDir: host.stateDir, id: 'snap-b', now: new Date(), paths: host.paths, run, previousState: null });
    expect(!second.ok && second.error).toMatch(/could not save the snapshot: not found .*default-ufw/);
    expect(await latestSnapshotId(host.stateDir)).toBe('snap-a');
    const latest = await loadLatestSnapshot(host.stateDir);
    expect(latest.ok && latest.value.files).toHaveLength(5);
  });

  it('a disk too full to snapshot refuses the apply and changes nothing', async () => {
    const host = await fakeHost();
    await mkdir(host.stateDir);
    if (!tryMount(['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', host.stateDir])) return; // needs root and mount rights
    mounts.push(host.stateDir);
    const run = fakeUfwRunner(host);
    const outcome = await applyPlan(samplePlan(), options(host, run));
    expect(outcome.ok).toBe(false);
    expect(outcome.error).toMatch(/refusing to apply: .*disk .* is full.*nothing was changed/);
    expect(run.calls.filter((c) => c[0] === 'ufw')).toEqual([]);
    expect((await readPending(host.stateDir)).kind).toBe('none');
    // The watchdog started alongside the snapshot is gone too: nothing of the refused apply runs on.
    expect(watchdogsOf(host.stateDir)).toEqual([]);
    const t = await readTranscript(host.stateDir, outcome.transcriptId);
    expect(t.ok && t.value.outcome).toBe('refused');
  });

  it('restores a file that is itself a mount point (a bind-mounted /etc/default/ufw, as in the lab)', async () => {
    const host = await fakeHost();
    const run = fakeUfwRunner(host);
    const snap = await takeSnapshot({ stateDir: host.stateDir, id: 'snap-m', now: new Date(), paths: host.paths, run, previousState: null });
    if (!snap.ok) throw new Error(snap.error);
    const source = join(host.root, 'bind-source');
    await writeFile(source, 'IPV6=no\n');
    if (!tryMount(['--bind', source, host.paths.defaultsFile])) return;
    mounts.push(host.paths.defaultsFile);
    const restored = await restoreSnapshotFiles(host.stateDir, snap.value);
    expect(restored.ok).toBe(true);
    expect(await readFile(host.paths.defaultsFile, 'utf8')).toMatch(/IPV6=yes/);
  });
});

describe('corrupted files', () => {
  it('a corrupted state file refuses the apply with a clear message', async () => {
    const host = await fakeHost();
    await mkdir(host.stateDir, { recursive: true });
    await writeFile(join(host.stateDir, 'state.json'), '{"applied": ');
    const run = fakeUfwRunner(host);
    const outcome = await applyPlan(samplePlan(), options(host, run));
    expect(outcome.error).toMatch(/state file .*state.json is corrupted: .*Move it aside/);
    expect(run.calls).toEqual([]);
    const loaded = await loadAppliedState(host.stateDir);
    expect(!loaded.ok && loaded.error).toMatch(/is corrupted/);
  });

  it('a corrupted pending file refuses the apply and says what to do', async () => {
    const host = await fakeHost();
    await mkdir(host.stateDir, { recursive: true });
    await writeFile(stateLayout.pending(host.stateDir), 'not json');
    const outcome = await applyPlan(samplePlan(), options(host, fakeUfwRunner(host)));
    expect(outcome.error).toMatch(/pending.json is corrupted: it is not valid JSON.*; run `v6wall rollback`/);
  });

  it('a state directory other users could read is made private', async () => {
    const host = await fakeHost();
    await mkdir(host.stateDir, { recursive: true });
    await chmod(host.stateDir, 0o755);
    const outcome = await applyPlan(samplePlan(), options(host, fakeUfwRunner(host)));
    expect(outcome.ok).toBe(true);
    const { stat } = await import('node:fs/promises');
    expect((await stat(host.stateDir)).mode & 0o777).toBe(0o700);
  });
});
