// The rollback watchdog under a real systemd (PID 1 of a booted Debian 12, in the lab's server
// namespace): v6wall apply runs in a real SSH login from the client namespace, and every outcome is
// checked by real connections from there. The lab's baseline: ufw inactive, SSH (22) and a TCP
// service (8080) open. v6wall's apply allows SSH, denies the rest and enables ufw: 8080 closes.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { REPO_ROOT, labTitle, skipLab } from '../harness.js';
import { sleep } from '../exec.js';
import { CONTAINER_RELEASE, skipSystemdLab, startSystemdLab, type BootReport, type SystemdLab } from './harness.js';
import {
  CONFIRM_TIMEOUT_SEC,
  applyOverSsh,
  bootGuardFiles,
  bootGuardUnit,
  diagnose,
  expectGuardRolledBack,
  expectBaseline,
  reachable,
  rollBackByHand,
  transcriptOutcome,
  type TranscriptOutcome,
  unitNumber,
  unitState,
  waitForRollback,
} from './operator.js';

const skip = skipSystemdLab(skipLab());
/** The watchdog polls every 0.5 s and `ufw --force disable` takes a second or two on a busy machine. */
const ROLLBACK_GRACE_MS = 20_000;

const timings: Record<string, number> = {};
const version = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const DEB = join(REPO_ROOT, 'release', `v6wall_${version}_amd64.deb`);

