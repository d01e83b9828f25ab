// `npm run lab` leaves the machine alone: the wizard applies and confirms in the lab, driven through
// tmux as a person would, and the machine's /var/lib/v6wall and UFW files are byte for byte as before.
// The confirm line the wizard shows is run exactly as shown, over a NEW SSH session from the lab's
// client: in the lab there is no sudo and `v6wall` is the repository's build.
import { afterAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './exec.js';
import { fingerprint, MACHINE_PATHS } from './machine-fingerprint.js';
import { LAB_ADDRESSES, LAB_SSH_PORT, REPO_ROOT, skipLab } from './harness.js';

const ENTER = 'Enter';

const socket = `v6wall-iso-${randomBytes(3).toString('hex')}`;
const tmux = (args: string[]) => run(['tmux', '-L', socket, ...args], { timeoutMs: 10_000 });
const screen = async () => (await tmux(['capture-pane', '-p', '-J', '-t', 'lab'])).stdout;

async function waitForScreen(pattern: RegExp, timeoutMs: number): Promise<string> {
  const started = Date.now();
  for (;;) {
    const text = await screen();
    if (pattern.test(text)) return text;
    if (Date.now() - started > timeoutMs) throw new Error(`waited ${timeoutMs} ms for ${pattern}; the screen:\n${text}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function press(...keys: string[]): Promise<void> {
  for (const key of keys) {
    await tmux(['send-keys', '-t', 'lab', key]);
    await new Promise((r) => setTimeout(r, 150));
  }
}

describe.skipIf(skipLab())('npm run lab', () => {
  afterAll(async () => {
    await tmux(['kill-server']);
  });

  it("keeps its state in the lab's folders: the machine's /var/lib/v6wall and UFW files are byte for byte unchanged", async () => {
    const before = fingerprint(MACHINE_PATHS);
    const started = await tmux(['new-session', '-d', '-s', 'lab', '-x', '180', '-y', '60', '-c', REPO_ROOT, 'env', 'CI=false', 'npm', 'run', 'lab']);
    expect(started.exitCode, started.stderr).toBe(0);
    await tmux(['set-option', '-t', 'lab', 'remain-on-exit', 'on']);
    try {
      await waitForScreen(/enter go on/, 240_000);
      await press(ENTER);
      await waitForScreen(/Keep SSH open/, 30_000);
      await press(ENTER);
      await waitForScreen(/Default policies/, 30_000);
      await press(ENTER);
      await waitForScreen(/Containers to make reachable/, 30_000);
      await press('w', 'e', 'b');
      await waitForScreen(/1 of \d+ match/, 30_000);
      await press('Space', ENTER, ENTER);
      await waitForScreen(/How each port is reached/, 30_000);
      await press(ENTER);
      await waitForScreen(/would run, in this order/, 60_000);
      await press(ENTER);
      await waitForScreen(/Press enter again/, 30_000);
      await press(ENTER);
      const confirmScreen = await waitForScreen(/In that new session run: .*confirm/, 120_000);

      // Exactly what the screen says, in a NEW SSH session from the lab's client.
      const line = /In that new session run: (.+)$/m.exec(confirmScreen)?.[1]?.trim() ?? '';
      expect(line).toMatch(/^v6wall confirm [A-Z0-9]{6} --state-dir \/tmp\/v6wall-lab-[0-9a-f]{6}\/v6wall-state$/);
      const labDir = /--state-dir (\/tmp\/v6wall-lab-[0-9a-f]{6})\//.exec(line)?.[1] ?? '';
      const labId = labDir.slice('/tmp/v6wall-lab-'.length);
      const ssh = await run(
        [
          'nsenter',
          `--net=/var/run/netns/v6wl-${labId}-cli`,
          'ssh',
          '-i',
          join(labDir, 'ssh/client_key'),
          '-p',
          String(LAB_SSH_PORT),
          '-o',
          'BatchMode=yes',
          '-o',
          'StrictHostKeyChecking=no',
          '-o',
          'UserKnownHostsFile=/dev/null',
          '-o',
          'LogLevel=ERROR',
          `root@${LAB_ADDRESSES.server}`,
          line,
        ],
        { timeoutMs: 60_000 },
      );
      expect(ssh.exitCode, `${ssh.stdout}\n${ssh.stderr}`).toBe(0);
      expect(ssh.stdout).toMatch(/^Confirmed: the changes of apply \S+ are kept/);
      await waitForScreen(/Confirmed from a new session/, 30_000);
      // The apply's snapshot and transcript are in the lab's folder.
      expect(readdirSync(join(labDir, 'v6wall-state/transcripts'))).toHaveLength(1);
      expect(readdirSync(join(labDir, 'v6wall-state/snapshots')).filter((name) => name !== 'latest')).toHaveLength(1);
      await press(ENTER);
      await waitForScreen(/step 9 of 9/, 30_000);
      await press(ENTER);
      await waitForScreen(/Lab [0-9a-f]{6} torn down/, 120_000);
      expect(existsSync(labDir)).toBe(false);
    } catch (error) {
      console.error(`the lab's screen:\n${await screen()}`);
      throw error;
    }
    expect(fingerprint(MACHINE_PATHS)).toEqual(before);
  }, 600_000);
});
