/**
 * A real systemd lab: the cached Debian 12 root (rootfs.ts) booted with systemd-nspawn as PID 1 of
 * its own container, inside a lab server namespace, with real journald, logind, dbus, ufw.service
 * and sshd, probed from the lab's client namespace. The machine's node and the built dist/ are
 * bind-mounted read-only, so `v6wall ...` works inside (and in every SSH session); so is release/
 * (the .deb of `npm run dist`) when it exists. The container boots an overlay of the cached root:
 * whatever it writes (its /etc/ufw, its /var/lib/v6wall) lands in the lab's own folder and survives
 * its reboots, never in the cache or on the machine. Each boot after the first starts with an empty
 * firewall in the lab's network namespace, as a machine powering on does.
 *
 *   const lab = await startSystemdLab();            // boot to `running`; teardown() in afterAll
 *   await lab.exec(['systemctl', 'is-active', 'ssh']);            // inside, like a root shell on the box
 *   await lab.ssh(['v6wall', 'status']);                          // a NEW SSH connection from the client namespace
 *   const session = lab.openSsh(['v6wall', 'apply', '--yes']);    // a long-lived SSH session
 *   await lab.probeTcp(LAB_WEB_PORT);                             // 'open' | 'blocked', from the client namespace
 *   await lab.reboot();                                           // systemctl reboot, nspawn exits 133, boots again
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chownSync, closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { shellJoin } from '../../../src/core/shell-quote.js';
import { C_LOCALE, run, sleep, type LabResult, type LabRunOptions } from '../exec.js';
import { LAB_ADDRESSES, REPO_ROOT, startLab, type Lab } from '../harness.js';
import { systemdRootfs } from './rootfs.js';

/** sshd inside the container listens where a real server's does. */
export const SYSTEMD_LAB_SSH_PORT = 22;
/** A plain TCP service inside the container (a unit of its own): what a firewall change visibly opens or closes. */
export const LAB_WEB_PORT = 8080;
/** The container's address, as seen from the client namespace (it shares the lab server's network namespace). */
export const SYSTEMD_LAB_ADDRESS = LAB_ADDRESSES.server;
/** Where the machine's node and the repository's dist/ appear inside the container. */
export const CONTAINER_NODE = '/usr/local/bin/node';
export const CONTAINER_DIST = '/opt/v6wall/dist';
/** The repository's release/ (`npm run dist`: the executable and the .deb), when it exists. */
export const CONTAINER_RELEASE = '/opt/v6wall/release';

/** systemd-nspawn's exit code when the container's systemd rebooted (0 is a poweroff). */
const REBOOT_EXIT = 133;
const BOOT_TIMEOUT_MS = 120_000;
const CONTAINER_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface SystemdLabOptions {
  /** Files placed in the container before its first boot: absolute path inside → content (mode 0644 unless given). */
  files?: Record<string, string | { content: string; mode: number }>;
  /** Machine files bound read-only into the container at every boot: absolute path inside → path on the machine. */
  bindRo?: Record<string, string>;
}

export interface BootReport {
  /** 1 for the first boot, 2 after the first reboot, ... */
  boot: number;
  /** When systemd-nspawn was started for this boot (ms since the epoch, the container's clock too): "power on". */
  startedAt: number;
  /** From starting systemd-nspawn to `systemctl is-system-running --wait` answering. */
  ms: number;
  /** `running`, or `degraded` with failedUnits saying why. */
  state: string;
  failedUnits: string[];
}

export interface SshSession {
  /** Everything the remote command printed so far (stdout and stderr). */
  output(): string;
  /** Resolves with the first match of pattern in the output; rejects after timeoutMs or when the session ends first. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** The exit code of the local ssh client (255: the connection died). */
  readonly exited: Promise<number>;
  /** Kills the local ssh client (SIGKILL): the connection drops like a lost network. */
  drop(): Promise<number>;
}

export interface SshOptions {
  /** Ask for a pty (ssh -tt), as an interactive login has. Default false. */
  tty?: boolean;
  /** Log in as this user (see addSudoUser). Default root. */
  user?: string;
}

