// What an operator and the internet do in a lab, shared by the scenario files: apply and confirm
// from a new SSH session, a web server on the client side, and connections a container makes.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { LAB_ADDRESSES, LAB_SSH_PORT, V6WALL_JS, type Lab, type Reachability } from './harness.js';

/** A port the client listens on, for container egress checks. */
export const CLIENT_PORT = 8000;

/** A web server in the client namespace, so containers have somewhere to connect out to. */
export function startClientListener(lab: Lab): ChildProcess {
  const www = join(lab.dir, 'client-www');
  mkdirSync(www, { recursive: true });
  writeFileSync(join(www, 'index.html'), 'client\n');
  return spawn('nsenter', [`--net=/var/run/netns/${lab.clientNs}`, 'busybox', 'httpd', '-f', '-p', String(CLIENT_PORT), '-h', www], { stdio: 'ignore' });
}

/**
 * From inside a container, an HTTP request to address:port: NEW traffic from the container, and
 * the answer back as established traffic (busybox wget -T crashes in the lab image, see ui/egress-check.ts, so nc carries
 * it). Any HTTP answer counts: the connection got through.
 */
export async function containerConnects(lab: Lab, container: string, address: string, port: number): Promise<Reachability> {
  const request = 'printf "GET / HTTP/1.0\\r\\n\\r\\n" | nc -w 3 "$0" "$1"';
  const result = await lab.docker(['exec', container, 'sh', '-c', request, address, String(port)], { timeoutMs: 15_000 });
  return result.stdout.startsWith('HTTP/1.') ? 'open' : 'blocked';
}

/** Container egress: a new connection from the container to the client's web server (see startClientListener). */
export async function egress(lab: Lab, container: string): Promise<Reachability> {
  return containerConnects(lab, container, LAB_ADDRESSES.client, CLIENT_PORT);
}

/** `v6wall confirm CODE` from a NEW SSH login from the client namespace: the proof an operator gives that SSH still works. */
export async function confirmOverNewLogin(lab: Lab, code: string, stateDir: string): Promise<void> {
  const login = await lab.inClient(
    [
      'ssh',
      '-i',
      lab.paths.sshClientKey,
      '-p',
      String(LAB_SSH_PORT),
      '-o',
      'StrictHostKeyChecking=no',
      '-o',
      'UserKnownHostsFile=/dev/null',
      '-o',
      'BatchMode=yes',
      '-o',
      'ConnectTimeout=5',
      '-o',
      'LogLevel=ERROR',
      `root@${LAB_ADDRESSES.server}`,
      process.execPath,
      V6WALL_JS,
      'confirm',
      code,
      '--state-dir',
      stateDir,
    ],
    { timeoutMs: 30_000 },
  );
  expect(login.stderr).toBe('');
  expect(login.exitCode, login.stdout).toBe(0);
}

/** `v6wall apply SELECTION --yes`, then `v6wall confirm CODE` from a NEW SSH session from the client, as an operator would. */
export async function applyAndConfirm(lab: Lab, stateDir: string, selection: string[]): Promise<string> {
  const applied = await lab.runV6wall(['apply', ...selection, '--yes', '--state-dir', stateDir, '--confirm-timeout', '120']);
  expect(applied.stderr).toBe('');
  expect(applied.exitCode, applied.stdout).toBe(0);
  const code = /Confirm code: (\S+)/.exec(applied.stdout)?.[1];
  expect(code, applied.stdout).toBeDefined();
  await confirmOverNewLogin(lab, code ?? '', stateDir);
  return applied.stdout;
}
