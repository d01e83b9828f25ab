/**
 * A current Docker for the lab without installing it: Debian sid's docker.io 28.x, docker-cli and
 * containerd 2.x, fetched with `apt-get download` through a separate sources list, cached outside
 * the checkout and unpacked with `dpkg -x`. The lab then runs that dockerd (with the system's runc:
 * sid's runc needs a newer glibc). Usage:
 *   npx tsx test/lab/docker28.ts          # prints the unpacked root (fetches once)
 *   startLab({ docker: { unpackedRoot: await docker28Root() } })
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LAB_CACHE_DIR } from './image.js';
import { must } from './exec.js';

const SID_DIR = join(LAB_CACHE_DIR, 'sid');
/** The unpacked packages; its usr/bin and usr/sbin go first on the lab dockerd's PATH. */
export const DOCKER28_ROOT = process.env.V6WALL_DOCKER28_ROOT ?? join(SID_DIR, 'root');
const PACKAGES = ['docker.io', 'docker-cli', 'containerd'];

function aptOptions(): string[] {
  return [
    '-o',
    `Dir::Etc::SourceList=${join(SID_DIR, 'sources.list')}`,
    '-o',
    'Dir::Etc::SourceParts=/dev/null',
    '-o',
    `Dir::State::Lists=${join(SID_DIR, 'lists')}`,
    '-o',
    `Dir::Cache=${join(SID_DIR, 'apt-cache')}`,
    '-o',
    'APT::Sandbox::User=root',
  ];
}

export function docker28Available(): boolean {
  return existsSync(join(DOCKER28_ROOT, 'usr/sbin/dockerd')) && existsSync(join(DOCKER28_ROOT, 'usr/bin/containerd'));
}

/** The unpacked Docker 28 root, fetching and unpacking it the first time. */
export async function docker28Root(): Promise<string> {
  if (docker28Available()) return DOCKER28_ROOT;
  const debs = join(SID_DIR, 'debs');
  mkdirSync(join(SID_DIR, 'lists/partial'), { recursive: true });
  mkdirSync(join(SID_DIR, 'apt-cache/archives/partial'), { recursive: true });
  mkdirSync(debs, { recursive: true });
  writeFileSync(join(SID_DIR, 'sources.list'), 'deb http://deb.debian.org/debian sid main\n');
  const have = (name: string) => readdirSync(debs).some((file) => file.startsWith(`${name}_`) && file.endsWith('.deb'));
  const missing = PACKAGES.filter((name) => !have(name));
  if (missing.length > 0) {
    await must(['apt-get', ...aptOptions(), 'update'], { timeoutMs: 300_000 });
    // apt-get download writes into the current directory.
    await must(['sh', '-c', 'cd "$1" && shift && exec apt-get "$@"', 'sh', debs, ...aptOptions(), 'download', ...missing], { timeoutMs: 300_000 });
  }
  const partial = `${DOCKER28_ROOT}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  for (const file of readdirSync(debs).filter((name) => name.endsWith('.deb'))) {
    await must(['dpkg', '-x', join(debs, file), partial]);
  }
  rmSync(DOCKER28_ROOT, { recursive: true, force: true });
  renameSync(partial, DOCKER28_ROOT);
  return DOCKER28_ROOT;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(await docker28Root());
}

/**
 * For lab tests: true when the Docker 28 tests should be skipped (it is not unpacked here).
 * Where the lab is required (CI, which fetches it first), they run and fail instead.
 */
export function skipDocker28(): boolean {
  return !docker28Available() && process.env.V6WALL_LAB !== 'required';
}
