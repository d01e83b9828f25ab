// The systemd lab itself: a real systemd as PID 1, real sshd and ufw.service, reboots, and a
// teardown that leaves nothing. No v6wall behaviour here; if this fails, the scenarios mean nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { run } from '../exec.js';
import { REPO_ROOT, cleanupStaleLabs, labTitle, skipLab } from '../harness.js';
import { CONTAINER_DIST, CONTAINER_NODE, SYSTEMD_LAB_SSH_PORT, skipSystemdLab, startSystemdLab, type SystemdLab } from './harness.js';
import { systemdRootfs } from './rootfs.js';
import { reachable } from './operator.js';

const skip = skipSystemdLab(skipLab());

/** The machine's own v6wall state and UFW files, hashed: the lab must leave them byte for byte. */
function machineState(): string {
  const hash = createHash('sha256');
  const walk = (path: string): void => {
    if (!existsSync(path)) return hash.update(`${path} absent\n`) && undefined;
    const stat = statSync(path);
    if (stat.isDirectory()) {
      for (const entry of readdirSync(path).sort()) walk(join(path, entry));
    } else {
      hash.update(`${path} ${stat.mode} ${stat.size}\n`).update(readFileSync(path));
    }
  };
  for (const path of ['/var/lib/v6wall', '/etc/ufw', '/etc/default/ufw']) walk(path);
  return hash.digest('hex');
}

