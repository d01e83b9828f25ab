/**
 * A fleet for Ansible: several lab hosts (each a full lab from startLab: server namespace with a
 * real dockerd, sshd and a private UFW, plus its own client namespace for probes) and one
 * "operator" namespace, the machine ansible-playbook runs on, joined to every host's server
 * namespace by a LAN of its own (2001:db8:ff00::/64, eth1 on each host).
 *
 * Each host gets private copy-on-write views of /usr/local/bin, /usr/local/lib and /var/lib, so
 * what a playbook installs there (v6wall, its state) lands in that host's lab folder; sshd runs
 * inside those mounts, so SSH sessions see them. The machine's own folders never change.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { must, run, type LabResult } from './exec.js';
import { startLab, type Lab, type LabOptions } from './harness.js';

export const HOST_PRIVATE_DIRS = ['/usr/local/bin', '/usr/local/lib', '/var/lib'];

/** The operator's LAN: ::1 is the operator, ::11, ::12, ... the hosts. */
const OPERATOR_ADDRESS = '2001:db8:ff00::1';
const hostLanAddress = (index: number): string => `2001:db8:ff00::${(0x11 + index).toString(16)}`;

export interface FleetHost {
  name: string;
  lab: Lab;
  /** The host's address on the operator's LAN (what the inventory names). */
  address: string;
}

export interface Fleet {
  id: string;
  dir: string;
  operatorNs: string;
  hosts: FleetHost[];
  /** Runs argv in the operator's namespace. */
  inOperator(argv: readonly string[], options?: { env?: Record<string, string>; timeoutMs?: number }): Promise<LabResult>;
  teardown(): Promise<string[]>;
}

export async function startFleet(count: number, options: LabOptions = {}): Promise<Fleet> {
  const id = randomBytes(3).toString('hex');
  const dir = `/tmp/v6wall-fleet-${id}`;
  mkdirSync(dir, { mode: 0o700 });
  const operatorNs = `v6wf-${id}-op`;
  const settled = await Promise.allSettled(Array.from({ length: count }, () => startLab({ ...options, privateDirs: HOST_PRIVATE_DIRS })));
  const labs = settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const teardown = async (): Promise<string[]> => {
    await killNamespace(operatorNs);
    const problems = await Promise.all(labs.map((lab) => lab.teardown()));
    await run(['rm', '-rf', dir]);
    return problems.flat();
  };
  const failed = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed !== undefined) {
    await teardown();
    throw failed.reason;
  }
  try {
    await must(['ip', 'netns', 'add', operatorNs]);
    await must(['ip', '-n', operatorNs, 'link', 'set', 'lo', 'up']);
    await must(['ip', '-n', operatorNs, 'link', 'add', 'lan', 'type', 'bridge']);
    await must(['ip', '-n', operatorNs, 'link', 'set', 'lan', 'up']);
    await must(['ip', '-n', operatorNs, '-6', 'addr', 'add', `${OPERATOR_ADDRESS}/64`, 'dev', 'lan', 'nodad']);
    const hosts: FleetHost[] = [];
    for (const [index, lab] of labs.entries()) {
      const address = hostLanAddress(index);
      const [hostEnd, lanEnd] = [`v6f${id}h${index}`, `v6f${id}l${index}`];
      await must(['ip', 'link', 'add', hostEnd, 'type', 'veth', 'peer', 'name', lanEnd]);
      await must(['ip', 'link', 'set', hostEnd, 'netns', lab.serverNs]);
      await must(['ip', 'link', 'set', lanEnd, 'netns', operatorNs]);
      await must(['ip', '-n', lab.serverNs, 'link', 'set', hostEnd, 'name', 'eth1']);
      await must(['ip', '-n', lab.serverNs, 'link', 'set', 'eth1', 'up']);
      await must(['ip', '-n', lab.serverNs, '-6', 'addr', 'add', `${address}/64`, 'dev', 'eth1', 'nodad']);
      await must(['ip', '-n', operatorNs, 'link', 'set', lanEnd, 'master', 'lan']);
      await must(['ip', '-n', operatorNs, 'link', 'set', lanEnd, 'up']);
      hosts.push({ name: `host${index + 1}`, lab, address });
    }
    return {
      id,
      dir,
      operatorNs,
      hosts,
      inOperator: (argv, runOptions = {}) => run(['nsenter', `--net=/var/run/netns/${operatorNs}`, ...argv], runOptions),
      teardown,
    };
  } catch (error) {
    await teardown();
    throw error;
  }
}

