import {
  parseDaemonJson,
  parseDockerApiFirewallBackend,
  parseDockerApiVersion,
  parseDockerVersion,
  parseIp6tablesChains,
} from '../core/parse/docker-daemon.js';
import {
  containerIds,
  mergeContainers,
  parseContainerInspectPid,
  parseContainerSummaries,
  parseDockerInspect,
  parseDockerPs,
  parseInspectPids,
} from '../core/parse/docker-containers.js';
import { parseProcNetSockets } from '../core/parse/proc-net-sockets.js';
import { withListeners } from '../core/container-ports.js';
import { parseDockerNetworks } from '../core/parse/docker-networks.js';
import type { Parsed } from '../core/parse/parsed.js';
import type { Container, DockerFacts, DockerNetwork } from '../core/types/facts.js';
import type { CommandResult } from '../core/types/runner.js';
import { type PartDeps, describeFailure, runAdminTool } from './discover-deps.js';
import type { DockerApiGet, DockerApiResponse } from './docker-api.js';

const DAEMON_JSON = '/etc/docker/daemon.json';

/** Why Docker cannot be asked, or null when the daemon answered. */
function unavailableReason(version: CommandResult, serverVersion: string | null): string | null {
  if (version.notFound) return 'Docker is not installed (no docker command).';
  if (serverVersion !== null) return null;
  const said =
    version.stderr
      .split('\n')
      .find((line) => line.trim() !== '')
      ?.trim() ?? '';
  if (/permission denied/i.test(said)) return `v6wall may not talk to the Docker daemon (${said}): run v6wall as root.`;
  return `The Docker daemon is not answering${said === '' ? '' : ` (${said})`}: start it (systemctl start docker) to include containers.`;
}

interface ContainerReadings extends Parsed<Container[]> {
  /** Container id → main process, where the reading had it (the CLI's inspect). */
  pids: Map<string, number>;
}

async function inspectContainers(deps: PartDeps, psOutput: CommandResult): Promise<ContainerReadings> {
  if (psOutput.exitCode !== 0) return { value: [], warnings: [`Could not list containers: ${describeFailure(psOutput, deps.uid)}`], pids: new Map() };
  const ps = parseDockerPs(psOutput.stdout);
  const ids = containerIds(ps.value);
  if (ids.length === 0) return { value: [], warnings: ps.warnings, pids: new Map() };
  // One batched call for every container, never one per container.
  const inspected = await deps.run(['docker', 'inspect', '--type', 'container', ...ids]);
  // docker inspect exits 1 when one id vanished but still prints the others.
  const text = inspected.stdout.trim() === '' ? '[]' : inspected.stdout;
  const details = parseDockerInspect(text);
  const merged = mergeContainers(ps.value, details.value);
  return { value: merged.value, warnings: [...ps.warnings, ...details.warnings, ...merged.warnings], pids: parseInspectPids(text) };
}

async function inspectNetworks(deps: PartDeps, listOutput: CommandResult): Promise<Parsed<DockerNetwork[]>> {
  if (listOutput.exitCode !== 0) return { value: [], warnings: [`Could not list Docker networks: ${describeFailure(listOutput, deps.uid)}`] };
  const ids = [
    ...new Set(
      listOutput.stdout
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line !== ''),
    ),
  ];
  if (ids.length === 0) return { value: [], warnings: [] };
  const inspected = await deps.run(['docker', 'network', 'inspect', ...ids]);
  return parseDockerNetworks(inspected.stdout.trim() === '' ? '[]' : inspected.stdout);
}

interface DockerReadings {
  serverVersion: string | null;
  /** FirewallBackend.Driver from GET /info; undefined when /info was not read (the CLI, or no answer). */
  firewallBackendInfo?: string | null;
  /** Why the daemon cannot be asked; null when it answered. */
  unavailable: string | null;
  containers: ContainerReadings;
  networks: Parsed<DockerNetwork[]>;
}

const apiFailure = (what: string, response: DockerApiResponse): string =>
  response.ok
    ? `the Docker API answered ${what} with HTTP ${response.status}: ${response.body.trim().slice(0, 200)}`
    : `the Docker API did not answer ${what}: ${response.error}`;

