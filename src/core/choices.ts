// From what the operator typed (flags) or what is already in place to Choices.
import type { ChoiceError, Choices, ExposureChoice, Facts, Proto, Result } from './types.js';
import { containerIpv6Addresses } from './container-addresses.js';
import { parseRuleComment } from './rule-comment.js';
import { staleRules } from './stale-rules.js';
import { parsePort } from './validate.js';

export interface SelectionFlags {
  /** Numbers, or 'auto' for the detected ports. Empty means auto. */
  sshPorts: (number | 'auto')[];
  route: string[];
  publish: string[];
  removeStale?: boolean;
}

interface PortSpec {
  name: string;
  port: number;
  proto: Proto;
}

/** "NAME:PORT[/tcp|/udp]" → parts, or a message saying what is wrong. */
export function parsePortSpec(text: string): PortSpec | string {
  const match = /^([^:\s]+):([^/\s]+)(?:\/(tcp|udp))?$/.exec(text);
  if (!match) return 'expected NAME:PORT or NAME:PORT/tcp or NAME:PORT/udp';
  const port = parsePort(match[2] ?? '');
  if (port === null) return `"${match[2]}" is not a port (1-65535)`;
  return { name: match[1] ?? '', port, proto: (match[3] as Proto | undefined) ?? 'tcp' };
}

/** "22", "2222" or "auto" → the flag's value, or null. */
export function parseSshPortFlag(text: string): number | 'auto' | null {
  return text === 'auto' ? 'auto' : parsePort(text);
}

function knownNames(facts: Facts): string {
  const names = facts.docker.containers.map((container) => container.name);
  if (names.length === 0) return facts.docker.available ? 'no containers are running' : `Docker is not available: ${facts.docker.reason ?? 'unknown reason'}`;
  const shown = names.slice(0, 8).join(', ');
  return `known: ${shown}${names.length > 8 ? `, and ${names.length - 8} more` : ''}`;
}

function reject(errors: ChoiceError[], choice: string, message: string): null {
  errors.push({ choice, message });
  return null;
}

function resolveRoute(facts: Facts, text: string, errors: ChoiceError[]): ExposureChoice | null {
  const choice = `--route ${text}`;
  const spec = parsePortSpec(text);
  if (typeof spec === 'string') return reject(errors, choice, spec);
  const container = facts.docker.containers.find((candidate) => candidate.name === spec.name);
  if (!container) return reject(errors, choice, `no container named "${spec.name}" (${knownNames(facts)})`);
  const port = container.ports.find((candidate) => candidate.port === spec.port && candidate.proto === spec.proto);
  if (!port) {
    const exposed = container.ports.map((candidate) => `${candidate.port}/${candidate.proto}`).join(', ') || 'none';
    return reject(errors, choice, `${spec.name} does not expose ${spec.port}/${spec.proto} (exposed: ${exposed})`);
  }
  if (containerIpv6Addresses(container).length === 0) {
    return reject(errors, choice, `${spec.name} has no global IPv6 address, so there is nothing to route to; use --publish for a published host port`);
  }
  return { container: container.name, port: port.port, proto: port.proto, exposure: 'route' };
}

function resolvePublish(facts: Facts, text: string, errors: ChoiceError[]): ExposureChoice | null {
  const choice = `--publish ${text}`;
  const spec = parsePortSpec(text);
  if (typeof spec === 'string') return reject(errors, choice, spec);
  const container = facts.docker.containers.find((candidate) => candidate.name === spec.name);
  if (!container) return reject(errors, choice, `no container named "${spec.name}" (${knownNames(facts)})`);
  const port = container.ports.find(
    (candidate) => candidate.proto === spec.proto && candidate.published.some((binding) => binding.hostPort === spec.port),
  );
  if (!port) {
    const published = container.ports
      .flatMap((candidate) => candidate.published.map((binding) => binding.hostPort === null ? null : `${binding.hostPort}/${candidate.proto}`))
      .filter((value): value is string => value !== null);
    const list = [...new Set(published)].join(', ') || 'none';
    return reject(errors, choice, `${spec.name} does not publish host port ${spec.port}/${spec.proto} (published: ${list})`);
  }
  return { container: container.name, port: port.port, proto: port.proto, exposure: 'publish', hostPort: spec.port };
}

/** The flags of `v6wall plan` / `v6wall apply` checked against this host. */
export function resolveChoices(facts: Facts, flags: SelectionFlags): Result<Choices> {
  const errors: ChoiceError[] = [];
  const explicit = flags.sshPorts.filter((port): port is number => port !== 'auto');
  const auto = flags.sshPorts.length === 0 || flags.sshPorts.includes('auto');
  const sshPorts = [...new Set([...(auto ? facts.ssh.ports : []), ...explicit])].sort((a, b) => a - b);
  const exposures = [
    ...flags.route.map((text) => resolveRoute(facts, text, errors)),
    ...flags.publish.map((text) => resolvePublish(facts, text, errors)),
  ].filter((choice): choice is ExposureChoice => choice !== null);
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, value: { sshPorts, exposures, removeStale: flags.removeStale ?? false } };
}

/** The container, its port and (for publish) the host port are all still there. */
function stillPossible(facts: Facts, choice: ExposureChoice): boolean {
  const container = facts.docker.containers.find((candidate) => candidate.name === choice.container);
  const port = container?.ports.find((candidate) => candidate.port === choice.port && candidate.proto === choice.proto);
  if (container === undefined || port === undefined) return false;
  if (choice.exposure === 'route') return containerIpv6Addresses(container).length > 0;
  return port.published.some((binding) => binding.hostPort === choice.hostPort);
}

/** Exposures v6wall applied earlier, read back from its rule comments. */
export function exposuresInPlace(facts: Facts): ExposureChoice[] {
  const found = new Map<string, ExposureChoice>();
  for (const rule of facts.ufw.rules) {
    const tag = parseRuleComment(rule.comment);
    if (tag === null || tag.kind === 'ssh') continue;
    const choice: ExposureChoice = { container: tag.container, port: tag.port, proto: tag.proto, exposure: tag.kind };
    if (tag.kind === 'publish' && tag.hostPort !== undefined) choice.hostPort = tag.hostPort;
    found.set(`${tag.container}|${tag.port}|${tag.proto}|${tag.kind}|${tag.hostPort ?? ''}`, choice);
  }
  return [...found.values()];
}

/**
 * Where the wizard starts (the guided re-run): detected SSH ports, what is
 * already exposed, and the removal of v6wall's rules that point at containers
 * that are gone or have a new address (that address may go to another container).
 */
export function defaultChoices(facts: Facts): Choices {
  return {
    sshPorts: [...facts.ssh.ports],
    exposures: exposuresInPlace(facts).filter((choice) => stillPossible(facts, choice)),
    removeStale: staleRules(facts).length > 0,
  };
}