export interface SystemdLab {
  readonly id: string;
  readonly dir: string;
  readonly serverNs: string;
  readonly clientNs: string;
  /** The underlying network lab (its inClient, probeHttp, paths.sshClientKey, ...). */
  readonly net: Lab;
  /** Boots so far (1 after startSystemdLab, 2 after the first reboot, ...). */
  boots(): number;
  /** Every boot's report, in order. */
  readonly bootReports: readonly BootReport[];
  /** The host pid of the container's PID 1 (systemd) in the current boot. */
  leader(): number;
  /** Runs argv inside the container (all its namespaces, C locale, a clean environment), like a root shell there. */
  exec(argv: readonly string[], options?: LabRunOptions): Promise<LabResult>;
  /** exec, throwing on a non-zero exit with the command's output. */
  must(argv: readonly string[], options?: LabRunOptions): Promise<LabResult>;
  /** A NEW SSH connection from the client namespace with the lab's key (as root unless user is given), running argv (quoted for the remote shell). */
  ssh(argv: readonly string[], options?: LabRunOptions & SshOptions): Promise<LabResult>;
  /** A long-lived SSH session running argv; see SshSession. */
  openSsh(argv: readonly string[], options?: SshOptions): SshSession;
  /** Adds a login user who may run anything with sudo, without a password, and logs in with the lab's key. */
  addSudoUser(name: string): Promise<void>;
  /** TCP connect from the client namespace to the container. */
  probeTcp(port: number): Promise<'open' | 'blocked'>;
  /** Reads a file inside the container ('' when it does not exist). */
  readFile(path: string): Promise<string>;
  /** `systemctl reboot` inside; resolves when the next boot is up. */
  reboot(): Promise<BootReport>;
  /** `systemctl poweroff` inside; resolves with systemd-nspawn's exit code (0) once it is down. */
  poweroff(): Promise<number>;
  /**
   * Pulls the plug: SIGKILL of the container's PID 1, so nothing inside gets to shut down (ufw.service
   * does not flush, no unit stops). Resolves once systemd-nspawn is gone; boot() starts it again.
   * Unlike real hardware, files written before the cut survive even if never synced (same page cache).
   */
  powerCut(): Promise<void>;
  /** Boots again after a poweroff or a power cut. */
  boot(): Promise<BootReport>;
  /** Stops the container (SIGKILL of its PID 1 when still up), then the network lab. Safe to call twice. Resolves with problems seen. */
  teardown(): Promise<string[]>;
}

/** Why the systemd lab cannot run here, or null. */
export function systemdLabUnavailable(): string | null {
  const missing = ['systemd-nspawn', 'ssh'].filter((tool) => !['/usr/bin', '/usr/sbin', '/bin', '/sbin'].some((dir) => existsSync(join(dir, tool))));
  if (missing.length > 0) return `${missing.join(', ')} missing (apt-get install systemd-container openssh-client)`;
  if (!systemdRootfs()) return 'the Debian root filesystem is not built (npx tsx test/lab/systemd/rootfs.ts, a few minutes once)';
  if (!existsSync(join(REPO_ROOT, 'dist/v6wall.js'))) return 'dist/v6wall.js missing: run npm run build';
  return null;
}

/**
 * For systemd lab test files: true when they should be skipped. Throws (failing the file) when
 * V6WALL_LAB=required and the lab cannot run, so CI never skips silently.
 */
export function skipSystemdLab(baseSkip: boolean): boolean {
  if (baseSkip) return true;
  const reason = systemdLabUnavailable();
  if (reason === null) return false;
  if (process.env.V6WALL_LAB === 'required') throw new Error(`V6WALL_LAB=required but the systemd lab cannot run: ${reason}`);
  console.warn(`systemd lab tests skipped: ${reason}`);
  return true;
}

const WEB_SERVICE = `[Unit]
Description=v6wall lab: a TCP service on ${LAB_WEB_PORT} that the firewall opens or closes
After=network.target

[Service]
ExecStart=${CONTAINER_NODE} /usr/local/lib/v6wall-lab/web.js

[Install]
WantedBy=multi-user.target
`;

// A probe that connects and resets at once makes the write fail: without an error handler that kills the service.
const WEB_JS = `require('node:net').createServer((socket) => socket.on('error', () => undefined).end('v6wall lab\\n')).listen(${LAB_WEB_PORT}, '::');\n`;

const V6WALL_WRAPPER = `#!/bin/sh\nexec ${CONTAINER_NODE} ${CONTAINER_DIST}/v6wall.js "$@"\n`;

