// What the Containers and Exposure screens show, derived from the facts.
import type { Container, ContainerPort, Exposure, ExposureChoice, Facts, Proto } from '../core/types.js';
import { containerIpv6Addresses } from '../core/container-addresses.js';
import { type DockerFirewallMode, type NetworkFirewallMode, type Support, dockerFirewallMode, exposureSupport, ipv6HostPorts } from '../core/docker-mode.js';

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
  return onIpv6 ?? { name: container.networks[0]?.name ?? 'its network', bridge: null, subnets: [], gatewayMode: 'nat', directDroppedByDocker: false, summary: '' };
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

export function exposureRows(facts: Facts, selected: readonly string[]): ExposureRow[] {
  const chosen = new Set(selected);
  const mode = dockerFirewallMode(facts.docker);
  return facts.docker.containers
    .filter((container) => chosen.has(container.name))
    .flatMap((container) =>
      container.ports.map((port) => {
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
        };
      }),
    );
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

export function toExposureChoice(row: ExposureRow, option: ExposureOption): ExposureChoice {
  const choice: ExposureChoice = { container: row.container, port: row.port, proto: row.proto, exposure: option.exposure as Exposure };
  if (option.exposure === 'publish') choice.hostPort = option.hostPort;
  return choice;
}

/** What a user would type in a browser to reach this port once exposed. */
export function browseAddress(row: ExposureRow, option: ExposureOption): string | null {
  if (option.exposure === 'skip') return null;
  if (option.exposure === 'route') {
    const address = row.addresses[0];
    if (address === undefined) return null;
    return row.port === 80 ? `http://[${address}]/` : `http://[${address}]:${row.port}/`;
  }
  return `http://[host]:${option.hostPort}/`;
}

export function optionLabel(option: ExposureOption): string {
  if (option.exposure === 'publish') return `publish :${option.hostPort}`;
  return option.exposure;
}
