// Where systemd runs, the watchdog is a transient unit of the system manager (outside the login
// session logind may kill with the SSH connection). systemd cannot run here, so systemd-run is a
// FAKE: a script that records its argv and starts the command after `--` in its own session, as
// the real one would start it outside ours. The real process it starts is the real watchdog.
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { chmod, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isProcessAlive, readPending, stopWatchdog, writePending, type PendingApply } from '../../src/apply/pending.js';
import { stateLayout } from '../../src/apply/paths.js';
import { spawnWatchdog, systemdRunArgv } from '../../src/apply/watchdog.js';
import { ensurePrivateDir } from '../../src/apply/directories.js';
import { fakeWatchdogCommand, makeFakeHost, type FakeHost } from './apply-fake-ufw.js';

const hosts: FakeHost[] = [];
const pids: number[] = [];
afterEach(async () => {
  for (const pid of pids.splice(0)) if (isProcessAlive(pid)) process.kill(pid, 'SIGKILL');
  for (const host of hosts.splice(0)) await rm(host.root, { recursive: true, force: true, maxRetries: 5 });
});

const FAKE_SYSTEMD_RUN = (log: string, exitCode: number) => `#!/bin/sh
printf '%s\\n' "$@" > "${log}"
[ ${exitCode} -ne 0 ] && { echo "Failed to connect to bus: No such file or directory" >&2; exit ${exitCode}; }
while [ "$1" != "--" ]; do shift; done; shift
setsid "$@" >/dev/null 2>&1 < /dev/null &
exit 0
`;

/** A fake host with a pending apply (so the watchdog stays) and a fake systemd-run first on PATH. */
async function hostWithSystemdRun(exitCode: number): Promise<{ host: FakeHost; id: string; argvLog: string }> {
  const host = await makeFakeHost();
  hosts.push(host);
  const id = '20261122T220000000Z-5d5d';
  await ensurePrivateDir(host.stateDir);
  const pending: PendingApply = {
    version: 1,
    id,
    phase: 'awaiting-confirmation',
    code: 'ABCDEF',
    deadline: new Date(Date.now() + 600_000).toISOString(),
    snapshotId: id,
    transcriptId: id,
    watchdogPid: null,
    createdAt: new Date().toISOString(),
    proposedState: null,
  };
  await writePending(host.stateDir, pending);
  const argvLog = join(host.root, 'systemd-run.argv');
  await writeFile(join(host.fakeBin, 'systemd-run'), FAKE_SYSTEMD_RUN(argvLog, exitCode));
  await chmod(join(host.fakeBin, 'systemd-run'), 0o755);
  return { host, id, argvLog };
}

async function withFakePath<T>(host: FakeHost, action: () => Promise<T>): Promise<T> {
  const saved = process.env['PATH'];
  process.env['PATH'] = `${host.fakeBin}:${saved ?? ''}`;
  try {
    return await action();
  } finally {
    process.env['PATH'] = saved;
  }
}

describe('the watchdog under systemd', () => {
  it('is started with systemd-run as a transient unit named after the apply, and reported as such', async () => {
    const { host, id, argvLog } = await hostWithSystemdRun(0);
    const command = fakeWatchdogCommand(host);
    const started = await withFakePath(host, () => spawnWatchdog(command, host.stateDir, id, { systemd: true }));
    if (!started.ok) throw new Error(started.error);
    pids.push(started.value.pid);
    expect(started.value.how).toBe(`the transient systemd unit v6wall-rollback-${id}`);
    expect(isProcessAlive(started.value.pid)).toBe(true);
    const argv = (await readFile(argvLog, 'utf8')).trimEnd().split('\n');
    expect(argv).toEqual(systemdRunArgv([...command, '__watchdog', '--state-dir', host.stateDir, '--id', id], id).slice(1));
    expect(argv.slice(0, 2)).toEqual(['--unit', `v6wall-rollback-${id}`]);
    expect(argv).toContain('--collect');
    await stopWatchdog(started.value.pid, id);
    expect(isProcessAlive(started.value.pid)).toBe(false);
    expect((await readPending(host.stateDir)).kind).toBe('pending');
  }, 20_000);

  it('falls back to a detached process when systemd-run fails, and logs why', async () => {
    const { host, id } = await hostWithSystemdRun(1);
    const started = await withFakePath(host, () => spawnWatchdog(fakeWatchdogCommand(host), host.stateDir, id, { systemd: true }));
    if (!started.ok) throw new Error(started.error);
    pids.push(started.value.pid);
    expect(started.value.how).toBe('a detached process in its own session');
    expect(await readFile(stateLayout.watchdogLog(host.stateDir), 'utf8')).toMatch(
      /could not start it through systemd-run \(systemd-run exited 1: Failed to connect to bus: No such file or directory\); starting it detached instead/,
    );
    await stopWatchdog(started.value.pid, id);
  }, 20_000);

  it.skipIf(process.getuid?.() !== 0)("is not used from a mount namespace other than init's, even where systemd runs (a container, the lab)", () => {
    // A private mount namespace where /run/systemd/system exists: a unit would start in init's
    // namespaces and restore another firewall than the one this v6wall changed.
    const script = 'mount -t tmpfs tmpfs /run && mkdir -p /run/systemd/system && exec "$@"';
    const probe = `import('${new URL('../../src/apply/watchdog.ts', import.meta.url).href}').then((m) => console.log(String(require('node:fs').existsSync('/run/systemd/system')), String(m.systemdCanHostWatchdog())))`;
    const out = execFileSync('unshare', ['--mount', 'sh', '-c', script, 'sh', process.execPath, '--import', import.meta.resolve('tsx'), '-e', probe], {
      encoding: 'utf8',
    });
    expect(out.trim()).toBe('true false');
  });
});
