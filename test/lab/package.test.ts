// What operators install, installed as they would: the .deb of `npm run dist` in a Debian 12 root
// filesystem without Node (the systemd lab's cached root, chrooted through an overlay so the cache
// stays clean, in fresh network, mount and pid namespaces so nothing reaches the machine), and the
// npm tarball installed globally from a fresh folder.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labTitle, skipLab } from './availability.js';
import { run } from './exec.js';
import { REPO_ROOT } from './harness.js';
import { systemdRootfs } from './systemd/rootfs.js';

const version = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const DEB = join(REPO_ROOT, 'release', `v6wall_${version}_amd64.deb`);

/** The cached Debian root, or why this test cannot run (a failure under V6WALL_LAB=required). */
function debianRoot(): string | undefined {
  const root = systemdRootfs();
  const missing =
    root === undefined ? 'the Debian 12 root is not built (npx tsx test/lab/systemd/rootfs.ts)' : !existsSync(DEB) ? `${DEB} is missing (npm run dist)` : null;
  if (missing === null) return root;
  if (process.env.V6WALL_LAB === 'required') throw new Error(`V6WALL_LAB=required but the package test cannot run: ${missing}`);
  console.warn(`package test skipped: ${missing}`);
  return undefined;
}

const skip = skipLab();
const root = skip ? undefined : debianRoot();

// Mounts the overlay, /proc and /dev in a private mount namespace (all gone when it exits), then
// runs the script chrooted with a clean environment. --pid --fork: whatever the script leaves
// running (a tmux server, a watchdog) dies with it.
const ENTER = `set -e
mount -t overlay v6wall-pkg -o "$1" "$2"
mount -t proc proc "$2/proc"
mount --rbind /dev "$2/dev"
root=$2; shift 2
exec chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=xterm-256color LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive /bin/bash -c "$1"`;

describe.skipIf(root === undefined)(labTitle('the Debian package in a Debian 12 root without Node'), () => {
  const scratch = mkdtempSync(join(tmpdir(), 'v6wall-deb-'));
  const layers = { upper: join(scratch, 'upper'), work: join(scratch, 'work'), merged: join(scratch, 'merged') };

  async function inRoot(script: string, timeoutMs = 120_000) {
    const overlay = `lowerdir=${root ?? ''},upperdir=${layers.upper},workdir=${layers.work}`;
    const argv = [
      'unshare',
      '--mount',
      '--net',
      '--pid',
      '--fork',
      '--propagation',
      'private',
      'sh',
      '-c',
      ENTER,
      'v6wall-pkg',
      overlay,
      layers.merged,
      script,
    ];
    return run(argv, { timeoutMs });
  }

  beforeAll(() => {
    for (const dir of Object.values(layers)) mkdirSync(dir, { recursive: true });
    mkdirSync(join(layers.upper, 'tmp'), { recursive: true, mode: 0o1777 });
    copyFileSync(DEB, join(layers.upper, 'tmp', 'v6wall.deb'));
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('installs with dpkg -i where there is no Node, and runs', async () => {
    const result = await inRoot('! command -v node && ! command -v nodejs && dpkg -i /tmp/v6wall.deb && v6wall --version && v6wall --help');
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(`${version}\n`);
    expect(result.stdout).toContain('v6wall plan');
  });

  it('has a man page and bash completion of subcommands and flags', async () => {
    const completion = (words: string) =>
      `COMP_WORDS=(${words}); COMP_CWORD=$((\${#COMP_WORDS[@]} - 1)); COMP_LINE="\${COMP_WORDS[*]}"; COMP_POINT=\${#COMP_LINE}; COMPREPLY=(); _v6wall v6wall "\${COMP_WORDS[COMP_CWORD]}" "\${COMP_WORDS[COMP_CWORD-1]}"; echo "completed: \${COMPREPLY[*]}"`;
    const script = [
      'MANPAGER=cat MANWIDTH=80 man v6wall',
      'source /usr/share/bash-completion/bash_completion',
      // What bash does on the first tab after `v6wall`: load the completion from its installed place.
      '_completion_loader v6wall',
      completion('v6wall pla'),
      completion('v6wall plan --ro'),
    ].join('\n');
    const result = await inRoot(script);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/V6WALL\(8\)/);
    expect(result.stdout).toContain('v6wall plan [selection] [--json]');
    expect(result.stdout).toContain('completed: plan\n');
    expect(result.stdout).toContain('completed: --route\n');
  });

  it("plans against the root's own UFW", async () => {
    const result = await inRoot('v6wall plan --ssh-port 22');
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('ufw default deny incoming');
  });

  it('draws the wizard in tmux', async () => {
    const script = [
      'tmux new-session -d -s wizard -x 100 -y 40 v6wall',
      'for i in $(seq 150); do tmux capture-pane -p -t wizard | grep -q "step 1 of 9" && break; sleep 0.1; done',
      'tmux capture-pane -p -t wizard',
      'tmux kill-server',
    ].join('\n');
    const result = await inRoot(script);
    expect(result.stdout).toContain('v6wall · step 1 of 9');
  });

  it('applies with a rollback watchdog started from the executable itself, which rolls back at the deadline', async () => {
    const script = [
      'v6wall apply --ssh-port 22 --yes --confirm-timeout 10 || exit 1',
      'v6wall status | grep "rollback watchdog running" || exit 2',
      'for i in $(seq 60); do v6wall transcript --last --format json | grep -q \'"outcome": "rolled-back"\' && break; sleep 0.5; done',
      'v6wall transcript --last',
      'cat /var/lib/v6wall/watchdog.log',
    ].join('\n');
    const result = await inRoot(script, 180_000);
    expect(result.exitCode, result.stderr + result.stdout).toBe(0);
    expect(result.stdout).toContain('rollback watchdog running');
    expect(result.stdout).toMatch(/no confirmation before the deadline[^\n]*rolling back/);
    expect(result.stdout).toMatch(/\] rolled back\n/);
  });

  it('purges every file it installed and its state, and leaves /etc/ufw as it was, saying so', async () => {
    const ufwSums = 'find /etc/ufw /etc/default/ufw -type f | sort | xargs sha256sum';
    const script = [
      `${ufwSums} > /root/ufw-before`,
      'test -d /var/lib/v6wall || exit 3',
      'rm /tmp/v6wall.deb',
      'apt-get purge -y v6wall',
      `${ufwSums} | diff /root/ufw-before - || exit 4`,
      'echo "left behind:"; find / -xdev -name "*v6wall*" -not -path "/proc/*"',
      'dpkg-query -W v6wall 2>&1 || true',
    ].join('\n');
    const result = await inRoot(script);
    expect(result.exitCode, result.stderr + result.stdout).toBe(0);
    expect(result.stdout).toContain('the firewall is left as it is: /etc/ufw');
    expect(result.stdout).toContain('left behind:\ndpkg-query: no packages found matching v6wall');
  });
});

