import type { Facts } from '../core/types/facts.js';
import type { DiscoverDeps } from './discover-deps.js';
import { discoverDocker } from './discover-docker.js';
import { discoverHost } from './discover-host.js';
import { discoverSsh } from './discover-ssh.js';
import { discoverUfw } from './discover-ufw.js';
import { NFT_PERSIST_PATH, NFT_UNIT_PATH, NFT_UNIT_WANTS_PATH } from '../core/plan-nftables.js';

export type { DiscoverDeps } from './discover-deps.js';

/** Reads every fact v6wall needs, with the four areas asked concurrently. Never throws on what it finds. */
export async function discoverFacts(deps: DiscoverDeps): Promise<Facts> {
  const docker = discoverDocker(deps);
  const bridges = docker.then((facts) => facts.networks.map((network) => network.bridge).filter((name): name is string => name !== null));
  const nftBoot = Promise.all([deps.readFile(NFT_PERSIST_PATH), deps.readFile(NFT_UNIT_PATH), deps.exists(NFT_UNIT_WANTS_PATH)]);
  const [ssh, ufw, dockerFacts, host, [script, unit, enabled]] = await Promise.all([
    discoverSsh(deps),
    discoverUfw(deps),
    docker,
    discoverHost(deps, bridges),
    nftBoot,
  ]);
  return { ssh, ufw, docker: dockerFacts, host, nftBoot: { script, unit, enabled } };
}

/** A file's text, or null when it is missing or unreadable (the caller reports which facts are unknown). */
async function readFileOrNull(path: string): Promise<string | null> {
  const { readFile } = await import('node:fs/promises');
  try {
    return await readFile(path, 'utf8');
  } catch {
    return null;
  }
}

async function pathExists(path: string): Promise<boolean> {
  const { access } = await import('node:fs/promises');
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** discoverFacts on this machine: the real runner, files, environment and local Docker socket. */
export async function discoverHostFacts(): Promise<Facts> {
  const [{ runCommand }, { dockerApiOnSocket, localDockerSocket }] = await Promise.all([import('./run.js'), import('./docker-api.js')]);
  const docker = await localDockerSocket(process.env, readFileOrNull);
  return discoverFacts({
    run: runCommand,
    readFile: readFileOrNull,
    exists: pathExists,
    env: process.env,
    uid: process.getuid?.() ?? -1,
    ...('socket' in docker ? { dockerApi: dockerApiOnSocket(docker.socket) } : {}),
  });
}
