import { spawnSync } from 'node:child_process';

export interface LabAvailability {
  ok: boolean;
  reason: string;
}

const REQUIRED_TOOLS = ['ip', 'nsenter', 'unshare', 'ufw', 'dockerd', 'containerd', 'docker', 'sshd', 'ssh-keygen', 'busybox', 'nc', 'curl', 'tar'];

function hasTool(name: string): boolean {
  return spawnSync('sh', ['-c', 'command -v "$1"', 'sh', name], { stdio: 'ignore' }).status === 0;
}

let cached: LabAvailability | undefined;

/** Whether a real lab can run here: root, Linux, network namespaces, and ufw/dockerd/sshd installed. */
export function labAvailable(): LabAvailability {
  if (cached) return cached;
  cached = check();
  return cached;
}

function check(): LabAvailability {
  if (process.platform !== 'linux') return { ok: false, reason: `lab needs Linux (this is ${process.platform})` };
  if (process.getuid?.() !== 0) return { ok: false, reason: 'lab needs root (network namespaces, ufw, dockerd): run with sudo' };
  const missing = REQUIRED_TOOLS.filter((tool) => !hasTool(tool));
  if (missing.length > 0) {
    return {
      ok: false,
      reason: `lab tools missing: ${missing.join(', ')} (apt-get install ufw docker.io openssh-server busybox-static curl netcat-openbsd iptables)`,
    };
  }
  const probe = `v6wl-probe-${process.pid}`;
  const added = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (added.status !== 0) return { ok: false, reason: `ip netns add failed: ${(added.stderr ?? '').trim()}` };
  spawnSync('ip', ['netns', 'del', probe], { stdio: 'ignore' });
  return { ok: true, reason: 'root, network namespaces, ufw, dockerd and sshd available' };
}

/**
 * For lab test files: true when the lab should be skipped. Throws (failing the file)
 * when V6WALL_LAB=required and the lab cannot run, so CI never skips silently.
 */
export function skipLab(): boolean {
  const availability = labAvailable();
  if (availability.ok) return false;
  if (process.env.V6WALL_LAB === 'required') {
    throw new Error(`V6WALL_LAB=required but the lab cannot run: ${availability.reason}`);
  }
  if (!warned) console.warn(`lab tests skipped: ${availability.reason} (set V6WALL_LAB=required to make this a failure)`);
  warned = true;
  return true;
}

let warned = false;

/** A suite title that carries the skip reason, so the reporter shows why. */
export function labTitle(title: string): string {
  const availability = labAvailable();
  return availability.ok ? title : `${title} [skipped: ${availability.reason}]`;
}