describe.skipIf(skip)(labTitle('the npm package'), () => {
  const scratch = mkdtempSync(join(tmpdir(), 'v6wall-npm-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('packs with a build and installs globally from a fresh folder', async () => {
    const packed = await run(['npm', 'pack', '--silent', '--pack-destination', scratch], { timeoutMs: 180_000 });
    expect(packed.exitCode, packed.stderr).toBe(0);
    const tarball = join(scratch, packed.stdout.trim().split('\n').at(-1) ?? '');
    const fresh = join(scratch, 'fresh');
    const prefix = join(scratch, 'prefix');
    mkdirSync(fresh);
    const installed = await run(['sh', '-c', 'cd "$1" && npm install -g --no-audit --no-fund --prefix "$2" "$3"', 'install', fresh, prefix, tarball], {
      timeoutMs: 300_000,
    });
    expect(installed.exitCode, installed.stderr).toBe(0);
    const bin = join(prefix, 'bin', 'v6wall');
    const env = { PATH: `${join(prefix, 'bin')}:${process.env.PATH ?? ''}` };
    expect((await run(['v6wall', '--version'], { env })).stdout).toBe(`${version}\n`);
    expect((await run(['v6wall', 'plan', '--help'], { env })).stdout).toContain('Usage: v6wall plan');
    expect(existsSync(join(prefix, 'share', 'man', 'man8', 'v6wall.8'))).toBe(true);
    // The watchdog as apply starts it from an npm install: node and the bin link.
    const stateDir = join(scratch, 'state');
    mkdirSync(stateDir);
    const watchdog = await run([process.execPath, bin, '__watchdog', '--state-dir', stateDir, '--id', 'npm-install'], { timeoutMs: 30_000 });
    expect(watchdog.exitCode, watchdog.stderr).toBe(0);
    expect(readFileSync(join(stateDir, 'watchdog.log'), 'utf8')).toMatch(/\[npm-install pid \d+\] armed\n/);
  });
});