export async function startSystemdLab(options: SystemdLabOptions = {}): Promise<SystemdLab> {
  const rootfs = systemdRootfs();
  if (!rootfs) throw new Error(`systemd lab: ${systemdLabUnavailable() ?? 'no root filesystem'}`);
  const net = await startLab({ docker: false, sshd: false });
  const sysd = join(net.dir, 'systemd');
  const layers = { upper: join(sysd, 'upper'), work: join(sysd, 'work'), merged: join(sysd, 'root') };
  const cgroup = `/v6wall-lab-${net.id}`;
  const reports: BootReport[] = [];
  let nspawn: { child: ChildProcess; exit: Promise<number> } | undefined;
  let leaderPid = 0;
  let tearingDown = false;
  let nextBoot: Promise<BootReport> | undefined;

  const exec = (argv: readonly string[], runOptions: LabRunOptions = {}): Promise<LabResult> => {
    const env = Object.entries({ PATH: CONTAINER_PATH, HOME: '/root', ...C_LOCALE, ...runOptions.env }).map(([key, value]) => `${key}=${value}`);
    return run(['nsenter', '-t', String(leaderPid), '-a', 'env', '-i', ...env, ...argv], { ...runOptions, env: {} });
  };
  const mustExec = async (argv: readonly string[], runOptions?: LabRunOptions): Promise<LabResult> => {
    const result = await exec(argv, runOptions);
    if (result.exitCode !== 0)
      throw new Error(`in the container (exit ${result.exitCode}): ${argv.join(' ')}\n${result.stderr.trim()}\n${result.stdout.trim()}`.trim());
    return result;
  };

  const bootOnce = async (): Promise<BootReport> => {
    const boot = reports.length + 1;
    const startedAt = Date.now();
    const started = performance.now();
    // The lab's network namespace outlives the container, and so would its firewall: a real machine
    // powers on with an empty one. (Debian's ufw.service has DefaultDependencies=no and no
    // Conflicts=shutdown.target, so systemd never stops it at shutdown: its rules stay loaded until
    // the kernel goes.) iptables-nft keeps UFW's and Docker's rules in nftables: one flush empties all.
    if (boot > 1) {
      const flushed = await net.inServer(['nft', 'flush', 'ruleset']);
      if (flushed.exitCode !== 0) throw new Error(`systemd lab: could not empty the firewall before boot ${boot}: ${flushed.stderr.trim()}`);
    }
    nspawn = spawnNspawn(net, rootfs, layers, cgroup, join(sysd, `boot-${boot}.log`), options.bindRo ?? {});
    const { child, exit } = nspawn;
    // A reboot from inside (whoever asks for it) boots the machine again, as real hardware would.
    void exit.then((code) => {
      if (code === REBOOT_EXIT && !tearingDown && nspawn?.child === child) nextBoot = bootOnce();
    });
    leaderPid = await waitForLeader(child, exit, join(sysd, `boot-${boot}.log`));
    const report = { ...(await waitUntilUp(boot, started, exec, exit, join(sysd, `boot-${boot}.log`))), startedAt };
    // The web service is a plain (Type=simple) unit: started, for systemd, before node listens. A probe
    // in between would see a closed port and blame the firewall.
    await waitForListener(exec, LAB_WEB_PORT);
    reports.push(report);
    return report;
  };

  const teardown = async (): Promise<string[]> => {
    tearingDown = true;
    const problems: string[] = [];
    if (nspawn) {
      const { child, exit } = nspawn;
      if (child.exitCode === null && child.signalCode === null) {
        // From outside its pid namespace the container's PID 1 can be killed: everything in it goes at once.
        if (leaderPid > 0) kill(leaderPid);
        const done = await Promise.race([exit, sleep(10_000).then(() => null)]);
        if (done === null) {
          kill(child.pid ?? 0);
          problems.push('systemd-nspawn did not exit within 10 s of its container being killed');
        }
      }
    }
    problems.push(...(await net.teardown()));
    return problems;
  };

  try {
    mkdirSync(sysd);
    for (const dir of Object.values(layers)) mkdirSync(dir);
    const files: Record<string, string | { content: string; mode: number }> = {
      '/root/.ssh/authorized_keys': { content: readFileSync(`${net.paths.sshClientKey}.pub`, 'utf8'), mode: 0o600 },
      '/usr/local/bin/v6wall': { content: V6WALL_WRAPPER, mode: 0o755 },
      '/usr/local/lib/v6wall-lab/web.js': WEB_JS,
      '/etc/systemd/system/v6wall-lab-web.service': WEB_SERVICE,
      ...options.files,
    };
    for (const [path, file] of Object.entries(files)) {
      writeIntoUpper(rootfs, layers.upper, path, typeof file === 'string' ? file : file.content, typeof file === 'string' ? 0o644 : file.mode);
    }
    mkdirInUpper(rootfs, layers.upper, '/etc/systemd/system/multi-user.target.wants');
    symlinkSync('/etc/systemd/system/v6wall-lab-web.service', join(layers.upper, 'etc/systemd/system/multi-user.target.wants/v6wall-lab-web.service'));
    await bootOnce();
  } catch (error) {
    await teardown();
    throw error;
  }

  const sshArgv = (argv: readonly string[], { tty = false, user = 'root' }: SshOptions): string[] => [
    'nsenter',
    `--net=/var/run/netns/${net.clientNs}`,
    'ssh',
    '-F',
    '/dev/null',
    '-i',
    net.paths.sshClientKey,
    '-o',
    'BatchMode=yes',
    '-o',
    'StrictHostKeyChecking=no',
    '-o',
    'UserKnownHostsFile=/dev/null',
    '-o',
    'LogLevel=ERROR',
    '-o',
    'ConnectTimeout=5',
    ...(tty ? ['-tt'] : ['-T']),
    '-p',
    String(SYSTEMD_LAB_SSH_PORT),
    `${user}@${SYSTEMD_LAB_ADDRESS}`,
    '--',
    // ssh hands the remote side one string for root's login shell: quote each argument.
    shellJoin(argv),
  ];

  const lab: SystemdLab = {
    id: net.id,
    dir: net.dir,
    serverNs: net.serverNs,
    clientNs: net.clientNs,
    net,
    boots: () => reports.length,
    bootReports: reports,
    leader: () => leaderPid,
    exec,
    must: mustExec,
    ssh: (argv, runOptions = {}) => run(sshArgv(argv, runOptions), { timeoutMs: 60_000, ...runOptions }),
    openSsh: (argv, sessionOptions = {}) => openSession(sshArgv(argv, sessionOptions)),
    async addSudoUser(name) {
      if (!/^[a-z][a-z0-9-]{0,30}$/.test(name)) throw new Error(`addSudoUser: ${name} is not a plain user name`);
      await mustExec(['useradd', '--create-home', '--shell', '/bin/bash', '--groups', 'sudo', name]);
      await mustExec(['install', '-d', '-m', '700', '-o', name, '-g', name, `/home/${name}/.ssh`]);
      await mustExec(['install', '-m', '600', '-o', name, '-g', name, '/root/.ssh/authorized_keys', `/home/${name}/.ssh/authorized_keys`]);
      await mustExec(['sh', '-c', 'printf "%s ALL=(ALL:ALL) NOPASSWD: ALL\\n" "$1" > "/etc/sudoers.d/$1" && chmod 440 "/etc/sudoers.d/$1"', 'sh', name]);
    },
    probeTcp: async (port) =>
      (await net.inClient(['nc', '-z', '-w2', SYSTEMD_LAB_ADDRESS, String(port)], { timeoutMs: 10_000 })).exitCode === 0 ? 'open' : 'blocked',
    readFile: async (path) => (await exec(['cat', path])).stdout,
    async reboot() {
      const before = reports.length;
      const exit = nspawn?.exit;
      // systemctl returns at once; the container then shuts down and systemd-nspawn exits with 133.
      await exec(['systemctl', 'reboot'], { timeoutMs: 30_000 });
      const code = await exit;
      if (code !== REBOOT_EXIT) throw new Error(`systemd-nspawn exited ${code} after systemctl reboot (expected ${REBOOT_EXIT})`);
      await waitForValue(() => (reports.length > before || nextBoot !== undefined ? true : undefined), 5_000, 'the next boot to start');
      const report = await (nextBoot as Promise<BootReport>);
      nextBoot = undefined;
      return report;
    },
    async poweroff() {
      const exit = nspawn?.exit;
      await exec(['systemctl', 'poweroff'], { timeoutMs: 30_000 });
      return (await exit) ?? -1;
    },
    async powerCut() {
      const current = nspawn;
      if (!current) return;
      kill(leaderPid);
      await current.exit;
    },
    boot: () => {
      if (nspawn && nspawn.child.exitCode === null && nspawn.child.signalCode === null)
        return Promise.reject(new Error('boot(): the container is still running'));
      return bootOnce();
    },
    teardown: (() => {
      let done: Promise<string[]> | undefined;
      return () => (done ??= teardown());
    })(),
  };
  return lab;
}

