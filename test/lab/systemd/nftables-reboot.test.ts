// The nftables backend across a real reboot (systemd is PID 1 of a booted Debian 12, in the lab's
// server namespace): apply with --backend nftables over SSH, confirm from a NEW SSH login, then
// `systemctl reboot`; v6wall-nftables.service must load table inet v6wall again before anything
// else, and Docker's rules must be left as they are. Not confirmed, a reboot or a power cut in the
// confirmation window: the boot guard puts table inet v6wall and its boot file back as they were
// before the apply (or takes them away), before v6wall-nftables.service and Docker start.
//
// What is a stand-in here, and why:
// - Docker: a dockerd inside the nspawn root is not feasible here (no image store, cgroup and
//   bridge setup inside a container that is itself in the lab's namespace). In its place a unit
//   named docker.service (v6wall's unit is ordered Before= it, as with the real one) loads, at
//   every boot, tables named as Docker's ip6tables rules appear in nftables (`table ip6 nat`,
//   `table ip6 filter` with a DOCKER chain). The test checks they are there, and unchanged, after
//   the apply and after the reboot.
// - An opening: without Docker there are no containers to open, so the lab's TCP service on 8080
//   is kept open as a second SSH port (a real accept in v6wall's input chain, like an opening's);
//   a second service on 8081 stands for every port nobody chose.
// - nft: the cached Debian root has no nftables package; the machine's nft (Debian 12 too) and its
//   two libraries the root lacks are bound in read-only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { labTitle, skipLab } from '../harness.js';
import { CONTAINER_NODE, LAB_WEB_PORT, SYSTEMD_LAB_SSH_PORT, skipSystemdLab, startSystemdLab, type BootReport, type SystemdLab } from './harness.js';
import { applyOverSsh, bootGuardUnit, diagnose, expectGuardRolledBack, unitNumber } from './operator.js';

const skip = skipSystemdLab(skipLab());
const UNCHOSEN_PORT = 8081;
const LIB = '/usr/lib/x86_64-linux-gnu';

const DOCKER_STANDIN_NFT = `table ip6 nat {
\tchain DOCKER {
\t\tip6 daddr 2001:db8:1:1::10 tcp dport 80 accept
\t}
\tchain PREROUTING {
\t\ttype nat hook prerouting priority dstnat; policy accept;
\t\tfib daddr type local counter jump DOCKER
\t}
}
table ip6 filter {
\tchain DOCKER {
\t\tip6 daddr 2001:db8:1:1::10 tcp dport 80 accept
\t}
\tchain FORWARD {
\t\ttype filter hook forward priority filter; policy accept;
\t\tcounter jump DOCKER
\t}
}
`;

const DOCKER_STANDIN_UNIT = `[Unit]
Description=v6wall lab: a stand-in for Docker's rules (tables ip6 nat and ip6 filter), loaded at every boot
After=network.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/sbin/nft -f /etc/v6wall-lab/docker-standin.nft

[Install]
WantedBy=multi-user.target
`;

const UNCHOSEN_SERVICE = `[Unit]
Description=v6wall lab: a TCP service on ${UNCHOSEN_PORT} nobody chose to open
After=network.target

[Service]
ExecStart=${CONTAINER_NODE} -e "require('node:net').createServer((s) => s.on('error', () => undefined).end('x')).listen(${UNCHOSEN_PORT}, '::')"

[Install]
WantedBy=multi-user.target
`;

const bindNft = (): Record<string, string> => ({
  '/usr/sbin/nft': realpathSync('/usr/sbin/nft'),
  [`${LIB}/libnftables.so.1`]: realpathSync(`${LIB}/libnftables.so.1`),
  [`${LIB}/libjansson.so.4`]: realpathSync(`${LIB}/libjansson.so.4`),
});

const ARGS = ['--backend', 'nftables', '--ssh-port', String(SYSTEMD_LAB_SSH_PORT), '--ssh-port', String(LAB_WEB_PORT)];

