// What the Containers and Exposure screens show, derived from the facts.
import type { Exposure, ExposureChoice } from '../core/types/choices.js';
import type { Container, ContainerPort, Facts, Proto } from '../core/types/facts.js';
import { containerIpv6Addresses } from '../core/container-addresses.js';
import { type DockerFirewallMode, type NetworkFirewallMode, type Support, dockerFirewallMode, exposureSupport, ipv6HostPorts } from '../core/docker-mode.js';
import { backendOf } from '../core/backend.js';
import { openingTagsInPlace } from '../core/openings-in-place.js';
import type { OpeningTag } from '../core/rule-comment.js';

/** One way to expose a port: route to the container, or allow one of its published host ports. */
export type ExposureOption = { exposure: 'route' } | { exposure: 'publish'; hostPort: number } | { exposure: 'skip' };

export interface ExposureRow {
  key: string;
  container: string;
  port: number;
  proto: Proto;
  /** The container's global IPv6 addresses; empty means route is impossible. */
  addresses: string[];
  /** Host ports published for IPv6. */
  hostPorts: number[];
  /** Whether route and publish work with this host's Docker, and why (core/docker-mode). */
  support: { route: Support; publish: Support };
  /** Only the ways that work here, then skip. */
  options: ExposureOption[];
  /** The container is stopped: the row holds an opening v6wall keeps for it, which can only be kept or closed. */
  stopped: boolean;
  /** false: Docker does not know the port, but something listens on it. */
  declared: boolean;
  /** Whether something listens on it over IPv6; undefined when not read. */
  listening: boolean | undefined;
}

export function portKey(container: string, port: number, proto: Proto): string {
  return `${container}|${port}/${proto}`;
}

/** Host ports published for IPv6: an IPv4-only binding is no way in over IPv6. */
export const publishedHostPorts = ipv6HostPorts;

/** Exposed in the image but not published: a route rule (or no firewall) still makes it reachable. */
export function isUnpublished(port: ContainerPort): boolean {
  return publishedHostPorts(port).length === 0;
}

/** The container's first IPv6 network as Docker's firewall treats it; a plain nat network when it has none. */
function networkOf(mode: DockerFirewallMode, container: Container): NetworkFirewallMode {
  const onIpv6 = mode.networks.find((network) => container.networks.some((joined) => joined.name === network.name && joined.ipv6 !== null));
  return (
    onIpv6 ?? { name: container.networks[0]?.name ?? 'its network', bridge: null, subnets: [], gatewayMode: 'nat', directDroppedByDocker: false, summary: '' }
  );
}

function portSupport(mode: DockerFirewallMode, container: Container, port: ContainerPort): ExposureRow['support'] {
  const support = exposureSupport(mode, networkOf(mode, container), port);
  if (containerIpv6Addresses(container).length > 0) return support;
  return { ...support, route: { works: false, why: `${container.name} has no global IPv6 address, so there is nothing to route to.` } };
}

export function exposureOptions(support: ExposureRow['support'], port: ContainerPort): ExposureOption[] {
  const options: ExposureOption[] = [];
  if (support.route.works) options.push({ exposure: 'route' });
  if (support.publish.works) for (const hostPort of publishedHostPorts(port)) options.push({ exposure: 'publish', hostPort });
  options.push({ exposure: 'skip' });
  return options;
}

/** A stopped container's rows: the openings v6wall has in place for it, to keep or to close. */
function stoppedRows(container: Container, tags: readonly OpeningTag[]): ExposureRow[] {
  const ports = new Map<string, OpeningTag[]>();
  for (const tag of tags.filter((t) => t.container === container.name)) {
    const key = portKey(container.name, tag.port, tag.proto);
    ports.set(key, [...(ports.get(key) ?? []), tag]);
  }
  const kept: Support = {
    works: true,
    why: `${container.name} is ${container.state || 'not running'}: v6wall keeps this opening as it is, and it works again when the container starts.`,
  };
  const none: Support = { works: false, why: `${container.name} is ${container.state || 'not running'}: start it to open its ports another way.` };
  return [...ports.entries()].map(([key, found]) => {
    const first = found[0] as OpeningTag;
    const options: ExposureOption[] = [];
    for (const tag of found) {
      const option: ExposureOption =
        tag.kind === 'publish' && tag.hostPort !== undefined ? { exposure: 'publish', hostPort: tag.hostPort } : { exposure: 'route' };
      if (!options.some((known) => sameOption(known, option))) options.push(option);
    }
    options.push({ exposure: 'skip' });
    return {
      key,
      container: container.name,
      port: first.port,
      proto: first.proto,
      addresses: [],
      hostPorts: found.flatMap((tag) => (tag.hostPort === undefined ? [] : [tag.hostPort])),
      support: { route: found.some((t) => t.kind === 'route') ? kept : none, publish: found.some((t) => t.kind === 'publish') ? kept : none },
      options,
      stopped: true,
      declared: true,
      listening: undefined,
    };
  });
}

