import type { Container, ContainerNetwork, ContainerPort, Proto, PublishedBinding } from '../types/facts.js';
import { canonicalIpv6 } from '../address.js';
import { parsePort } from '../port.js';
import ipaddr from 'ipaddr.js';
import { arrayField, field, isRecord, parseJson, recordField, stringField } from './json.js';
import { type Parsed, quoteLine, splitLines } from './parsed.js';

/** One line of `docker ps --no-trunc --format '{{json .}}'`. */
export interface DockerPsEntry {
  id: string;
  name: string;
  image: string;
  state: string;
}

export function parseDockerPs(text: string): Parsed<DockerPsEntry[]> {
  const entries: DockerPsEntry[] = [];
  const warnings: string[] = [];
  for (const line of splitLines(text)) {
    if (line.trim() === '') continue;
    const parsed = parseJson(line);
    const id = parsed.ok ? stringField(parsed.value, 'ID') : null;
    if (!parsed.ok || id === null || id === '') {
      warnings.push(`docker ps printed a line v6wall cannot read: ${quoteLine(line)}`);
      continue;
    }
    // Names may list legacy link aliases after a comma; the first is the container's own name.
    const name = (stringField(parsed.value, 'Names') ?? '').split(',')[0] ?? '';
    entries.push({ id, name, image: stringField(parsed.value, 'Image') ?? '', state: stringField(parsed.value, 'State') ?? '' });
  }
  return { value: entries, warnings };
}

