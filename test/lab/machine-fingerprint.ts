// What the machine running the lab holds where v6wall could write: its state, UFW's files, the
// nftables backend's file and units, and the live firewall of the machine's own network namespace.
// A lab keeps all of that in its own folders and namespaces, so none of it may change.
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './exec.js';

/** The machine's files that v6wall writes on a real server (and a lab only in its own copies). */
export const MACHINE_PATHS = [
  '/var/lib/v6wall',
  '/etc/ufw',
  '/etc/default/ufw',
  '/lib/ufw',
  '/etc/v6wall',
  '/etc/systemd/system',
  '/usr/bin/v6wall',
  '/usr/local/bin/v6wall',
] as const;

/** Every file and folder under the paths, with its mode, owner and content hash ("absent" when missing). */
export function fingerprint(paths: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (path: string): void => {
    if (!existsSync(path) && !isDanglingLink(path)) {
      out[path] = 'absent';
      return;
    }
    const info = lstatSync(path);
    const head = `${info.mode.toString(8)} ${info.uid}:${info.gid}`;
    if (info.isDirectory()) {
      out[path] = `${head} dir`;
      for (const name of readdirSync(path).sort()) walk(join(path, name));
    } else if (info.isSymbolicLink()) {
      out[path] = `${head} -> ${readlinkSync(path)}`;
    } else {
      out[path] = `${head} ${info.mtimeMs} ${createHash('sha256').update(readFileSync(path)).digest('hex')}`;
    }
  };
  for (const path of paths) walk(path);
  return out;
}

function isDanglingLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

const COUNTERS = /\[\d+:\d+\]|counter packets \d+ bytes \d+/g;

/** The machine namespace's live rules (ip6tables, iptables, nftables), counters left out. */
export async function liveFirewall(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const argv of [['ip6tables-save'], ['iptables-save'], ['nft', 'list', 'ruleset']]) {
    const result = await run(argv, { timeoutMs: 20_000 });
    const text = result.exitCode === 0 ? result.stdout : `exit ${result.exitCode}: ${result.stderr}`;
    out[argv.join(' ')] = text
      .split('\n')
      .filter((line) => !line.startsWith('#'))
      .join('\n')
      .replace(COUNTERS, '');
  }
  return out;
}
