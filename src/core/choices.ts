// From what the operator typed (flags) or what is already in place to Choices.
import type { ChoiceError, Choices, CloseChoice, ExposureChoice } from './types/choices.js';
import type { Container, Facts, Proto } from './types/facts.js';
import type { Result } from './types/result.js';
import { containerIpv6Addresses } from './container-addresses.js';
import { openingTagsInPlace } from './openings-in-place.js';
import { openingKey, type OpeningTag } from './rule-comment.js';
import { parseSource } from './sources.js';
import { staleRules } from './stale-rules.js';
import { parsePort } from './port.js';

export interface SelectionFlags {
  /** Numbers, or 'auto' for the detected ports. Empty means auto. */
  sshPorts: (number | 'auto')[];
  route: string[];
  publish: string[];
  /** `--close NAME:PORT[/PROTO][@SOURCE]`, repeatable. */
  close?: string[];
  /** v6wall's openings not named are closed. */
  exact?: boolean;
  removeStale?: boolean;
}

interface PortSpec {
  name: string;
  port: number;
  /** Absent when the text named none. */
  proto?: Proto;
  source?: string;
}

/** "NAME:PORT[/tcp|/udp][@SOURCE]" → parts, or a message saying what is wrong. */
export function parsePortSpec(text: string): PortSpec | string {
  const match = /^([^:\s@]+):([^/@\s]+)(?:\/(tcp|udp))?(?:@(\S+))?$/.exec(text);
  if (!match) return 'expected NAME:PORT or NAME:PORT/tcp or NAME:PORT/udp, optionally followed by @SOURCE (an IPv6 address or network)';
  const port = parsePort(match[2] ?? '');
  if (port === null) return `"${match[2]}" is not a port (1-65535)`;
  const spec: PortSpec = { name: match[1] ?? '', port };
  if (match[3] !== undefined) spec.proto = match[3] as Proto;
  if (match[4] !== undefined) {
    const source = parseSource(match[4]);
    if (!source.ok) return source.error;
    spec.source = source.value;
  }
  return spec;
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

/** A stopped container keeps its openings; a new one waits until it runs (it has no address or ports until then). */
function stoppedChoice(facts: Facts, container: Container, wanted: OpeningTag, choice: string, errors: ChoiceError[]): ExposureChoice | null {
  const inPlace = openingTagsInPlace(facts).some((tag) => openingKey(tag) === openingKey(wanted) && tag.source === wanted.source);
  if (!inPlace)
    return reject(
      errors,
      choice,
      `${container.name} is ${container.state || 'not running'}: start it first (docker start ${container.name}), so v6wall can read its address and ports`,
    );
  const exposure: ExposureChoice = { container: container.name, port: wanted.port, proto: wanted.proto, exposure: wanted.kind };
  if (wanted.hostPort !== undefined) exposure.hostPort = wanted.hostPort;
  if (wanted.source !== undefined) exposure.source = wanted.source;
  return exposure;
}

function withSource(choice: ExposureChoice, source: string | undefined): ExposureChoice {
  return source === undefined ? choice : { ...choice, source };
}

function resolveRoute(facts: Facts, text: string, errors: ChoiceError[]): ExposureChoice | null {
  const choice = `--route ${text}`;
  const spec = parsePortSpec(text);
  if (typeof spec === 'string') return reject(errors, choice, spec);
  const proto = spec.proto ?? 'tcp';
  const container = facts.docker.containers.find((candidate) => candidate.name === spec.name);
  if (!container) return reject(errors, choice, `no container named "${spec.name}" (${knownNames(facts)})`);
  if (container.state !== 'running') {
    return stoppedChoice(
      facts,
      container,
      { kind: 'route', container: container.name, port: spec.port, proto, ...(spec.source === undefined ? {} : { source: spec.source }) },
      choice,
      errors,
    );
  }
  const port = container.ports.find((candidate) => candidate.port === spec.port && candidate.proto === proto);
  if (!port) {
    const exposed = container.ports.map((candidate) => `${candidate.port}/${candidate.proto}`).join(', ') || 'none';
    return reject(errors, choice, `${spec.name} does not expose ${spec.port}/${proto}, and nothing listens on it over IPv6 (exposed or listening: ${exposed})`);
  }
  if (containerIpv6Addresses(container).length === 0) {
    return reject(errors, choice, `${spec.name} has no global IPv6 address, so there is nothing to route to; use --publish for a published host port`);
  }
  return withSource({ container: container.name, port: port.port, proto: port.proto, exposure: 'route' }, spec.source);
}

function resolvePublish(facts: Facts, text: string, errors: ChoiceError[]): ExposureChoice | null {
  const choice = `--publish ${text}`;
  const spec = parsePortSpec(text);
  if (typeof spec === 'string') return reject(errors, choice, spec);
  const proto = spec.proto ?? 'tcp';
  const container = facts.docker.containers.find((candidate) => candidate.name === spec.name);
  if (!container) return reject(errors, choice, `no container named "${spec.name}" (${knownNames(facts)})`);
  if (container.state !== 'running') {
    const tag = openingTagsInPlace(facts).find(
      (candidate) => candidate.kind === 'publish' && candidate.container === container.name && candidate.hostPort === spec.port && candidate.proto === proto,
    );
    const wanted: OpeningTag = {
      kind: 'publish',
      container: container.name,
      port: tag?.port ?? spec.port,
      proto,
      hostPort: spec.port,
      ...(spec.source === undefined ? {} : { source: spec.source }),
    };
    return stoppedChoice(facts, container, wanted, choice, errors);
  }
  const port = container.ports.find((candidate) => candidate.proto === proto && candidate.published.some((binding) => binding.hostPort === spec.port));
  if (!port) {
    const published = container.ports
      .flatMap((candidate) => candidate.published.map((binding) => (binding.hostPort === null ? null : `${binding.hostPort}/${candidate.proto}`)))
      .filter((value): value is string => value !== null);
    const list = [...new Set(published)].join(', ') || 'none';
    return reject(errors, choice, `${spec.name} does not publish host port ${spec.port}/${proto} (published: ${list})`);
  }
  return withSource({ container: container.name, port: port.port, proto: port.proto, exposure: 'publish', hostPort: spec.port }, spec.source);
}

function resolveClose(facts: Facts, text: string, errors: ChoiceError[], notes: string[]): CloseChoice | null {
  const choice = `--close ${text}`;
  const spec = parsePortSpec(text);
  if (typeof spec === 'string') return reject(errors, choice, spec);
  const close: CloseChoice = { container: spec.name, port: spec.port };
  if (spec.proto !== undefined) close.proto = spec.proto;
  if (spec.source !== undefined) close.source = spec.source;
  const tags = openingTagsInPlace(facts).filter((tag) => tag.container === spec.name);
  const known = facts.docker.containers.some((container) => container.name === spec.name);
  if (!known && tags.length === 0) return reject(errors, choice, `no container named "${spec.name}" and no opening of v6wall's for it (${knownNames(facts)})`);
  const matches = tags.some(
    (tag) =>
      (tag.port === spec.port || (tag.kind === 'publish' && tag.hostPort === spec.port)) &&
      (spec.proto === undefined || tag.proto === spec.proto) &&
      (spec.source === undefined || tag.source === spec.source),
  );
  if (!matches)
    notes.push(`${choice}: v6wall has no opening of ${spec.name} on ${spec.port}${spec.source === undefined ? '' : ` from ${spec.source}`}; nothing to close.`);
  return close;
}

/** The same port chosen and closed in one command is a contradiction, not a plan. */
function conflicts(exposures: readonly ExposureChoice[], close: readonly CloseChoice[]): ChoiceError[] {
  return close.flatMap((c) =>
    exposures
      .filter(
        (e) =>
          e.container === c.container &&
          (c.proto === undefined || c.proto === e.proto) &&
          (c.port === e.port || c.port === e.hostPort) &&
          (c.source === undefined || c.source === e.source),
      )
      .map((e) => ({
        choice: `--close ${c.container}:${c.port}`,
        message: `${e.container}:${e.exposure === 'publish' ? e.hostPort : e.port} is also chosen to be opened (--${e.exposure}): choose one`,
      })),
  );
}

/** The flags of `v6wall plan` / `v6wall apply` checked against this host; notes say what a flag changes nothing about. */
export function resolveChoices(facts: Facts, flags: SelectionFlags): Result<Choices> & { notes?: string[] } {
  const errors: ChoiceError[] = [];
  const notes: string[] = [];
  const explicit = flags.sshPorts.filter((port): port is number => port !== 'auto');
  const auto = flags.sshPorts.length === 0 || flags.sshPorts.includes('auto');
  const sshPorts = [...new Set([...(auto ? facts.ssh.ports : []), ...explicit])].sort((a, b) => a - b);
  const exposures = [
    ...flags.route.map((text) => resolveRoute(facts, text, errors)),
    ...flags.publish.map((text) => resolvePublish(facts, text, errors)),
  ].filter((choice): choice is ExposureChoice => choice !== null);
  const close = (flags.close ?? []).map((text) => resolveClose(facts, text, errors, notes)).filter((c): c is CloseChoice => c !== null);
  errors.push(...conflicts(exposures, close));
  if (errors.length > 0) return { ok: false, errors };
  const choices: Choices = { sshPorts, exposures, scope: flags.exact ? 'exact' : 'additive' };
  if (close.length > 0) choices.close = close;
  if (flags.removeStale) choices.removeStale = true;
  return { ok: true, value: choices, notes };
}

/** The container, its port and (for publish) the host port are all still there; a stopped container keeps what it had. */
function stillPossible(facts: Facts, choice: ExposureChoice): boolean {
  const container = facts.docker.containers.find((candidate) => candidate.name === choice.container);
  if (container === undefined) return false;
  if (container.state !== 'running') return true;
  const port = container.ports.find((candidate) => candidate.port === choice.port && candidate.proto === choice.proto);
  if (port === undefined) return false;
  if (choice.exposure === 'route') return containerIpv6Addresses(container).length > 0;
  return port.published.some((binding) => binding.hostPort === choice.hostPort);
}

/** Exposures v6wall applied earlier, read back from its rule comments (one per opening and source). */
export function exposuresInPlace(facts: Facts): ExposureChoice[] {
  const found = new Map<string, ExposureChoice>();
  for (const tag of openingTagsInPlace(facts)) {
    const choice: ExposureChoice = { container: tag.container, port: tag.port, proto: tag.proto, exposure: tag.kind };
    if (tag.kind === 'publish' && tag.hostPort !== undefined) choice.hostPort = tag.hostPort;
    if (tag.source !== undefined) choice.source = tag.source;
    found.set(`${openingKey(tag)} ${tag.source ?? ''}`, choice);
  }
  return [...found.values()];
}

/**
 * Where the wizard starts (the guided re-run): detected SSH ports, what is already exposed
 * (stopped containers keep theirs), and the removal of v6wall's rules that point at containers
 * that are gone or have a new address (that address may go to another container). The wizard
 * converges: what the operator unticks is closed.
 */
export function defaultChoices(facts: Facts): Choices {
  return {
    sshPorts: [...facts.ssh.ports],
    exposures: exposuresInPlace(facts).filter((choice) => stillPossible(facts, choice)),
    scope: 'exact',
    removeStale: staleRules(facts).length > 0,
  };
}