describe.skipIf(skip)(labTitle('the nftables backend across a reboot, under a real systemd'), () => {
  let lab: SystemdLab;
  const timings: Record<string, number> = {};
  /** The confirmed apply of the reboot test. */
  let confirmedId = '';
  const ports = async () => ({
    ssh: await lab.probeTcp(SYSTEMD_LAB_SSH_PORT),
    kept: await lab.probeTcp(LAB_WEB_PORT),
    unchosen: await lab.probeTcp(UNCHOSEN_PORT),
  });
  const dockerTables = async (): Promise<string> =>
    (await lab.must(['sh', '-c', 'nft list table ip6 nat && nft list table ip6 filter'])).stdout.replace(/counter packets \d+ bytes \d+/g, 'counter');
  /** table inet v6wall and its boot file as they are now (null: absent). */
  const v6wallFirewall = async (): Promise<{ table: string | null; persisted: string | null }> => {
    const table = await lab.exec(['nft', 'list', 'table', 'inet', 'v6wall']);
    const persisted = await lab.exec(['cat', '/etc/v6wall/v6wall.nft']);
    return { table: table.exitCode === 0 ? table.stdout : null, persisted: persisted.exitCode === 0 ? persisted.stdout : null };
  };

  /**
   * Apply (not confirmed) a choice that opens the unchosen port too, then take the machine down in
   * the window with `down`. After the boot: the firewall before the apply, the guard done before
   * v6wall-nftables.service and the Docker stand-in started, SSH from a new connection.
   */
  const unconfirmedThenDown = async (label: string, down: () => Promise<BootReport>, openBefore: { kept: string; unchosen: string }) => {
    const before = await v6wallFirewall();
    const dockerBefore = await dockerTables();
    const applied = await applyOverSsh(lab, { args: [...ARGS, '--ssh-port', String(UNCHOSEN_PORT)], confirmTimeoutSec: 600 });
    expect(await ports(), await diagnose(lab)).toEqual({ ssh: 'open', kept: 'open', unchosen: 'open' });
    expect((await v6wallFirewall()).persisted).toMatch(new RegExp(`dport \\{[^}]*\\b${UNCHOSEN_PORT}\\b`));
    expect((await lab.exec(['test', '-L', `/etc/systemd/system/sysinit.target.wants/${bootGuardUnit(applied.id)}`])).exitCode).toBe(0);
    const report = await down();
    await applied.session.drop();
    const guardJournal = async () => (await lab.exec(['journalctl', '-b', '-u', 'v6wall-boot-guard-*', '--no-pager', '-o', 'cat'])).stdout;
    expect(report.failedUnits, await guardJournal()).toEqual([]);
    // The unchosen service is a plain unit: systemd calls it started before node listens.
    for (let tries = 0; tries < 60 && (await lab.exec(['ss', '-Htln', `sport = :${UNCHOSEN_PORT}`])).stdout.trim() === ''; tries++) {
      await new Promise((done) => setTimeout(done, 250));
    }
    const { outcome, guardRunMs } = await expectGuardRolledBack(lab, applied.id, report);
    timings[`${label}: boot to rollback done`] = outcome.when - report.startedAt;
    timings[`${label}: boot guard run`] = guardRunMs;
    timings[`${label}: boot to system running`] = report.ms;
    expect(outcome.detail).toContain('table inet v6wall and /etc/v6wall/v6wall.nft were put back before v6wall-nftables.service loaded it');
    expect(await v6wallFirewall()).toEqual(before);
    expect(await ports(), await diagnose(lab)).toEqual({ ssh: 'open', ...openBefore });
    expect(await dockerTables()).toBe(dockerBefore);
    // The guard finished before v6wall's unit looked for its file and before the Docker stand-in started.
    const guardDone = await unitNumber(lab, bootGuardUnit(applied.id), 'ExecMainExitTimestampMonotonic');
    expect(guardDone).toBeLessThanOrEqual(await unitNumber(lab, 'v6wall-nftables.service', 'ConditionTimestampMonotonic'));
    expect(guardDone).toBeLessThanOrEqual(await unitNumber(lab, 'docker.service', 'ExecMainStartTimestampMonotonic'));
    // An operator's view over a NEW SSH login.
    const history = await lab.ssh(['v6wall', 'history']);
    expect(history.exitCode, history.stderr).toBe(0);
    expect(history.stdout).toMatch(new RegExp(`${applied.id}.*rolled back at [0-9:]+: still unconfirmed at boot`));
    const transcript = await lab.ssh(['v6wall', 'transcript', applied.id]);
    expect(transcript.stdout).toContain('rolled back at boot');
    return applied.id;
  };

  beforeAll(async () => {
    lab = await startSystemdLab({
      bindRo: bindNft(),
      files: {
        '/etc/v6wall-lab/docker-standin.nft': DOCKER_STANDIN_NFT,
        '/etc/systemd/system/docker.service': DOCKER_STANDIN_UNIT,
        '/etc/systemd/system/v6wall-lab-unchosen.service': UNCHOSEN_SERVICE,
      },
    });
    timings['boot'] = lab.bootReports[0]?.ms ?? Number.NaN;
    // Enabled for every later boot too, as a Docker host's docker.service is.
    await lab.must(['systemctl', 'enable', '--now', 'docker.service', 'v6wall-lab-unchosen.service']);
  });
  afterAll(async () => {
    console.info(`nftables reboot lab timings (ms): ${JSON.stringify(timings)}`);
    expect(await lab?.teardown()).toEqual([]);
  });

  it('not confirmed, no table before, a reboot in the window: rolled back at boot, no table inet v6wall and no boot file', async () => {
    for (let tries = 0; tries < 30 && (await lab.probeTcp(UNCHOSEN_PORT)) !== 'open'; tries++) await new Promise((done) => setTimeout(done, 500));
    expect(await v6wallFirewall()).toEqual({ table: null, persisted: null });
    await unconfirmedThenDown('reboot', () => lab.reboot(), { kept: 'open', unchosen: 'open' });
  }, 600_000);

  it('a confirmed table inet v6wall is back after a reboot, loaded by its own unit; the Docker stand-in tables are intact', async () => {
    // The services may still be starting right after boot.
    for (let tries = 0; tries < 30 && (await lab.probeTcp(UNCHOSEN_PORT)) !== 'open'; tries++) await new Promise((done) => setTimeout(done, 500));
    const unchosenStatus = (await lab.exec(['systemctl', 'status', '--no-pager', 'v6wall-lab-unchosen.service'])).stdout;
    expect(await ports(), unchosenStatus).toEqual({ ssh: 'open', kept: 'open', unchosen: 'open' });
    const dockerBefore = await dockerTables();
    expect(dockerBefore).toContain('jump DOCKER');

    const applied = await applyOverSsh(lab, { args: ARGS });
    confirmedId = applied.id;
    const confirm = await lab.ssh(['v6wall', 'confirm', applied.code]);
    expect(confirm.exitCode, `${confirm.stdout}\n${confirm.stderr}`).toBe(0);
    await applied.session.drop();
    expect(await ports(), await diagnose(lab)).toEqual({ ssh: 'open', kept: 'open', unchosen: 'blocked' });
    expect((await lab.exec(['systemctl', 'is-enabled', 'v6wall-nftables.service'])).stdout.trim()).toBe('enabled');
    expect(await dockerTables()).toBe(dockerBefore);
    const tableBefore = (await lab.must(['nft', 'list', 'table', 'inet', 'v6wall'])).stdout;

    // Run again with the same choices: nothing to change (what a repeated Ansible run relies on).
    const again = await lab.ssh(['v6wall', 'plan', ...ARGS]);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stdout).toContain('Nothing to do: every step is already in place.');

    const started = performance.now();
    const report = await lab.reboot();
    timings['reboot'] = Math.round(performance.now() - started);
    expect(report.failedUnits).toEqual([]);
    expect((await lab.exec(['systemctl', 'is-active', 'v6wall-nftables.service'])).stdout.trim()).toBe('active');
    expect((await lab.must(['nft', 'list', 'table', 'inet', 'v6wall'])).stdout).toBe(tableBefore);
    expect(await ports(), await diagnose(lab)).toEqual({ ssh: 'open', kept: 'open', unchosen: 'blocked' });
    expect(await dockerTables()).toBe(dockerBefore);
    // v6wall's unit ran before the Docker stand-in, as it is ordered before docker.service.
    const order = await lab.must(['systemctl', 'show', '-p', 'ActiveEnterTimestampMonotonic', '--value', 'v6wall-nftables.service', 'docker.service']);
    const [ours, docker] = order.stdout
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map(Number);
    expect(ours).toBeGreaterThan(0);
    expect(ours).toBeLessThanOrEqual(docker ?? 0);
  }, 600_000);

  it('not confirmed over the confirmed table, a power cut in the window: the confirmed table and its boot file are back at boot, the new opening gone', async () => {
    await unconfirmedThenDown(
      'power cut',
      async () => {
        await lab.powerCut();
        return lab.boot();
      },
      { kept: 'open', unchosen: 'blocked' },
    );
    expect((await lab.exec(['systemctl', 'is-active', 'v6wall-nftables.service'])).stdout.trim()).toBe('active');
  }, 600_000);

  it('a power cut in the window that leaves the pending file damaged: the guard still rolls back to its own snapshot, and says why', async () => {
    let damaged = '';
    const id = await unconfirmedThenDown(
      'corrupted pending file',
      async () => {
        await lab.powerCut();
        // Cut short on the disk while the machine is off (the container's files live in the overlay's upper layer).
        const path = join(lab.dir, 'systemd', 'upper', 'var/lib/v6wall/pending.json');
        damaged = readFileSync(path, 'utf8').slice(0, 100);
        writeFileSync(path, damaged);
        return lab.boot();
      },
      { kept: 'open', unchosen: 'blocked' },
    );
    const aside = await lab.must(['sh', '-c', 'cat /var/lib/v6wall/pending.json.corrupted-*']);
    expect(aside.stdout).toBe(damaged);
    expect(await lab.readFile('/var/lib/v6wall/watchdog.log')).toContain(`WARNING: the pending file is corrupted`);
    const journal = await lab.must(['journalctl', '-b', '-u', bootGuardUnit(id), '--no-pager', '-o', 'cat']);
    expect(journal.stdout).toContain(`apply ${id} still had its boot guard, so it was not confirmed: rolling back to its own snapshot ${id}`);
  }, 600_000);

  it('`rollback --to` refuses, showing the rule, when table inet v6wall was changed outside v6wall since it left it; --force rolls back anyway', async () => {
    expect(confirmedId).not.toBe('');
    await lab.must(['nft', 'add', 'rule', 'inet', 'v6wall', 'input', 'tcp', 'dport', '9999', 'accept']);
    const refused = await lab.ssh(['v6wall', 'rollback', '--to', confirmedId]);
    expect(refused.exitCode).not.toBe(0);
    expect(refused.stderr + refused.stdout).toContain("v6wall's nftables table was changed since v6wall left it");
    expect(refused.stderr + refused.stdout).toMatch(/\+\s+tcp dport 9999 accept/);
    expect((await lab.must(['nft', 'list', 'table', 'inet', 'v6wall'])).stdout).toContain('tcp dport 9999 accept');
    const forced = await lab.ssh(['v6wall', 'rollback', '--to', confirmedId, '--force']);
    expect(forced.exitCode, `${forced.stdout}\n${forced.stderr}`).toBe(0);
    // Before the confirmed apply there was no table (the first test rolled back to none).
    expect(await v6wallFirewall()).toEqual({ table: null, persisted: null });
    expect(await ports(), await diagnose(lab)).toEqual({ ssh: 'open', kept: 'open', unchosen: 'open' });
  }, 600_000);
});