export function exposureRows(facts: Facts, selected: readonly string[]): ExposureRow[] {
  const chosen = new Set(selected);
  const mode = dockerFirewallMode(facts.docker, backendOf(facts).kind);
  const tags = openingTagsInPlace(facts);
  return facts.docker.containers
    .filter((container) => chosen.has(container.name))
    .flatMap((container) => {
      if (container.state !== 'running') return stoppedRows(container, tags);
      return container.ports.map((port) => {
        const support = portSupport(mode, container, port);
        return {
          key: portKey(container.name, port.port, port.proto),
          container: container.name,
          port: port.port,
          proto: port.proto,
          addresses: containerIpv6Addresses(container),
          hostPorts: publishedHostPorts(port),
          support,
          options: exposureOptions(support, port),
          stopped: false,
          declared: port.declared !== false,
          listening: port.listening,
        };
      });
    });
}

export function sameOption(a: ExposureOption, b: ExposureOption): boolean {
  return a.exposure === b.exposure && (a.exposure !== 'publish' || (b.exposure === 'publish' && a.hostPort === b.hostPort));
}

/** A published port is what the operator chose to make public; route is next best; skip when neither is possible. */
export function suggestedOption(row: ExposureRow): ExposureOption {
  return row.options.find((option) => option.exposure === 'publish') ?? row.options[0] ?? { exposure: 'skip' };
}

export function optionFromChoice(choice: ExposureChoice): ExposureOption {
  if (choice.exposure === 'publish' && choice.hostPort !== undefined) return { exposure: 'publish', hostPort: choice.hostPort };
  if (choice.exposure === 'route') return { exposure: 'route' };
  return { exposure: 'skip' };
}

/** One choice per source (none: from anywhere). */
export function toExposureChoices(row: ExposureRow, option: ExposureOption, sources: readonly string[]): ExposureChoice[] {
  const choice: ExposureChoice = { container: row.container, port: row.port, proto: row.proto, exposure: option.exposure as Exposure };
  if (option.exposure === 'publish') choice.hostPort = option.hostPort;
  return sources.length === 0 ? [choice] : sources.map((source) => ({ ...choice, source }));
}

/** The URL scheme a container port speaks by convention, or null when it is not a web port (a database, DNS...). */
export function webScheme(port: number, proto: string): 'http' | 'https' | null {
  if (proto !== 'tcp') return null;
  if ([443, 8443].includes(port)) return 'https';
  return [80, 3000, 5000, 8000, 8008, 8080, 8081, 8088, 8888].includes(port) ? 'http' : null;
}

/** Where people reach this port once exposed: a URL for a web port, [address]:port otherwise. */
export function browseAddress(row: ExposureRow, option: ExposureOption): string | null {
  if (option.exposure === 'skip') return null;
  const scheme = webScheme(row.port, row.proto);
  const at = (address: string, port: number): string => {
    if (scheme === null) return `[${address}]:${port}/${row.proto}`;
    const standard = (scheme === 'http' && port === 80) || (scheme === 'https' && port === 443);
    return `${scheme}://[${address}]${standard ? '' : `:${port}`}/`;
  };
  if (option.exposure === 'route') {
    const address = row.addresses[0];
    if (address === undefined) return row.stopped ? 'kept while the container is stopped' : null;
    return at(address, row.port);
  }
  return at('host', option.hostPort);
}

export function optionLabel(option: ExposureOption): string {
  if (option.exposure === 'publish') return `publish :${option.hostPort}`;
  return option.exposure;
}
