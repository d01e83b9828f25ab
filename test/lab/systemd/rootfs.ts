/**
 * A Debian 12 (bookworm) root filesystem that boots a real systemd under systemd-nspawn, built once
 * with debootstrap and cached outside the checkout (like the Docker 28 download). A stamp of what
 * went into it (suite, packages, configuration revision) names its folder, so a changed package list
 * builds a new root instead of reusing a stale one. Labs never write to it: they boot an overlay.
 *
 *   npx tsx test/lab/systemd/rootfs.ts      # builds it (a few minutes, once) and prints its path
 *   systemdRootfs()                         // the path, or undefined when not built yet
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LAB_CACHE_DIR } from '../image.js';
import { must, sleep } from '../exec.js';

const SUITE = 'bookworm';
/** What debootstrap installs (its --include); the rest comes from apt-get in a second phase. */
const BOOTSTRAP_INCLUDE = ['systemd', 'systemd-sysv', 'dbus', 'iproute2'];
/**
 * ufw, sshd and iptables are what v6wall acts on; libpam-systemd makes every SSH login a logind
 * session (the KillUserProcesses scenario); procps for ps/pkill; sudo for the literal
 * `sudo v6wall confirm CODE`; tmux, man-db and bash-completion for install tests of the .deb.
 */
const PACKAGES = ['ufw', 'openssh-server', 'iptables', 'libpam-systemd', 'procps', 'sudo', 'tmux', 'man-db', 'bash-completion'];
/**
 * Units that only add noise to a lab boot: package-cache timers that would run apt or mandb in the
 * middle of a scenario. Gettys stay: the console is a pty nobody types on.
 */
const MASKED_UNITS = ['apt-daily.timer', 'apt-daily-upgrade.timer', 'man-db.timer', 'dpkg-db-backup.timer', 'e2scrub_all.timer', 'fstrim.timer'];
/** Bump when the configuration below changes in a way a cached root must not survive. */
const CONFIG_REVISION = 1;

const STAMP = JSON.stringify({ suite: SUITE, include: BOOTSTRAP_INCLUDE, packages: PACKAGES, masked: MASKED_UNITS, revision: CONFIG_REVISION });
const VERSION = createHash('sha256').update(STAMP).digest('hex').slice(0, 12);
const ROOTFS_PARENT = join(LAB_CACHE_DIR, 'systemd');
/** The cached root for this version of the recipe. */
export const SYSTEMD_ROOTFS = process.env.V6WALL_SYSTEMD_ROOTFS ?? join(ROOTFS_PARENT, `${SUITE}-${VERSION}`);
const STAMP_FILE = `${SYSTEMD_ROOTFS}.stamp`;

/** The cached root, or undefined when it is not built (or was built from another recipe). */
export function systemdRootfs(): string | undefined {
  if (!existsSync(join(SYSTEMD_ROOTFS, 'usr/lib/systemd/systemd')) || !existsSync(STAMP_FILE)) return undefined;
  return readFileSync(STAMP_FILE, 'utf8') === STAMP ? SYSTEMD_ROOTFS : undefined;
}

/** The URI of the machine's own Debian mirror (deb822 .sources first, then sources.list). */
export function debianMirror(): string {
  const sourcesDir = '/etc/apt/sources.list.d';
  const stanzas = existsSync(sourcesDir)
    ? readdirSync(sourcesDir)
        .filter((file) => file.endsWith('.sources'))
        .flatMap((file) => readFileSync(join(sourcesDir, file), 'utf8').split(/\n\s*\n/))
    : [];
  for (const stanza of stanzas) {
    const field = (name: string) => new RegExp(`^${name}:\\s*(.+)$`, 'mi').exec(stanza)?.[1]?.trim().split(/\s+/) ?? [];
    if (field('Types').includes('deb') && field('Suites').includes(SUITE) && field('Enabled')[0] !== 'no') {
      const uri = field('URIs')[0];
      if (uri) return uri;
    }
  }
  const list = existsSync('/etc/apt/sources.list') ? readFileSync('/etc/apt/sources.list', 'utf8') : '';
  for (const line of list.split('\n')) {
    const match = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/.exec(line.trim());
    if (match?.[1] && match[2] === SUITE) return match[1];
  }
  return 'http://deb.debian.org/debian';
}

/** Runs argv chrooted into root, in a fresh network namespace: no package script can reach the machine's firewall. */
function offlineChroot(root: string, argv: readonly string[]): string[] {
  return ['unshare', '--net', '--mount', '--propagation', 'private', 'chroot', root, ...argv];
}

