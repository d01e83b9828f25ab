import { parseDaemonJson, parseDockerApiVersion, parseDockerVersion, parseIp6tablesChains } from '../core/parse/docker-daemon.js';
import { containerIds, mergeContainers, parseContainerSummaries, parseDockerInspect, parseDockerPs } from '../core/parse/docker-containers.js';
import { parseDockerNetworks } from '../core/parse/docker-networks.js';
import type { Parsed } from '../core/parse/parsed.js';
import type { CommandResult, Container, DockerFacts, DockerNetwork } from '../core/types.js';
import { type PartDeps, describeFailure, runAdminTool } from './discover-deps.js';
import type { DockerApiGet, DockerApiResponse } from './docker-api.js';

const DAEMON_JSON = '/etc/docker/daemon.json';

/** Why Docker cannot be asked, or null when the daemon answered. */
function unavailableReason(version: CommandResult, serverVersion: string | null): string | null {
  if (version.notFound) return 'Docker is not installed (no docker command).';
  if (serverVersion !== null) return null;
  const said = version.stderr.split('\n').find((line) => line.trim() !== '')?.trim() ?? '';
  if (/permission denied/i.test(said)) return `v6wall may not talk to the Docker daemon (${said}): run v6wall as root.`;
  return `The Docker daemon is not answering${said === '' ? '' : ` (${said})`}: start it (systemctl start docker) to include containers.`;
}

async function inspectContainers(deps: PartDeps, psOutput: CommandResult): Promise<Parsed<Container[]>> {
  if (psOutput.exitCode !== 0) return { value: [], warnings: [`Could not list containers: ${describeFailure(psOutput, deps.uid)}`] };
  const ps = parseDockerPs(psOutput.stdout);
  const ids = containerIds(ps.value);
  if (ids.length === 0) return { value: [], warnings: ps.warnings };
  // One batched call for every container, never one per container.
  const inspected = await deps.run(['docker', 'inspect', '--type', 'container', ...ids]);
  // docker inspect exits 1 when one id vanished but still prints the others.
  const details = parseDockerInspect(inspected.stdout.trim() === '' ? '[]' : inspected.stdout);
  const merged = mergeContainers(ps.value, details.value);
  return { value: merged.value, warnings: [...ps.warnings, ...details.warnings, ...merged.warnings] };
}

async function inspectNetworks(deps: PartDeps, listOutput: CommandResult): Promise<Parsed<DockerNetwork[]>> {
  if (listOutput.exitCode !== 0) return { value: [], warnings: [`Could not list Docker networks: ${describeFailure(listOutput, deps.uid)}`] };
  const ids = [...new Set(listOutput.stdout.split('\n').map((line) => line.trim()).filter((line) => line !== ''))];
  if (ids.length === 0) return { value: [], warnings: [] };
  const inspected = await deps.run(['docker', 'network', 'inspect', ...ids]);
  return parseDockerNetworks(inspected.stdout.trim() === '' ? '[]' : inspected.stdout);
}

interface DockerReadings {
  serverVersion: string | null;
  /** Why the daemon cannot be asked; null when it answered. */
  unavailable: string | null;
  containers: Parsed<Container[]>;
  networks: Parsed<DockerNetwork[]>;
}

const apiFailure = (what: string, response: DockerApiResponse): string =>
  response.ok ? `the Docker API answered ${what} with HTTP ${response.status}: ${response.body.trim().slice(0, 200)}` : `the Docker API did not answer ${what}: ${response.error}`;

/** Three requests to the local daemon; null when it does not answer them (the CLI is asked instead). */
async function readThroughApi(api: DockerApiGet): Promise<DockerReadings | null> {
  const [version, containers, networks] = await Promise.all([api('/version'), api('/containers/json'), api('/networks')]);
  if (!version.ok || version.status !== 200) return null;
  const serverVersion = parseDockerApiVersion(version.body);
  if (serverVersion === null) return null;
  return {
    serverVersion,
    unavailable: null,
    containers: containers.ok && containers.status === 200 ? parseContainerSummaries(containers.body) : { value: [], warnings: [`Could not list containers: ${apiFailure('/containers/json', containers)}`] },
    networks: networks.ok && networks.status === 200 ? parseDockerNetworks(networks.body) : { value: [], warnings: [`Could not list Docker networks: ${apiFailure('/networks', networks)}`] },
  };
}

/** Five docker CLI calls, whatever the number of containers. */
async function readThroughCli(deps: PartDeps): Promise<DockerReadings> {
  // Each inspect starts as soon as its own list is in, not after the slower version call; when
  // the daemon is down both lists fail and nothing more is asked.
  const containersRead = deps.run(['docker', 'ps', '--no-trunc', '--format', '{{json .}}']).then((ps) => inspectContainers(deps, ps));
  const networksRead = deps.run(['docker', 'network', 'ls', '--quiet', '--no-trunc']).then((list) => inspectNetworks(deps, list));
  const [version, containers, networks] = await Promise.all([deps.run(['docker', 'version', '--format', '{{json .}}']), containersRead, networksRead]);
  const serverVersion = parseDockerVersion(version.stdout);
  return { serverVersion, unavailable: unavailableReason(version, serverVersion), containers, networks };
}

async function readDocker(deps: PartDeps): Promise<DockerReadings> {
  const viaApi = deps.dockerApi === undefined ? null : await readThroughApi(deps.dockerApi);
  return viaApi ?? readThroughCli(deps);
}

export async function discoverDocker(deps: PartDeps): Promise<DockerFacts> {
  const [docker, daemonJson, chains] = await Promise.all([
    readDocker(deps),
    deps.readFile(DAEMON_JSON),
    // All tables: the reachability analysis needs raw and nat as well as filter.
    runAdminTool(deps.run, ['ip6tables-save']),
  ]);
  const warnings: string[] = [];

  const daemon = daemonJson === null ? null : parseDaemonJson(daemonJson, DAEMON_JSON);
  if (daemon !== null) warnings.push(...daemon.warnings);

  let liveChains = { dockerChains: false, dockerUser: false };
  if (chains.exitCode === 0 && !chains.notFound) liveChains = parseIp6tablesChains(chains.stdout);
  else warnings.push(`Could not read the live ip6tables chains: ${describeFailure(chains, deps.uid)}`);

  const { serverVersion, unavailable: reason } = docker;
  const [containers, networks] = reason === null ? [docker.containers.value, docker.networks.value] : [[], []];
  if (reason === null) warnings.push(...docker.containers.warnings, ...docker.networks.warnings);

  return {
    available: reason === null,
    reason,
    serverVersion,
    daemonConfig: daemon?.value.config ?? {},
    daemonConfigError: daemon?.value.error ?? null,
    ip6tablesChainsLive: liveChains.dockerChains,
    ip6DockerUserChain: liveChains.dockerUser,
    ip6tablesSave: chains.exitCode === 0 && !chains.notFound ? chains.stdout : null,
    containers,
    networks,
    warnings,
  };
}