async function killNamespace(ns: string): Promise<void> {
  const listed = await run(['ip', 'netns', 'pids', ns]);
  for (const word of listed.stdout.split(/\s+/)) {
    const pid = Number.parseInt(word, 10);
    if (Number.isInteger(pid) && pid > 1 && pid !== process.pid) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  await run(['ip', 'netns', 'del', ns]);
}

export interface InventoryHost {
  name: string;
  address: string;
  port: number;
  key: string;
  vars?: Record<string, unknown>;
}

/** A YAML inventory (written as JSON, which is YAML): one group "v6wall", the fleet's choices as group variables. */
export function writeInventory(file: string, hosts: readonly InventoryHost[], groupVars: Record<string, unknown>): void {
  const entries = hosts.map((host) => [
    host.name,
    { ansible_host: host.address, ansible_port: host.port, ansible_user: 'root', ansible_ssh_private_key_file: host.key, ...host.vars },
  ]);
  writeFileSync(file, `${JSON.stringify({ v6wall: { hosts: Object.fromEntries(entries), vars: groupVars } }, null, 2)}\n`);
}

/**
 * ansible-playbook with its output in a file: the SSH control masters it leaves behind
 * (ControlPersist, as Ansible's defaults) would hold a pipe open for their whole linger.
 */
export async function runPlaybook(fleet: Pick<Fleet, 'inOperator' | 'dir'>, args: readonly string[], env: Record<string, string>): Promise<LabResult> {
  const log = join(fleet.dir, `ansible-${randomBytes(3).toString('hex')}.log`);
  const result = await fleet.inOperator(['sh', '-c', 'log="$1"; shift; "$@" >"$log" 2>&1', 'run-playbook', log, 'ansible-playbook', ...args], {
    env,
    timeoutMs: 600_000,
  });
  return { ...result, stdout: readFileSync(log, 'utf8') };
}

/** Environment that keeps ansible's own files (temp, control sockets, known hosts) in the lab's folder. */
export function ansibleEnv(dir: string): Record<string, string> {
  const home = join(dir, 'ansible-home');
  mkdirSync(join(home, 'cp'), { recursive: true });
  writeFileSync(join(home, 'ansible.cfg'), '[defaults]\n');
  return {
    // Ansible refuses to run without a UTF-8 locale (the lab's default is C).
    LC_ALL: 'C.UTF-8',
    LANG: 'C.UTF-8',
    ANSIBLE_HOME: home,
    // Where the role packs the bundle on the controller.
    TMPDIR: home,
    ANSIBLE_LOCAL_TEMP: join(home, 'tmp'),
    ANSIBLE_REMOTE_TMP: `/tmp/v6wall-ansible-${randomBytes(3).toString('hex')}`,
    ANSIBLE_SSH_CONTROL_PATH_DIR: join(home, 'cp'),
    ANSIBLE_SSH_ARGS: `-o ControlMaster=auto -o ControlPersist=60s -o UserKnownHostsFile=${join(home, 'known_hosts')} -o StrictHostKeyChecking=no -o ConnectTimeout=5`,
    ANSIBLE_HOST_KEY_CHECKING: 'False',
    ANSIBLE_PIPELINING: 'True',
    ANSIBLE_RETRY_FILES_ENABLED: 'False',
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_FORCE_COLOR: '0',
    ANSIBLE_PYTHON_INTERPRETER: '/usr/bin/python3',
    ANSIBLE_DEPRECATION_WARNINGS: 'False',
    ANSIBLE_CONFIG: join(home, 'ansible.cfg'),
  };
}

export interface RecapLine {
  ok: number;
  changed: number;
  unreachable: number;
  failed: number;
  skipped: number;
}

/** PLAY RECAP lines of ansible-playbook's output, by host. */
export function parseRecap(output: string): Record<string, RecapLine> {
  const recap: Record<string, RecapLine> = {};
  const section = output.split('PLAY RECAP').at(-1) ?? '';
  for (const match of section.matchAll(/^(\S+)\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)/gm)) {
    const [, host, ok, changed, unreachable, failed, skipped] = match;
    if (host !== undefined) {
      recap[host] = { ok: Number(ok), changed: Number(changed), unreachable: Number(unreachable), failed: Number(failed), skipped: Number(skipped) };
    }
  }
  return recap;
}