/** The array `docker inspect ID...` prints, one Container per element. */
export function parseDockerInspect(text: string): Parsed<Container[]> {
  const warnings: string[] = [];
  const parsed = parseJson(text);
  if (!parsed.ok || !Array.isArray(parsed.value)) {
    return { value: [], warnings: [`docker inspect printed something other than a JSON array${parsed.ok ? '' : ` (${parsed.error})`}.`] };
  }
  const containers: Container[] = [];
  for (const item of parsed.value) {
    const id = stringField(item, 'Id');
    if (id === null || id === '') {
      warnings.push('docker inspect returned an entry without an Id; it was skipped.');
      continue;
    }
    const config = recordField(item, 'Config');
    const settings = recordField(item, 'NetworkSettings');
    containers.push({
      id,
      name: (stringField(item, 'Name') ?? '').replace(/^\//, ''),
      image: stringField(config, 'Image') ?? stringField(item, 'Image') ?? '',
      state: stringField(recordField(item, 'State'), 'Status') ?? '',
      networks: readNetworks(recordField(settings, 'Networks'), warnings),
      ports: readPorts(recordField(config, 'ExposedPorts'), recordField(settings, 'Ports'), warnings),
    });
  }
  return { value: containers, warnings };
}

/** State.Pid of one inspected container: its main process while it runs; null otherwise. */
export function inspectPid(item: unknown): number | null {
  const pid = field(recordField(item, 'State'), 'Pid');
  return typeof pid === 'number' && Number.isInteger(pid) && pid > 1 ? pid : null;
}

/** The body of GET /containers/{id}/json (what `docker inspect` prints for one container): its main process. */
export function parseContainerInspectPid(text: string): number | null {
  const parsed = parseJson(text);
  return parsed.ok ? inspectPid(parsed.value) : null;
}

/** Container id → main process, from the array `docker inspect ID...` prints. */
export function parseInspectPids(text: string): Map<string, number> {
  const parsed = parseJson(text);
  const pids = new Map<string, number>();
  if (!parsed.ok || !Array.isArray(parsed.value)) return pids;
  for (const item of parsed.value) {
    const id = stringField(item, 'Id');
    const pid = inspectPid(item);
    if (id !== null && pid !== null) pids.set(id, pid);
  }
  return pids;
}

/**
 * The array the Engine API returns for GET /containers/json (what `docker ps` lists, with each
 * container's networks and ports): one Container per element, the same as `docker inspect` gives.
 */
export function parseContainerSummaries(text: string): Parsed<Container[]> {
  const warnings: string[] = [];
  const parsed = parseJson(text);
  if (!parsed.ok || !Array.isArray(parsed.value)) {
    return { value: [], warnings: [`The Docker API listed containers as something other than a JSON array${parsed.ok ? '' : ` (${parsed.error})`}.`] };
  }
  const containers: Container[] = [];
  for (const item of parsed.value) {
    const id = stringField(item, 'Id');
    if (id === null || id === '') {
      warnings.push('The Docker API listed a container without an Id; it was skipped.');
      continue;
    }
    containers.push({
      id,
      name: summaryName(arrayField(item, 'Names') ?? []),
      image: stringField(item, 'Image') ?? '',
      state: stringField(item, 'State') ?? '',
      networks: readNetworks(recordField(recordField(item, 'NetworkSettings'), 'Networks'), warnings),
      ports: readSummaryPorts(arrayField(item, 'Ports') ?? [], warnings),
    });
  }
  return { value: containers.sort((a, b) => a.name.localeCompare(b.name)), warnings };
}

/** Names are "/web", plus "/other/alias" for each legacy link to it: the container's own is the one without a second slash. */
function summaryName(names: unknown[]): string {
  const all = names.filter((name): name is string => typeof name === 'string');
  const own = all.find((name) => !name.slice(1).includes('/')) ?? all[0] ?? '';
  return own.replace(/^\//, '');
}

/**
 * Ports as the list reports them: { PrivatePort, Type } alone for an exposed port, with IP and
 * PublicPort per binding; PublicPort 0 (or none) with an IP is what a routed-mode IPv6 network reports.
 */
function readSummaryPorts(entries: unknown[], warnings: string[]): ContainerPort[] {
  const ports = new Map<string, ContainerPort>();
  for (const entry of entries) {
    const privatePort = field(entry, 'PrivatePort');
    const type = stringField(entry, 'Type') ?? '';
    const key = `${String(privatePort)}/${type}`;
    const parsed = typeof privatePort === 'number' ? parsePortKey(key) : null;
    if (parsed === null) {
      warnings.push(`Docker reported a port v6wall cannot read: "${key.slice(0, 40)}".`);
      continue;
    }
    if ('unsupported' in parsed) continue; // sctp: ufw rules here are tcp/udp only
    const port = ports.get(key) ?? { port: parsed.port, proto: parsed.proto, published: [] };
    ports.set(key, port);
    const hostIp = stringField(entry, 'IP');
    if (hostIp === null) continue;
    const publicPort = field(entry, 'PublicPort');
    if (publicPort === undefined || publicPort === 0) {
      port.published.push({ hostIp, hostPort: null });
      continue;
    }
    const hostPort = typeof publicPort === 'number' ? parsePort(String(publicPort)) : null;
    if (hostPort === null) warnings.push(`Docker reported host port "${String(publicPort).slice(0, 20)}" for ${key}; it was ignored.`);
    else port.published.push({ hostIp, hostPort });
  }
  return [...ports.values()].sort((a, b) => a.port - b.port || a.proto.localeCompare(b.proto));
}

function readNetworks(networks: Record<string, unknown> | null, warnings: string[]): ContainerNetwork[] {
  if (networks === null) return [];
  return Object.entries(networks)
    .map(([name, settings]) => {
      const v6Text = stringField(settings, 'GlobalIPv6Address') ?? '';
      const v4Text = stringField(settings, 'IPAddress') ?? '';
      const ipv6 = v6Text === '' ? null : canonicalIpv6(v6Text);
      const ipv4 = v4Text !== '' && ipaddr.IPv4.isValidFourPartDecimal(v4Text) ? v4Text : null;
      if (v6Text !== '' && ipv6 === null) warnings.push(`Docker reported "${v6Text.slice(0, 60)}" as an IPv6 address on network ${name}; it was ignored.`);
      return { name, ipv6, ipv4 };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

function parsePortKey(key: string): { port: number; proto: Proto } | { unsupported: string } | null {
  const match = /^(\d+)\/([a-z]+)$/.exec(key);
  const port = parsePort(match?.[1] ?? '');
  if (match === null || port === null) return null;
  const proto = match[2];
  return proto === 'tcp' || proto === 'udp' ? { port, proto } : { unsupported: proto ?? '' };
}

/**
 * Exposed ports (Config.ExposedPorts) and their bindings (NetworkSettings.Ports):
 * null bindings mean exposed but not published; an empty HostPort is what a
 * routed-mode IPv6 network reports.
 */
function readPorts(exposed: Record<string, unknown> | null, bound: Record<string, unknown> | null, warnings: string[]): ContainerPort[] {
  const ports = new Map<string, ContainerPort>();
  for (const key of [...Object.keys(exposed ?? {}), ...Object.keys(bound ?? {})]) {
    const parsed = parsePortKey(key);
    if (parsed === null) {
      warnings.push(`Docker reported a port v6wall cannot read: "${key.slice(0, 40)}".`);
      continue;
    }
    if ('unsupported' in parsed) continue; // sctp: ufw rules here are tcp/udp only
    const bindings = field(bound, key);
    const published = Array.isArray(bindings) ? bindings.flatMap((binding) => readBinding(binding, key, warnings)) : [];
    const existing = ports.get(key);
    if (existing === undefined) ports.set(key, { port: parsed.port, proto: parsed.proto, published });
    else if (existing.published.length === 0) existing.published = published;
  }
  return [...ports.values()].sort((a, b) => a.port - b.port || a.proto.localeCompare(b.proto));
}

function readBinding(binding: unknown, key: string, warnings: string[]): PublishedBinding[] {
  if (!isRecord(binding)) return [];
  const hostIp = stringField(binding, 'HostIp') ?? '';
  const hostPortText = stringField(binding, 'HostPort') ?? '';
  if (hostPortText === '') return [{ hostIp, hostPort: null }];
  const hostPort = parsePort(hostPortText);
  if (hostPort === null) {
    warnings.push(`Docker reported host port "${hostPortText.slice(0, 20)}" for ${key}; it was ignored.`);
    return [];
  }
  return [{ hostIp, hostPort }];
}

/**
 * The running containers: `docker ps` decides which, `docker inspect` adds
 * the details. A container that vanished between the two calls keeps what
 * ps knew, with a warning.
 */
export function mergeContainers(ps: readonly DockerPsEntry[], inspected: readonly Container[]): Parsed<Container[]> {
  const warnings: string[] = [];
  const containers = ps.map((entry): Container => {
    const details = inspected.find((container) => container.id === entry.id || container.id.startsWith(entry.id));
    // A container that is not running has no bindings; its ports are left out, as the Engine API's list does.
    if (details !== undefined)
      return { ...details, name: details.name || entry.name, image: details.image || entry.image, ports: details.state === 'running' ? details.ports : [] };
    warnings.push(`Container ${entry.name || entry.id.slice(0, 12)} could not be inspected (it may have just stopped).`);
    return { id: entry.id, name: entry.name, image: entry.image, state: entry.state, networks: [], ports: [] };
  });
  return { value: containers.sort((a, b) => a.name.localeCompare(b.name)), warnings };
}

/** The ids to pass to the one `docker inspect` call. */
export function containerIds(ps: readonly DockerPsEntry[]): string[] {
  return [...new Set(ps.map((entry) => entry.id))];
}