/**
 * Starts systemd-nspawn on a fresh overlay mount of the cached root, in a private mount namespace
 * (the mount vanishes with it) and in the lab's own cgroup (the network lab's teardown sweeps it).
 */
function spawnNspawn(
  net: Lab,
  rootfs: string,
  layers: { upper: string; work: string; merged: string },
  cgroup: string,
  logFile: string,
  bindRo: Record<string, string>,
): { child: ChildProcess; exit: Promise<number> } {
  const cgroupDirs = ['/sys/fs/cgroup/systemd', '/sys/fs/cgroup/unified']
    .filter((hierarchy) => existsSync(join(hierarchy, 'cgroup.procs')))
    .map((hierarchy) => join(hierarchy, cgroup));
  for (const dir of cgroupDirs) mkdirSync(dir, { recursive: true });
  const nspawnArgv = [
    'systemd-nspawn',
    '--boot',
    `--directory=${layers.merged}`,
    '--register=no',
    '--keep-unit',
    '--capability=all',
    `--network-namespace-path=/var/run/netns/${net.serverNs}`,
    `--machine=v6wl-${net.id}`,
    '--hostname=v6wall-lab',
    // Never link the container's journal into the machine's /var/log/journal.
    '--link-journal=no',
    '--console=read-only',
    `--bind-ro=${process.execPath}:${CONTAINER_NODE}`,
    `--bind-ro=${join(REPO_ROOT, 'dist')}:${CONTAINER_DIST}`,
    ...(existsSync(join(REPO_ROOT, 'release')) ? [`--bind-ro=${join(REPO_ROOT, 'release')}:${CONTAINER_RELEASE}`] : []),
    ...Object.entries(bindRo).map(([inside, machine]) => `--bind-ro=${machine}:${inside}`),
  ];
  // Positional: cgroup.procs files, then "--", the overlay options and mount point, then nspawn's argv.
  const script = [
    'while [ "$1" != -- ]; do echo $$ > "$1" || exit 125; shift; done; shift',
    'mount -t overlay v6wall-lab -o "$1" "$2" || exit 125; shift 2',
    'exec "$@"',
  ].join('\n');
  const overlay = `lowerdir=${rootfs},upperdir=${layers.upper},workdir=${layers.work}`;
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(
      'unshare',
      [
        '--mount',
        '--propagation',
        'private',
        'sh',
        '-c',
        script,
        'v6wall-lab-boot',
        ...cgroupDirs.map((dir) => join(dir, 'cgroup.procs')),
        '--',
        overlay,
        layers.merged,
        ...nspawnArgv,
      ],
      { stdio: ['ignore', fd, fd], detached: true, env: { ...process.env, ...C_LOCALE } },
    );
    child.unref();
    const exit = new Promise<number>((resolve) => {
      child.on('error', () => resolve(127));
      child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
    });
    return { child, exit };
  } finally {
    closeSync(fd);
  }
}

