// The openings of a plan as an out-of-band firewall sees them: traffic arrives before the host,
// so a routed port is the container's own address and a published port is the host's address
// and host port. One pure projection that every export format reads.
import type { Choices, ExposureChoice } from './types/choices.js';
import type { Facts, Proto } from './types/facts.js';
import type { Result } from './types/result.js';
import { exposuresInPlace } from './choices.js';
import { closingReason } from './plan-closings.js';
import { openingTagOf } from './plan-openings.js';
import { canonicalIpv6, isGlobalIpv6 } from './address.js';
import { managedRulesInPlace } from './openings-in-place.js';

export type OpeningKind = 'ssh' | 'route' | 'publish';

export interface Opening {
  kind: OpeningKind;
  /** The container's name; null for SSH. */
  container: string | null;
  /** A canonical IPv6 address: the container's own (route) or the host's (ssh, publish). */
  address: string;
  /** The port the packet carries on the wire: the container port (route) or the host port (ssh, publish). */
  port: number;
  proto: Proto;
  /** Source networks allowed; empty means from anywhere. */
  sources: string[];
}

/** One line for a person: "web 80/tcp (route)". */
export function openingLabel(opening: Opening): string {
  if (opening.kind === 'ssh') return `SSH ${opening.port}/${opening.proto}`;
  return `${opening.container ?? '?'} ${opening.port}/${opening.proto} (${opening.kind})`;
}

/** The sources as text: "any", or the networks joined by ", ". */
export function sourcesText(opening: Opening): string {
  return opening.sources.length === 0 ? 'any' : opening.sources.join(', ');
}

function hostAddresses(facts: Facts): string[] {
  const addresses = facts.host.globalIpv6.map((text) => canonicalIpv6(text)).filter((address): address is string => address !== null && isGlobalIpv6(address));
  return [...new Set(addresses)];
}

/** The container's addresses; a stopped one's from its rules in place (Docker gives it none until it starts). */
function containerAddresses(facts: Facts, name: string, choice: ExposureChoice): string[] {
  const container = facts.docker.containers.find((candidate) => candidate.name === name);
  const running = (container?.networks ?? []).map((network) => network.ipv6);
  const kept = running.every((address) => address === null)
    ? managedRulesInPlace(facts)
        .filter(({ tag, spec }) => spec.route && tag.kind === 'route' && tag.container === name && tag.port === choice.port && tag.proto === choice.proto)
        .map(({ spec }) => spec.to)
    : [];
  const addresses = [...running, ...kept]
    .map((address) => (address === null ? null : canonicalIpv6(address)))
    .filter((address): address is string => address !== null && isGlobalIpv6(address));
  return [...new Set(addresses)];
}

/**
 * What stays open once the plan has run: the chosen exposures and, unless --exact, v6wall's
 * openings already in place that the plan does not close.
 */
function openExposures(facts: Facts, choices: Choices): ExposureChoice[] {
  const chosen = choices.exposures.filter((choice) => choice.exposure !== 'skip');
  const kept = choices.scope === 'exact' ? [] : exposuresInPlace(facts).filter((choice) => closingReason(choices, openingTagOf(choice), null) === null);
  return [...chosen, ...kept];
}

/**
 * Every opening of these choices on this host, SSH first. The choices must already have passed
 * the planner (it names bad containers and ports); this only refuses what an outside firewall
 * cannot be told: an opening with no global address to point at.
 */
export function openingsOf(facts: Facts, choices: Choices): Result<Opening[]> {
  const host = hostAddresses(facts);
  const openings: Opening[] = [];
  const errors: { choice: string; message: string }[] = [];
  const needHost = (choice: string): boolean => {
    if (host.length > 0) return true;
    errors.push({ choice, message: 'this host has no global IPv6 address, so an outside firewall has no address to open' });
    return false;
  };
  for (const port of choices.sshPorts) {
    if (!needHost(`--ssh-port ${port}`)) continue;
    for (const address of host) openings.push({ kind: 'ssh', container: null, address, port, proto: 'tcp', sources: [] });
  }
  for (const choice of openExposures(facts, choices)) {
    const sources = choice.source === undefined ? [] : [choice.source];
    if (choice.exposure === 'route') {
      const addresses = containerAddresses(facts, choice.container, choice);
      if (addresses.length === 0)
        errors.push({ choice: `--route ${choice.container}:${choice.port}/${choice.proto}`, message: `${choice.container} has no global IPv6 address` });
      for (const address of addresses) openings.push({ kind: 'route', container: choice.container, address, port: choice.port, proto: choice.proto, sources });
    } else if (choice.exposure === 'publish' && choice.hostPort !== undefined) {
      if (!needHost(`--publish ${choice.container}:${choice.hostPort}/${choice.proto}`)) continue;
      for (const address of host) {
        openings.push({ kind: 'publish', container: choice.container, address, port: choice.hostPort, proto: choice.proto, sources });
      }
    }
  }
  if (errors.length > 0) return { ok: false, errors };
  const seen = new Set<string>();
  const unique = openings.filter((opening) => {
    const key = `${opening.address}|${opening.port}|${opening.proto}|${opening.sources.join(',')}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return { ok: true, value: unique };
}