/** Four requests to the local daemon; null when it does not answer them (the CLI is asked instead). */
async function readThroughApi(api: DockerApiGet): Promise<DockerReadings | null> {
  // all=1: a stopped container keeps its openings, so it must be seen. /info: the daemon's firewall backend (28.1+).
  const [version, containers, networks, info] = await Promise.all([api('/version'), api('/containers/json?all=1'), api('/networks'), api('/info')]);
  if (!version.ok || version.status !== 200) return null;
  const serverVersion = parseDockerApiVersion(version.body);
  if (serverVersion === null) return null;
  return {
    serverVersion,
    ...(info.ok && info.status === 200 ? { firewallBackendInfo: parseDockerApiFirewallBackend(info.body) } : {}),
    unavailable: null,
    containers: {
      ...(containers.ok && containers.status === 200
        ? parseContainerSummaries(containers.body)
        : { value: [], warnings: [`Could not list containers: ${apiFailure('/containers/json', containers)}`] }),
      pids: new Map(),
    },
    networks:
      networks.ok && networks.status === 200
        ? parseDockerNetworks(networks.body)
        : { value: [], warnings: [`Could not list Docker networks: ${apiFailure('/networks', networks)}`] },
  };
}

/** Five docker CLI calls, whatever the number of containers. */
async function readThroughCli(deps: PartDeps): Promise<DockerReadings> {
  // Each inspect starts as soon as its own list is in, not after the slower version call; when
  // the daemon is down both lists fail and nothing more is asked.
  const containersRead = deps.run(['docker', 'ps', '--all', '--no-trunc', '--format', '{{json .}}']).then((ps) => inspectContainers(deps, ps));
  const networksRead = deps.run(['docker', 'network', 'ls', '--quiet', '--no-trunc']).then((list) => inspectNetworks(deps, list));
  const [version, containers, networks] = await Promise.all([deps.run(['docker', 'version', '--format', '{{json .}}']), containersRead, networksRead]);
  const serverVersion = parseDockerVersion(version.stdout);
  return { serverVersion, unavailable: unavailableReason(version, serverVersion), containers, networks };
}

async function readDocker(deps: PartDeps): Promise<DockerReadings> {
  const viaApi = deps.dockerApi === undefined ? null : await readThroughApi(deps.dockerApi);
  const readings = viaApi ?? (await readThroughCli(deps));
  if (readings.unavailable !== null || deps.uid !== 0) return readings;
  const containers = await readListeners(deps, readings.containers, viaApi === null ? undefined : deps.dockerApi);
  return { ...readings, containers: { ...readings.containers, value: containers.value, warnings: [...readings.containers.warnings, ...containers.warnings] } };
}

/** Runs `work` over the items, at most `limit` at a time, keeping their order. */
async function inBatches<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let index = next++; index < items.length; index = next++) results[index] = await work(items[index] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * What listens inside each running container over IPv6, from the socket tables of its main
 * process's network namespace (root only). The API lists no pids: each running container's
 * is asked for (GET /containers/ID/json); the CLI's inspect already has them.
 */
async function readListeners(deps: PartDeps, containers: ContainerReadings, api: DockerApiGet | undefined): Promise<Parsed<Container[]>> {
  const warnings: string[] = [];
  const value = await inBatches(containers.value, 8, async (container) => {
    if (container.state !== 'running') return container;
    let pid = containers.pids.get(container.id);
    if (pid === undefined && api !== undefined) {
      const inspected = await api(`/containers/${encodeURIComponent(container.id)}/json`);
      pid = inspected.ok && inspected.status === 200 ? (parseContainerInspectPid(inspected.body) ?? undefined) : undefined;
    }
    if (pid === undefined) return container;
    const [tcp, udp] = await Promise.all([deps.readFile(`/proc/${pid}/net/tcp6`), deps.readFile(`/proc/${pid}/net/udp6`)]);
    if (tcp === null || udp === null) return container;
    const tcpListeners = parseProcNetSockets(tcp, 'tcp');
    const udpListeners = parseProcNetSockets(udp, 'udp');
    warnings.push(...tcpListeners.warnings, ...udpListeners.warnings);
    return withListeners(container, [...tcpListeners.value, ...udpListeners.value]);
  });
  return { value, warnings: [...new Set(warnings)] };
}

export async function discoverDocker(deps: PartDeps): Promise<DockerFacts> {
  const [docker, daemonJson, chains, nft] = await Promise.all([
    readDocker(deps),
    deps.readFile(DAEMON_JSON),
    // All tables: the reachability analysis needs raw and nat as well as filter.
    runAdminTool(deps.run, ['ip6tables-save']),
    // Every nftables table (Docker 29's own, any the operator added); nft is optional. Stateless:
    // the rules without their packet counters, which change with every packet and decide nothing.
    runAdminTool(deps.run, ['nft', '--stateless', '-j', 'list', 'ruleset']),
  ]);
  const warnings: string[] = [];
  if (nft.exitCode !== 0 && !nft.notFound) warnings.push(`Could not read the nftables ruleset: ${describeFailure(nft, deps.uid)}`);

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
    nftRuleset: nft.exitCode === 0 && !nft.notFound ? nft.stdout : null,
    ...(reason === null && docker.firewallBackendInfo !== undefined ? { firewallBackendInfo: docker.firewallBackendInfo } : {}),
    containers,
    networks,
    warnings,
  };
}
