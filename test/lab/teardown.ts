import { existsSync, readdirSync, readFileSync, rmSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { run, sleep } from './exec.js';

/** What teardown needs; written to the lab dir first so a crashed run can be cleaned up later. */
export interface LabRecord {
  id: string;
  dir: string;
  serverNs: string;
  clientNs: string;
  cgroupParent: string;
  ownerPid: number;
}

export const labRecordPath = (dir: string): string => join(dir, 'lab.json');

const LAB_DIR_PREFIX = '/tmp/v6wall-lab-';

function readPid(file: string): number | undefined {
  if (!existsSync(file)) return undefined;
  const pid = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
  return Number.isInteger(pid) && pid > 1 ? pid : undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function stopByPidFile(file: string, graceMs: number): Promise<void> {
  const pid = readPid(file);
  if (pid === undefined || !alive(pid)) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (alive(pid) && Date.now() < deadline) await sleep(100);
  if (alive(pid)) process.kill(pid, 'SIGKILL');
}

async function killNamespacePids(ns: string): Promise<void> {
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
}

/** Kills the processes in the lab's own cgroup (dockerd --cgroup-parent: the containers), then removes the cgroups. */
function sweepCgroups(cgroupParent: string, remove: boolean): void {
  const root = '/sys/fs/cgroup';
  if (!existsSync(root)) return;
  for (const controller of readdirSync(root)) {
    const top = join(root, controller, cgroupParent);
    if (!existsSync(top)) continue;
    const dirs: string[] = [];
    // dockerd removes container cgroups concurrently: anything may vanish mid-walk.
    const walk = (dir: string): void => {
      dirs.push(dir);
      let entries: string[] = [];
      try {
        entries = readdirSync(dir);
      } catch {
        return;
      }
      for (const entry of entries) {
        const child = join(dir, entry);
        try {
          if (statSync(child).isDirectory()) walk(child);
        } catch {
          // gone already
        }
      }
    };
    walk(top);
    for (const dir of dirs) {
      let procs = '';
      try {
        procs = readFileSync(join(dir, 'cgroup.procs'), 'utf8');
      } catch {
        continue;
      }
      for (const line of procs.split('\n')) {
        const pid = Number.parseInt(line, 10);
        if (Number.isInteger(pid) && pid > 1) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }
      }
    }
    if (!remove) continue;
    for (const dir of dirs.reverse()) {
      try {
        rmdirSync(dir);
      } catch {
        // still busy or already removed by dockerd
      }
    }
  }
}

/** Mount points under dir in this mount namespace (dockerd's overlays and netns files), deepest first. */
function mountsUnder(dir: string): string[] {
  const unescape = (path: string) => path.replace(/\\(\d{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => unescape(line.split(' ')[4] ?? ''))
    .filter((mountPoint) => mountPoint.startsWith(`${dir}/`))
    .sort((x, y) => y.length - x.length);
}

/** Stops daemons by pid file, deletes namespaces, unmounts and removes the lab dir. Resolves with problems seen. */
export async function teardownLab(record: LabRecord): Promise<string[]> {
  const problems: string[] = [];
  const step = async (what: string, action: () => Promise<void> | void): Promise<void> => {
    try {
      await action();
    } catch (error) {
      problems.push(`${what}: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  if (!record.dir.startsWith(LAB_DIR_PREFIX)) return [`refusing to tear down ${record.dir}: not a lab dir`];
  // Container processes first (SIGKILL through the lab's own cgroup): faster than `docker rm -f`, and
  // dockerd then stops at once instead of waiting for PID-1 httpds that ignore SIGTERM.
  await step('kill containers', () => sweepCgroups(record.cgroupParent, false));
  await step('stop dockerd', () => stopByPidFile(join(record.dir, 'dockerd.pid'), 15_000));
  await step('stop sshd', () => stopByPidFile(join(record.dir, 'sshd.pid'), 3_000));
  for (const ns of [record.serverNs, record.clientNs]) {
    await step(`kill processes in ${ns}`, () => killNamespacePids(ns));
  }
  await step('sweep cgroups', () => sweepCgroups(record.cgroupParent, true));
  for (const ns of [record.serverNs, record.clientNs]) {
    await step(`delete ${ns}`, async () => {
      if (!existsSync(`/var/run/netns/${ns}`)) return;
      const deleted = await run(['ip', 'netns', 'del', ns]);
      if (deleted.exitCode !== 0) throw new Error(deleted.stderr.trim());
    });
  }
  await step('unmount', async () => {
    if (!existsSync(record.dir)) return;
    for (const mountPoint of mountsUnder(record.dir)) await run(['umount', '-l', mountPoint]);
  });
  await step('remove lab dir', () => rmSync(record.dir, { recursive: true, force: true, maxRetries: 3 }));
  return problems;
}

/** Tears down labs left behind by runs that died (their owner pid is gone). Resolves with the ids cleaned. */
export async function cleanupStaleLabs(): Promise<string[]> {
  const cleaned: string[] = [];
  for (const entry of readdirSync('/tmp')) {
    const dir = join('/tmp', entry);
    if (!dir.startsWith(LAB_DIR_PREFIX) || !existsSync(labRecordPath(dir))) continue;
    let record: LabRecord;
    try {
      record = JSON.parse(readFileSync(labRecordPath(dir), 'utf8')) as LabRecord;
    } catch {
      continue;
    }
    if (record.dir !== dir || alive(record.ownerPid)) continue;
    await teardownLab(record);
    cleaned.push(record.id);
  }
  return cleaned;
}