describe.skipIf(skip)(labTitle('the systemd lab'), () => {
  let lab: SystemdLab;
  let machineBefore: string;
  let labDir: string;
  const rootfs = systemdRootfs() ?? '';

  beforeAll(async () => {
    machineBefore = machineState();
    lab = await startSystemdLab();
    labDir = lab.dir;
    console.info(`first boot: ${JSON.stringify(lab.bootReports[0])}`);
  });
  afterAll(async () => {
    expect(await lab?.teardown()).toEqual([]);
  });

  it('boots a real systemd as PID 1 to "running", with logind, journald, ufw.service and sshd', async () => {
    expect(lab.bootReports[0]).toMatchObject({ boot: 1, state: 'running', failedUnits: [] });
    expect((await lab.exec(['cat', '/proc/1/comm'])).stdout.trim()).toBe('systemd');
    for (const unit of ['systemd-logind', 'systemd-journald', 'dbus', 'ufw', 'ssh', 'v6wall-lab-web']) {
      expect(`${unit}: ${(await lab.exec(['systemctl', 'is-active', unit])).stdout.trim()}`).toBe(`${unit}: active`);
    }
    const unit = await lab.exec(['systemd-run', '--unit', 'lab-probe', '--collect', '--wait', '--quiet', 'true']);
    expect(unit.exitCode, unit.stderr).toBe(0);
  });

  it('is reachable from the client namespace, and SSH logs in as root with the lab key into a logind session', async () => {
    expect(await reachable(lab)).toEqual({ ssh: 'open', web: 'open' });
    const login = await lab.ssh(['sh', '-c', 'echo "$(hostname) session=$XDG_SESSION_ID"; cat /proc/self/cgroup']);
    expect(login.exitCode, login.stderr).toBe(0);
    expect(login.stdout).toMatch(/^v6wall-lab session=\d+/);
    expect(login.stdout).toMatch(/user\.slice\/user-0\.slice\/session-\d+\.scope/);
    expect(SYSTEMD_LAB_SSH_PORT).toBe(22);
  });

  it("runs the machine's node and the built v6wall inside, with the container's own state", async () => {
    expect((await lab.exec([CONTAINER_NODE, '--version'])).stdout.trim()).toBe(process.version);
    expect((await lab.exec(['test', '-w', `${CONTAINER_DIST}/v6wall.js`])).exitCode).not.toBe(0);
    const help = await lab.ssh(['v6wall', '--help']);
    expect(help.exitCode, help.stderr).toBe(0);
    expect(help.stdout).toContain('Usage');
    const status = await lab.ssh(['v6wall', 'status']);
    expect(status.exitCode, `${status.stdout}\n${status.stderr}`).toBe(0);
  });

  it('reboots: systemd-nspawn exits 133, the next boot comes up with what the first one wrote', async () => {
    await lab.must(['sh', '-c', 'echo kept > /var/lib/lab-marker']);
    const started = performance.now();
    const report = await lab.reboot();
    console.info(`reboot: ${Math.round(performance.now() - started)} ms from systemctl reboot to running; ${JSON.stringify(report)}`);
    expect(report).toMatchObject({ boot: 2, state: 'running' });
    expect(lab.boots()).toBe(2);
    expect((await lab.readFile('/var/lib/lab-marker')).trim()).toBe('kept');
    expect(await reachable(lab)).toEqual({ ssh: 'open', web: 'open' });
  });

  it('powers off (exit 0) and boots again; survives a power cut and boots again', async () => {
    expect(await lab.poweroff()).toBe(0);
    expect(await lab.probeTcp(SYSTEMD_LAB_SSH_PORT)).toBe('blocked');
    await expect(lab.boot()).resolves.toMatchObject({ boot: 3, state: 'running' });
    expect(await lab.probeTcp(SYSTEMD_LAB_SSH_PORT)).toBe('open');
    await lab.powerCut();
    expect(await lab.probeTcp(SYSTEMD_LAB_SSH_PORT)).toBe('blocked');
    const report = await lab.boot();
    expect(report).toMatchObject({ boot: 4, state: 'running' });
    expect(report.startedAt).toBeGreaterThan(lab.bootReports[2]?.startedAt ?? Number.POSITIVE_INFINITY);
    expect((await lab.readFile('/var/lib/lab-marker')).trim()).toBe('kept');
  });

  it('tears down leaving nothing: no processes, namespaces, cgroups, mounts or files; the cached root and the machine untouched', async () => {
    const leader = lab.leader();
    expect(await lab.teardown()).toEqual([]);
    expect(existsSync(`/proc/${leader}`)).toBe(false);
    expect(existsSync(labDir)).toBe(false);
    for (const ns of [lab.serverNs, lab.clientNs]) expect(existsSync(`/var/run/netns/${ns}`)).toBe(false);
    for (const hierarchy of ['systemd', 'unified']) expect(existsSync(`/sys/fs/cgroup/${hierarchy}/v6wall-lab-${lab.id}`)).toBe(false);
    const nspawns = await run(['pgrep', '-f', `--machine=v6wl-${lab.id}`]);
    expect(nspawns.stdout.trim()).toBe('');
    expect(existsSync(`/run/systemd/nspawn/propagate/v6wl-${lab.id}`)).toBe(false);
    const mounts = readFileSync('/proc/self/mountinfo', 'utf8');
    expect(mounts).not.toContain(labDir);
    // Nothing in the cached root is newer than its stamp: no lab wrote to it.
    const changed = await run(['find', rootfs, '-newer', `${rootfs}.stamp`, '-print', '-quit']);
    expect(changed.stdout.trim()).toBe('');
    expect(machineState()).toBe(machineBefore);
  });

  it('a lab whose test process died is cleaned up by cleanupStaleLabs: container, namespaces, cgroups, files', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'test/lab/systemd/stale-child.ts')], { stdio: ['ignore', 'pipe', 'inherit'] });
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        out += chunk;
        if (out.includes('\n')) resolve(out.split('\n')[0] ?? '');
      });
      child.on('exit', (code) => reject(new Error(`stale-child exited early (${code})`)));
    });
    const started = JSON.parse(line) as { id: string; dir: string; serverNs: string; clientNs: string; leader: number };
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    expect(existsSync(`/proc/${started.leader}`)).toBe(true); // the container outlives its test process, as after a crash

    expect(await cleanupStaleLabs()).toContain(started.id);
    for (let waited = 0; existsSync(`/proc/${started.leader}`) && waited < 10_000; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(existsSync(`/proc/${started.leader}`)).toBe(false);
    expect((await run(['pgrep', '-f', `--machine=v6wl-${started.id}`])).stdout.trim()).toBe('');
    expect(existsSync(started.dir)).toBe(false);
    for (const ns of [started.serverNs, started.clientNs]) expect(existsSync(`/var/run/netns/${ns}`)).toBe(false);
    for (const hierarchy of ['systemd', 'unified']) expect(existsSync(`/sys/fs/cgroup/${hierarchy}/v6wall-lab-${started.id}`)).toBe(false);
  });
});