describe.skipIf(skip)(labTitle('the rollback watchdog under a real systemd'), () => {
  let lab: SystemdLab;

  beforeAll(async () => {
    lab = await startSystemdLab();
    timings['boot'] = lab.bootReports[0]?.ms ?? Number.NaN;
  });
  afterAll(async () => {
    console.info(`systemd lab timings (ms): ${JSON.stringify(timings)}`);
    expect(await lab?.teardown()).toEqual([]);
  });
  beforeEach(async () => {
    await expectBaseline(lab);
  });

  it('runs as a real transient unit in the system slice, outside the SSH session that applied', async () => {
    const started = performance.now();
    const applied = await applyOverSsh(lab);
    expect(await reachable(lab)).toEqual({ ssh: 'open', web: 'blocked' });
    const status = await lab.exec(['systemctl', 'status', '--no-pager', applied.unit]);
    expect(status.exitCode, status.stdout).toBe(0);
    expect(status.stdout).toContain('Active: active (running)');
    expect(status.stdout).toContain(`v6wall: roll back apply ${applied.id} unless confirmed`);
    const cgroup = (await lab.exec(['systemctl', 'show', '--value', '-p', 'ControlGroup', applied.unit])).stdout.trim();
    expect(cgroup).toBe(`/system.slice/${applied.unit}.service`);
    const sessionCgroup = (await lab.exec(['systemctl', 'show', '--value', '-p', 'ControlGroup', `session-${applied.sessionId}.scope`])).stdout.trim();
    expect(sessionCgroup).toMatch(/^\/user\.slice\/user-0\.slice\/session-\d+\.scope$/);
    const transcript = await lab.readFile(`/var/lib/v6wall/transcripts/${applied.id}.jsonl`);
    expect(transcript).toContain(`the transient systemd unit ${applied.unit}`);
    await applied.session.drop();
    await rollBackByHand(lab);
    expect(await unitState(lab, applied.unit)).not.toBe('active');
    timings['transient unit'] = Math.round(performance.now() - started);
  });

  it('confirm from a NEW SSH session keeps the rules past the deadline and stops the unit', async () => {
    const started = performance.now();
    const applied = await applyOverSsh(lab);
    const confirm = await lab.ssh(['v6wall', 'confirm', applied.code]);
    expect(confirm.exitCode, `${confirm.stdout}\n${confirm.stderr}`).toBe(0);
    await applied.session.drop();
    expect(await unitState(lab, applied.unit)).not.toBe('active');
    await sleep(Math.max(0, applied.deadline + 3_000 - Date.now()));
    expect(await reachable(lab)).toEqual({ ssh: 'open', web: 'blocked' });
    expect((await transcriptOutcome(lab, applied.id))?.outcome).toBe('confirmed');
    expect((await lab.exec(['ufw', 'status'])).stdout).toContain('Status: active');
    timings['confirm'] = Math.round(performance.now() - started);
    await rollBackByHand(lab);
  });

  it('no confirm: rolled back after the deadline, the unit gone', async () => {
    const started = performance.now();
    const applied = await applyOverSsh(lab, { then: 'exit' });
    expect(await applied.session.exited).toBe(0);
    expect(await reachable(lab)).toEqual({ ssh: 'open', web: 'blocked' });
    const outcome = await waitForRollback(lab, applied.id, CONFIRM_TIMEOUT_SEC * 1000 + ROLLBACK_GRACE_MS);
    timings['no confirm: rollback after deadline'] = outcome.when - applied.deadline;
    expect(outcome.by).toBe('watchdog');
    expect(outcome.when).toBeGreaterThanOrEqual(applied.deadline);
    expect(await reachable(lab)).toEqual({ ssh: 'open', web: 'open' });
    expect(await unitState(lab, applied.unit)).not.toBe('active');
    timings['no confirm'] = Math.round(performance.now() - started);
  });

  it("SIGKILL of every process of the operator's SSH session: still rolled back after the deadline", async () => {
    const started = performance.now();
    const applied = await applyOverSsh(lab);
    const killed = await lab.exec(['loginctl', 'kill-session', applied.sessionId, '--signal=SIGKILL']);
    expect(killed.exitCode, killed.stderr).toBe(0);
    // The connection dies with the session's sshd process.
    expect(await applied.session.exited).toBe(255);
    await expectSessionEmpty(lab, applied.sessionId);
    expect(await unitState(lab, applied.unit)).toBe('active');
    const outcome = await waitForRollback(lab, applied.id, CONFIRM_TIMEOUT_SEC * 1000 + ROLLBACK_GRACE_MS);
    timings['session SIGKILL: rollback after deadline'] = outcome.when - applied.deadline;
    expect(outcome.when).toBeGreaterThanOrEqual(applied.deadline);
    expect(await reachable(lab)).toEqual({ ssh: 'open', web: 'open' });
    timings['session SIGKILL'] = Math.round(performance.now() - started);
  });

  it('SIGKILL of the whole SSH session in the middle of the apply: rolled back at once, before the deadline', async () => {
    const started = performance.now();
    // The first line apply prints once the snapshot is saved and the watchdog armed, before its first command.
    const applied = await applyOverSsh(lab, { until: /the rollback is armed/, confirmTimeoutSec: 60 });
    const killed = await lab.exec(['loginctl', 'kill-session', applied.sessionId, '--signal=SIGKILL']);
    expect(killed.exitCode, killed.stderr).toBe(0);
    await applied.session.exited;
    const outcome = await waitForRollback(lab, applied.id, ROLLBACK_GRACE_MS);
    expect(outcome.detail).toMatch(/died|stopped while running/);
    const deadline = Date.parse(
      JSON.parse((await lab.readFile(`/var/lib/v6wall/transcripts/${applied.id}.jsonl`)).split('\n').find((line) => line.includes('"armed"')) ?? '{}').deadline,
    );
    expect(outcome.when).toBeLessThan(deadline);
    expect(await reachable(lab)).toEqual({ ssh: 'open', web: 'open' });
    timings['SIGKILL mid-apply'] = Math.round(performance.now() - started);
  });

  it('logind KillUserProcesses=yes, a sudo operator, the session ending: its processes are killed, the rollback still comes', async () => {
    // logind spares root's sessions (KillExcludeUsers=root by default): the operator logs in as a user and uses sudo.
    const started = performance.now();
    await lab.addSudoUser('admin');
    await lab.must(['mkdir', '-p', '/etc/systemd/logind.conf.d']);
    await lab.must(['sh', '-c', 'printf "[Login]\\nKillUserProcesses=yes\\n" > /etc/systemd/logind.conf.d/kill-user-processes.conf']);
    await lab.must(['systemctl', 'restart', 'systemd-logind']);
    try {
      const setting = await lab.must([
        'busctl',
        'get-property',
        'org.freedesktop.login1',
        '/org/freedesktop/login1',
        'org.freedesktop.login1.Manager',
        'KillUserProcesses',
      ]);
      expect(setting.stdout.trim()).toBe('b true');
      // A bystander in its own session and process group, as a detached watchdog would be: only logind's kill can reach it.
      const applied = await applyOverSsh(lab, { user: 'admin', then: 'exit', before: 'setsid sleep 600 < /dev/null > /dev/null 2>&1 & echo "bystander=$!"' });
      const bystander = /bystander=(\d+)/.exec(applied.session.output())?.[1] ?? '';
      expect(bystander).toMatch(/^\d+$/);
      expect(await applied.session.exited).toBe(0);
      await expectGone(lab, bystander);
      await expectSessionEmpty(lab, applied.sessionId);
      expect(await unitState(lab, applied.unit)).toBe('active');
      const outcome = await waitForRollback(lab, applied.id, CONFIRM_TIMEOUT_SEC * 1000 + ROLLBACK_GRACE_MS);
      timings['KillUserProcesses: rollback after deadline'] = outcome.when - applied.deadline;
      expect(await reachable(lab)).toEqual({ ssh: 'open', web: 'open' });
    } finally {
      await lab.must(['rm', '-f', '/etc/systemd/logind.conf.d/kill-user-processes.conf']);
      await lab.must(['systemctl', 'restart', 'systemd-logind']);
    }
    timings['KillUserProcesses'] = Math.round(performance.now() - started);
  });

  it('reboot during the window: rolled back at boot, before ufw.service loads the rules; the firewall is the one before apply', async () => {
    const started = performance.now();
    // A deadline far away: what undoes the apply after the reboot can only be the boot guard.
    const applied = await applyOverSsh(lab, { confirmTimeoutSec: 600 });
    expect(await reachable(lab)).toEqual({ ssh: 'open', web: 'blocked' });
    expect((await lab.exec(['test', '-L', `/etc/systemd/system/sysinit.target.wants/${bootGuardUnit(applied.id)}`])).exitCode).toBe(0);
    await applied.session.drop();
    const report = await lab.reboot();
    expect(report.state).toBe('running');
    const outcome = await expectRolledBackAtBoot(lab, applied.id, report);
    expect((await lab.exec(['ufw', 'status'])).stdout).toContain('Status: inactive');
    timings['reboot: boot to rollback done'] = outcome.when - report.startedAt;
    timings['reboot: boot to system running'] = report.ms;
    // At shutdown systemd stopped the watchdog's unit with SIGTERM: its log says so, and not that the apply was confirmed.
    const log = await lab.readFile('/var/lib/v6wall/watchdog.log');
    expect(log).toContain(`stopped by SIGTERM (a shutdown, or stopped by hand) while apply ${applied.id} still awaits confirmation`);
    expect(log).not.toMatch(new RegExp(`\\[${applied.id} pid \\d+\\] stopped: the apply was confirmed or rolled back`));
    timings['reboot during window'] = Math.round(performance.now() - started);
  });

  it('power cut during the window (no shutdown at all): rolled back at the next boot', async () => {
    const started = performance.now();
    const applied = await applyOverSsh(lab, { confirmTimeoutSec: 600 });
    expect(await reachable(lab)).toEqual({ ssh: 'open', web: 'blocked' });
    await lab.powerCut();
    await applied.session.drop();
    const report = await lab.boot();
    expect(report.state).toBe('running');
    const outcome = await expectRolledBackAtBoot(lab, applied.id, report);
    timings['power cut: boot to rollback done'] = outcome.when - report.startedAt;
    timings['power cut during window'] = Math.round(performance.now() - started);
  });

  it('reboot after confirm: the confirmed rules stay, and no boot guard runs', async () => {
    const started = performance.now();
    const applied = await applyOverSsh(lab, { confirmTimeoutSec: 600 });
    const confirm = await lab.ssh(['v6wall', 'confirm', applied.code]);
    expect(confirm.exitCode, `${confirm.stdout}\n${confirm.stderr}`).toBe(0);
    await applied.session.drop();
    expect(await bootGuardFiles(lab)).toEqual([]);
    const report = await lab.reboot();
    expect(report.state).toBe('running');
    expect(await reachable(lab)).toEqual({ ssh: 'open', web: 'blocked' });
    expect((await lab.exec(['ufw', 'status'])).stdout).toContain('Status: active');
    expect((await transcriptOutcome(lab, applied.id))?.outcome).toBe('confirmed');
    expect((await lab.exec(['systemctl', 'list-units', '--all', '--plain', '--no-legend', 'v6wall-boot-guard-*'])).stdout.trim()).toBe('');
    await rollBackByHand(lab);
    timings['reboot after confirm'] = Math.round(performance.now() - started);
  });

  // The .deb of `npm run dist` (npm test builds it before the lab suite); skipped without it unless the lab is required.
  it.skipIf(!existsSync(DEB) && process.env['V6WALL_LAB'] !== 'required')(
    'installed from the .deb: the executable places the guard and rolls back at boot; removal waits for the apply to end and leaves no unit',
    async () => {
      const started = performance.now();
      await lab.must(['dpkg', '-i', `${CONTAINER_RELEASE}/${basename(DEB)}`], { timeoutMs: 120_000 });
      const applied = await applyOverSsh(lab, { command: '/usr/bin/v6wall', confirmTimeoutSec: 600 });
      expect(await lab.readFile(`/etc/systemd/system/${bootGuardUnit(applied.id)}`)).toContain('ExecStart="/usr/bin/v6wall" "__boot-guard"');
      await applied.session.drop();
      const report = await lab.reboot();
      const outcome = await expectRolledBackAtBoot(lab, applied.id, report);
      timings['.deb: boot to rollback done'] = outcome.when - report.startedAt;

      const second = await applyOverSsh(lab, { command: '/usr/bin/v6wall', confirmTimeoutSec: 600 });
      await second.session.drop();
      const refused = await lab.exec(['apt-get', 'purge', '-y', 'v6wall'], { timeoutMs: 120_000 });
      expect(refused.exitCode).not.toBe(0);
      expect(refused.stderr + refused.stdout).toContain('v6wall: an apply still awaits confirmation');
      expect((await lab.exec(['test', '-x', '/usr/bin/v6wall'])).exitCode).toBe(0);
      expect(await bootGuardFiles(lab)).toHaveLength(2);
      const confirm = await lab.ssh(['/usr/bin/v6wall', 'confirm', second.code]);
      expect(confirm.exitCode, `${confirm.stdout}\n${confirm.stderr}`).toBe(0);
      expect(await bootGuardFiles(lab)).toEqual([]);
      // A guard some failure left behind goes with the package too.
      await lab.must([
        'sh',
        '-c',
        'd=/etc/systemd/system; touch $d/v6wall-boot-guard-stale.service && ln -s $d/v6wall-boot-guard-stale.service $d/sysinit.target.wants/',
      ]);
      const purged = await lab.exec(['apt-get', 'purge', '-y', 'v6wall'], { timeoutMs: 120_000 });
      expect(purged.exitCode, purged.stderr + purged.stdout).toBe(0);
      expect(await bootGuardFiles(lab)).toEqual([]);
      const left = await lab.exec(['find', '/', '-xdev', '-name', '*v6wall*', '-not', '-path', '/proc/*']);
      // What remains is the lab's own: its wrapper around dist/, its web service, its mounts.
      expect(
        left.stdout
          .split('\n')
          .filter(
            (line) =>
              line !== '' &&
              !/^\/(usr\/local\/(bin\/v6wall|lib\/v6wall-lab)|etc\/systemd\/system\/(multi-user\.target\.wants\/)?v6wall-lab-web\.service|opt\/v6wall)/.test(
                line,
              ),
          ),
      ).toEqual([]);
      // The confirmed rules stay (the package leaves the firewall alone): back to the lab's baseline by hand.
      await lab.must(['ufw', '--force', 'disable']);
      timings['.deb'] = Math.round(performance.now() - started);
    },
  );
});