/** The host pid of the container's PID 1: the process under systemd-nspawn whose innermost pid is 1. */
async function waitForLeader(child: ChildProcess, exit: Promise<number>, logFile: string): Promise<number> {
  let exited: number | undefined;
  void exit.then((code) => (exited = code));
  return waitForValue(
    () => {
      if (exited !== undefined) throw new Error(`systemd-nspawn exited ${exited} before the container started:\n${tail(logFile)}`);
      return child.pid === undefined ? undefined : containerInit(child.pid);
    },
    30_000,
    'the container to start',
    () => tail(logFile),
  );
}

function containerInit(nspawnPid: number): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let status: string;
    try {
      status = readFileSync(`/proc/${entry}/status`, 'utf8');
    } catch {
      continue;
    }
    const ppid = /^PPid:\s+(\d+)$/m.exec(status)?.[1];
    const nspid = /^NSpid:\s+(.+)$/m.exec(status)?.[1]?.trim().split(/\s+/);
    const name = /^Name:\s+(.+)$/m.exec(status)?.[1];
    if (ppid === String(nspawnPid) && nspid !== undefined && nspid.length > 1 && nspid.at(-1) === '1' && name === 'systemd') return Number(entry);
  }
  return undefined;
}

/** Waits for `systemctl is-system-running --wait`; a degraded boot is reported with its failed units. */
async function waitUntilUp(
  boot: number,
  started: number,
  exec: (argv: readonly string[], options?: LabRunOptions) => Promise<LabResult>,
  exit: Promise<number>,
  logFile: string,
): Promise<Omit<BootReport, 'startedAt'>> {
  let exited: number | undefined;
  void exit.then((code) => (exited = code));
  const deadline = Date.now() + BOOT_TIMEOUT_MS;
  for (;;) {
    if (exited !== undefined) throw new Error(`the container exited ${exited} during boot ${boot}:\n${tail(logFile)}`);
    // Fails with "Failed to connect to bus" until PID 1 has its private socket; then waits for the boot to finish.
    const answer = await exec(['systemctl', 'is-system-running', '--wait'], { timeoutMs: Math.max(1_000, deadline - Date.now()) });
    const state = answer.stdout.trim();
    if (state === 'running' || state === 'degraded') {
      const failed = state === 'degraded' ? (await exec(['systemctl', '--failed', '--plain', '--no-legend', '--no-pager'])).stdout.trim().split('\n') : [];
      return { boot, ms: Math.round(performance.now() - started), state, failedUnits: failed.map((line) => line.split(/\s+/)[0] ?? line) };
    }
    if (Date.now() > deadline)
      throw new Error(
        `boot ${boot} did not finish within ${BOOT_TIMEOUT_MS / 1000} s (is-system-running: ${state || answer.stderr.trim()}):\n${tail(logFile)}`,
      );
    await sleep(50);
  }
}

