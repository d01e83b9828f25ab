import { parseDaemonJson, parseDockerVersion, parseIp6tablesChains } from '../core/parse/docker-daemon.js';
import { containerIds, mergeContainers, parseDockerInspect, parseDockerPs } from '../core/parse/docker-containers.js';
import { parseDockerNetworks } from '../core/parse/docker-networks.js';
import type { CommandResult, Container, DockerFacts, DockerNetwork } from '../core/types.js';
import { type DiscoverDeps, describeFailure, runAdminTool } from './discover-deps.js';

const DAEMON_JSON = '/etc/docker/daemon.json';

/** Why Docker cannot be asked, or null when the daemon answered. */
function unavailableReason(version: CommandResult, serverVersion: string | null): string | null {
  if (version.notFound) return 'Docker is not installed (no docker command).';
  if (serverVersion !== null) return null;
  const said = version.stderr.split('\n').find((line) => line.trim() !== '')?.trim() ?? '';
  if (/permission denied/i.test(said)) return `v6wall may not talk to the Docker daemon (${said}): run v6wall as root.`;
  return `The Docker daemon is not answering${said === '' ? '' : ` (${said})`}: start it (systemctl start docker) to include containers.`;
}

async function inspectContainers(deps: DiscoverDeps, psOutput: CommandResult, warnings: string[]): Promise<Container[]> {
  if (psOutput.exitCode !== 0) {
    warnings.push(`Could not list containers: ${describeFailure(psOutput, deps.uid)}`);
    return [];
  }
  const ps = parseDockerPs(psOutput.stdout);
  warnings.push(...ps.warnings);
  const ids = containerIds(ps.value);
  if (ids.length === 0) return [];
  // One batched call for every container, never one per container.
  const inspected = await deps.run(['docker', 'inspect', '--type', 'container', ...ids]);
  // docker inspect exits 1 when one id vanished but still prints the others.
  const details = parseDockerInspect(inspected.stdout.trim() === '' ? '[]' : inspected.stdout);
  warnings.push(...details.warnings);
  const merged = mergeContainers(ps.value, details.value);
  warnings.push(...merged.warnings);
  return merged.value;
}

async function inspectNetworks(deps: DiscoverDeps, listOutput: CommandResult, warnings: string[]): Promise<DockerNetwork[]> {
  if (listOutput.exitCode !== 0) {
    warnings.push(`Could not list Docker networks: ${describeFailure(listOutput, deps.uid)}`);
    return [];
  }
  const ids = [...new Set(listOutput.stdout.split('\n').map((line) => line.trim()).filter((line) => line !== ''))];
  if (ids.length === 0) return [];
  const inspected = await deps.run(['docker', 'network', 'inspect', ...ids]);
  const networks = parseDockerNetworks(inspected.stdout.trim() === '' ? '[]' : inspected.stdout);
  warnings.push(...networks.warnings);
  return networks.value;
}

export async function discoverDocker(deps: DiscoverDeps): Promise<DockerFacts> {
  const [version, ps, networkList, daemonJson, chains] = await Promise.all([
    deps.run(['docker', 'version', '--format', '{{json .}}']),
    deps.run(['docker', 'ps', '--no-trunc', '--format', '{{json .}}']),
    deps.run(['docker', 'network', 'ls', '--quiet', '--no-trunc']),
    deps.readFile(DAEMON_JSON),
    runAdminTool(deps.run, ['ip6tables-save', '-t', 'filter']),
  ]);
  const warnings: string[] = [];

  const daemon = daemonJson === null ? null : parseDaemonJson(daemonJson, DAEMON_JSON);
  if (daemon !== null) warnings.push(...daemon.warnings);

  let liveChains = { dockerChains: false, dockerUser: false };
  if (chains.exitCode === 0 && !chains.notFound) liveChains = parseIp6tablesChains(chains.stdout);
  else warnings.push(`Could not read the live ip6tables chains: ${describeFailure(chains, deps.uid)}`);

  const serverVersion = parseDockerVersion(version.stdout);
  const reason = unavailableReason(version, serverVersion);
  const [containers, networks] =
    reason === null ? await Promise.all([inspectContainers(deps, ps, warnings), inspectNetworks(deps, networkList, warnings)]) : [[], []];

  return {
    available: reason === null,
    reason,
    serverVersion,
    daemonConfig: daemon?.value.config ?? {},
    daemonConfigError: daemon?.value.error ?? null,
    ip6tablesChainsLive: liveChains.dockerChains,
    ip6DockerUserChain: liveChains.dockerUser,
    containers,
    networks,
    warnings,
  };
}
