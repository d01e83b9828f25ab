// What the Containers and Exposure screens show, derived from the facts.
import type { Container, ContainerPort, Exposure, ExposureChoice, Facts, Proto } from '../core/types.js';
import { containerIpv6Addresses } from '../core/container-addresses.js';

/** One way to expose a port: route to the container, or allow one of its published host ports. */
export type ExposureOption = { exposure: 'route' } | { exposure: 'publish'; hostPort: number } | { exposure: 'skip' };

export interface ExposureRow {
  key: string;
  container: string;
  port: number;
  proto: Proto;
  /** The container's global IPv6 addresses; empty means route is impossible. */
  addresses: string[];
  /** Distinct published host ports. */
  hostPorts: number[];
  options: ExposureOption[];
}

export function portKey(container: string, port: number, proto: Proto): string {
  return `${container}|${port}/${proto}`;
}

/** Host ports published on an IPv6 (or any-family) address: an IPv4-only binding is no way in over IPv6. */
export function publishedHostPorts(port: ContainerPort): number[] {
  const ports = port.published
    .filter((binding) => binding.hostIp === '' || binding.hostIp.includes(':'))
    .map((binding) => binding.hostPort)
    .filter((value): value is number => value !== null);
  return [...new Set(ports)].sort((a, b) => a - b);
}

/** Exposed in the image but not published: a route rule (or no firewall) still makes it reachable. */
export function isUnpublished(port: ContainerPort): boolean {
  return publishedHostPorts(port).length === 0;
}

export function exposureOptions(container: Container, port: ContainerPort): ExposureOption[] {
  const options: ExposureOption[] = [];
  if (containerIpv6Addresses(container).length > 0) options.push({ exposure: 'route' });
  for (const hostPort of publishedHostPorts(port)) options.push({ exposure: 'publish', hostPort });
  options.push({ exposure: 'skip' });
  return options;
}

export function exposureRows(facts: Facts, selected: readonly string[]): ExposureRow[] {
  const chosen = new Set(selected);
  return facts.docker.containers
    .filter((container) => chosen.has(container.name))
    .flatMap((container) =>
      container.ports.map((port) => ({
        key: portKey(container.name, port.port, port.proto),
        container: container.name,
        port: port.port,
        proto: port.proto,
        addresses: containerIpv6Addresses(container),
        hostPorts: publishedHostPorts(port),
        options: exposureOptions(container, port),
      })),
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