const CHROOT_ENV = { DEBIAN_FRONTEND: 'noninteractive', PATH: '/usr/sbin:/usr/bin:/sbin:/bin' };

async function bootstrap(root: string, log: (line: string) => void): Promise<void> {
  const mirror = debianMirror();
  log(`debootstrap ${SUITE} from ${mirror}`);
  await must(['debootstrap', '--variant=minbase', `--include=${BOOTSTRAP_INCLUDE.join(',')}`, SUITE, root, mirror], { timeoutMs: 1_200_000 });
  // Services must not start inside the chroot while packages install.
  writeFileSync(join(root, 'usr/sbin/policy-rc.d'), '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  // Downloads need the network; the package scripts then run without one.
  await must(['chroot', root, 'apt-get', 'update', '-qq'], { env: CHROOT_ENV, timeoutMs: 600_000 });
  log(`apt-get install ${PACKAGES.join(' ')}`);
  const install = ['apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...PACKAGES];
  await must(['chroot', root, ...install, '--download-only'], { env: CHROOT_ENV, timeoutMs: 900_000 });
  await must(offlineChroot(root, install), { env: CHROOT_ENV, timeoutMs: 900_000 });
  rmSync(join(root, 'usr/sbin/policy-rc.d'));
  for (const unit of MASKED_UNITS) await must(offlineChroot(root, ['systemctl', 'mask', '--quiet', unit]), { env: CHROOT_ENV });
  // One fixed machine id: an empty one would make every boot a "first boot" (systemd-firstboot prompts on the console).
  await must(offlineChroot(root, ['systemd-machine-id-setup']), { env: CHROOT_ENV });
  writeFileSync(join(root, 'etc/hostname'), 'v6wall-lab\n');
  await must(['chroot', root, 'apt-get', 'clean'], { env: CHROOT_ENV });
  rmSync(join(root, 'var/lib/apt/lists'), { recursive: true, force: true });
  mkdirSync(join(root, 'var/lib/apt/lists/partial'), { recursive: true });
}

/** A lock folder (mkdir is atomic) so two runs never build at once; a dead owner's lock is taken over. */
async function withBuildLock<T>(action: () => Promise<T>): Promise<T> {
  const lock = join(ROOTFS_PARENT, 'build.lock');
  mkdirSync(ROOTFS_PARENT, { recursive: true });
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch {
      const owner = Number.parseInt(readFileSync(join(lock, 'pid'), 'utf8').trim() || '0', 10);
      let alive = false;
      try {
        if (owner > 0) process.kill(owner, 0);
        alive = owner > 0;
      } catch {
        alive = false;
      }
      if (!alive) rmSync(lock, { recursive: true, force: true });
      else await sleep(2_000);
    }
  }
  try {
    return await action();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** The cached root, built the first time (and after the recipe changed). Older recipes' roots are removed. */
export async function buildSystemdRootfs(log: (line: string) => void = () => undefined): Promise<string> {
  const ready = systemdRootfs();
  if (ready) return ready;
  return withBuildLock(async () => {
    const built = systemdRootfs();
    if (built) return built;
    const partial = `${SYSTEMD_ROOTFS}.partial-${process.pid}`;
    rmSync(partial, { recursive: true, force: true });
    const started = performance.now();
    try {
      await bootstrap(partial, log);
    } catch (error) {
      rmSync(partial, { recursive: true, force: true });
      throw error;
    }
    rmSync(SYSTEMD_ROOTFS, { recursive: true, force: true });
    renameSync(partial, SYSTEMD_ROOTFS);
    writeFileSync(STAMP_FILE, STAMP);
    log(`built in ${((performance.now() - started) / 1000).toFixed(0)} s`);
    for (const entry of readdirSync(ROOTFS_PARENT)) {
      const path = join(ROOTFS_PARENT, entry);
      if (entry !== 'build.lock' && !path.startsWith(SYSTEMD_ROOTFS)) rmSync(path, { recursive: true, force: true });
    }
    return SYSTEMD_ROOTFS;
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const started = performance.now();
  const fresh = systemdRootfs() === undefined;
  const root = await buildSystemdRootfs((line) => console.error(`rootfs: ${line}`));
  console.error(`rootfs: ${fresh ? 'built' : 'reused'} ${root} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  console.log(root);
}