/**
 * After a boot: rolled back by the boot guard (expectGuardRolledBack), which finished before
 * ufw.service started, and what the internet sees is the firewall from before the apply.
 */
async function expectRolledBackAtBoot(lab: SystemdLab, id: string, report: BootReport): Promise<TranscriptOutcome> {
  const { outcome, guardRunMs } = await expectGuardRolledBack(lab, id, report);
  // How long the guard holds ufw.service back: its own run, node's start included.
  timings['boot guard run (last)'] = guardRunMs;
  expect(await unitNumber(lab, bootGuardUnit(id), 'ExecMainExitTimestampMonotonic')).toBeLessThanOrEqual(
    await unitNumber(lab, 'ufw.service', 'ExecMainStartTimestampMonotonic'),
  );
  const seen = await reachable(lab);
  expect(seen, seen.web === 'open' ? '' : await diagnose(lab)).toEqual({ ssh: 'open', web: 'open' });
  return outcome;
}

/** The logind session has no process left (its scope is gone, or empty while closing). */
async function expectSessionEmpty(lab: SystemdLab, sessionId: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const cgroup = (await lab.exec(['systemctl', 'show', '--value', '-p', 'ControlGroup', `session-${sessionId}.scope`])).stdout.trim();
    const procs = cgroup === '' ? '' : await lab.readFile(`/sys/fs/cgroup/systemd${cgroup}/cgroup.procs`);
    if (procs.trim() === '') return;
    if (Date.now() > deadline) throw new Error(`session ${sessionId} still has processes: ${procs}`);
    await sleep(100);
  }
}

/** Waits until a process of the container is gone (logind's kill is asynchronous). */
async function expectGone(lab: SystemdLab, pid: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while ((await lab.exec(['kill', '-0', pid])).exitCode === 0) {
    if (Date.now() > deadline) throw new Error(`process ${pid} is still alive`);
    await sleep(100);
  }
}