/** Waits until something listens on a TCP port inside the container. */
async function waitForListener(exec: (argv: readonly string[], options?: LabRunOptions) => Promise<LabResult>, port: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  while ((await exec(['ss', '-Htln', `sport = :${port}`])).stdout.trim() === '') {
    if (Date.now() > deadline) throw new Error(`systemd lab: nothing listens on port ${port} 30 s after boot`);
    await sleep(50);
  }
}

/**
 * Creates a folder in the overlay's upper layer before boot. Parents the upper layer does not have yet
 * get the mode and owner of the same folder in the cached root (an upper folder hides the lower one's
 * attributes: a 0755 /root would open root's home to everyone).
 */
function mkdirInUpper(rootfs: string, upper: string, path: string): void {
  let relative = '';
  for (const part of path.split('/').filter((name) => name !== '')) {
    relative = join(relative, part);
    const target = join(upper, relative);
    if (existsSync(target)) continue;
    const lower = join(rootfs, relative);
    const like = existsSync(lower) ? statSync(lower) : undefined;
    mkdirSync(target, { mode: like ? like.mode & 0o7777 : 0o755 });
    if (like) chownSync(target, like.uid, like.gid);
  }
}

/** Writes a file into the overlay's upper layer before boot (see mkdirInUpper). */
function writeIntoUpper(rootfs: string, upper: string, path: string, content: string, mode: number): void {
  mkdirInUpper(rootfs, upper, dirname(path));
  writeFileSync(join(upper, path), content, { mode });
}

function openSession(argv: string[]): SshSession {
  const [file, ...args] = argv;
  const child = spawn(file ?? 'false', args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...C_LOCALE } });
  let output = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer): void => {
    output += chunk.toString('utf8');
    for (const listener of listeners) listener();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number>((resolve) => {
    child.on('error', () => resolve(127));
    child.on('close', (code, signal) => {
      resolve(code ?? (signal ? 128 : 1));
      for (const listener of listeners) listener();
    });
  });
  let closed = false;
  void exited.then(() => (closed = true));
  return {
    output: () => output,
    exited,
    waitFor: (pattern, timeoutMs = 60_000) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          const match = pattern.exec(output);
          if (match) finish(() => resolve(match));
          else if (closed) finish(() => reject(new Error(`the SSH session ended before ${pattern} appeared:\n${output}`)));
        };
        const timer = setTimeout(() => finish(() => reject(new Error(`${pattern} did not appear within ${timeoutMs} ms:\n${output}`))), timeoutMs);
        const finish = (action: () => void): void => {
          clearTimeout(timer);
          listeners.delete(check);
          action();
        };
        listeners.add(check);
        check();
      }),
    drop: async () => {
      if (!closed) child.kill('SIGKILL');
      return exited;
    },
  };
}

async function waitForValue<T>(check: () => T | undefined, timeoutMs: number, what: string, describe?: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`systemd lab: ${what} not seen within ${timeoutMs} ms${describe ? `\n${describe()}` : ''}`);
    await sleep(20);
  }
}

function kill(pid: number): void {
  try {
    if (pid > 1) process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

function tail(file: string): string {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').slice(-25).join('\n') : '';
}
