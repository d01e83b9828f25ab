// What one chosen opening needs on this host: the UFW allow rules (each with its why), or why it
// cannot work. Route: a rule per container address. Publish: an allow rule for the host port, or,
// where Docker forwards the host port to the container (DOCKER-USER block, nftables), a route
// rule to the container's address and port. A source narrows each rule to that address or network.
import type { AllowSpec } from './types/plan.js';
import type { ExposureChoice } from './types/choices.js';
import type { Container, ContainerPort, Facts } from './types/facts.js';
import { type DockerFirewallMode, type Support, exposureSupport } from './docker-mode.js';
import { addressesWithNetworks, type PlanContext } from './plan-docker.js';
import { formatRuleComment, openingKey, type OpeningTag } from './rule-comment.js';
import { describeSource } from './sources.js';

import { isValidContainerName } from './container-name.js';
import { isValidPort } from './port.js';
import type { ManagedRule } from './managed-rules.js';

export interface DesiredRule {
  kind: 'route' | 'publish';
  why: string;
  spec: AllowSpec;
}

/** IPv6-only hosts (and rules from an IPv6 source, which ufw writes for IPv6 only) get `to ::/0`, so UFW writes no useless IPv4 rules. */
export function anyDestination(facts: Facts, source?: string): string {
  return facts.host.hasIpv4 && source === undefined ? 'any' : '::/0';
}

export function choiceLabel(choice: ExposureChoice): string {
  const flag = choice.exposure === 'publish' ? '--publish' : '--route';
  const port = choice.exposure === 'publish' ? choice.hostPort : choice.port;
  return `${flag} ${choice.container}:${port}/${choice.proto}${choice.source === undefined ? '' : `@${choice.source}`}`;
}

export function openingTagOf(choice: ExposureChoice): OpeningTag {
  const tag: OpeningTag = { kind: choice.exposure === 'publish' ? 'publish' : 'route', container: choice.container, port: choice.port, proto: choice.proto };
  if (choice.exposure === 'publish' && choice.hostPort !== undefined) tag.hostPort = choice.hostPort;
  if (choice.source !== undefined) tag.source = choice.source;
  return tag;
}

/** Why an exposure cannot work, or how it works only in Docker's way, with the change that would alter that. */
function supportMessage(support: Support): string {
  if (support.fix === undefined) return support.why;
  if (!support.works) return `${support.why} To make it work: ${support.fix}.`;
  return `${support.why} ${support.fix.charAt(0).toUpperCase()}${support.fix.slice(1)}.`;
}

/** Docker forwards the published port to the container's own address: UFW decides in FORWARD, by route rule. */
export function publishGoesThroughForward(mode: DockerFirewallMode): boolean {
  return mode.kind === 'ip6tables-on-docker-user' || mode.kind === 'nftables';
}

/** A source limit that Docker's own accepts would ignore is refused rather than shown as holding. */
function sourceRefusal(mode: DockerFirewallMode, port: ContainerPort, choice: ExposureChoice): string | null {
  if (choice.source === undefined || mode.kind !== 'ip6tables-on-no-docker-user') return null;
  if (port.published.length === 0) return null;
  return `Docker accepts ${port.port}/${port.proto} (published) for everyone before UFW sees it, so a source limit cannot hold: to let UFW decide, upgrade Docker to 23 or later (v6wall then adds its DOCKER-USER block) or set "ip6tables": false in /etc/docker/daemon.json and restart Docker`;
}

const fromWords = (choice: ExposureChoice): string => (choice.source === undefined ? 'the internet' : choice.source);

/** The rules one running container's opening needs; errors go to the context. */
function runningOpening(context: PlanContext, container: Container, port: ContainerPort, choice: ExposureChoice): DesiredRule[] {
  const { facts, mode } = context;
  const label = choiceLabel(choice);
  const fail = (message: string): DesiredRule[] => {
    context.errors.push({ choice: label, message });
    return [];
  };
  const refused = sourceRefusal(mode, port, choice);
  if (refused !== null) return fail(refused);
  if (port.listening === false) {
    context.notes.push(
      `${container.name} ${port.port}/${port.proto}: nothing inside the container listens on it over IPv6 right now; the opening is made, but nothing will answer until a service listens there.`,
    );
  }
  const placed = addressesWithNetworks(context, container);
  const comment = formatRuleComment(openingTagOf(choice));
  const from = choice.source === undefined ? {} : { from: choice.source };
  const routeRule = (address: string, why: string, kind: 'route' | 'publish'): DesiredRule => ({
    kind,
    why,
    spec: { route: true, proto: port.proto, to: address, port: port.port, ...from, comment },
  });

  if (choice.exposure === 'route') {
    if (placed.length === 0) return fail(`container "${container.name}" has no global IPv6 address to route to`);
    const rules: DesiredRule[] = [];
    for (const { address, network } of placed) {
      const support = network === undefined ? null : exposureSupport(mode, network, port).route;
      if (support !== null && !support.works) return fail(supportMessage(support));
      if (support?.fix !== undefined) context.notes.push(`${container.name} ${port.port}/${port.proto}: ${supportMessage(support)}`);
      rules.push(
        routeRule(
          address,
          `Let ${fromWords(choice)} reach ${container.name} at [${address}]:${port.port}/${port.proto} (route rule to the container's own address)`,
          'route',
        ),
      );
    }
    return rules;
  }

  const hostPort = choice.hostPort;
  if (hostPort === undefined || !isValidPort(hostPort)) return fail('a published exposure needs the host port');
  if (!port.published.some((binding) => binding.hostPort === hostPort)) {
    return fail(`container "${container.name}" does not publish ${port.port}/${port.proto} on host port ${hostPort}`);
  }
  const forwarded = placed.flatMap(({ address, network }) => (network === undefined ? [] : [{ address, network }]));
  for (const { network } of forwarded) {
    const support = exposureSupport(mode, network, port).publish;
    if (!support.works) return fail(supportMessage(support));
    if (support.fix !== undefined) context.notes.push(`${container.name} host port ${hostPort}: ${supportMessage(support)}`);
  }
  if (publishGoesThroughForward(mode) && forwarded.length > 0) {
    return forwarded.map(({ address }) =>
      routeRule(
        address,
        `Let ${fromWords(choice)} reach ${container.name}'s ${port.port}/${port.proto} through the host's port ${hostPort}: Docker forwards it to [${address}]:${port.port}, so a route rule to that address decides`,
        'publish',
      ),
    );
  }
  return [
    {
      kind: 'publish',
      why: `Let ${fromWords(choice)} reach ${container.name}'s ${port.port}/${port.proto} through the host's port ${hostPort}`,
      spec: { route: false, proto: port.proto, to: anyDestination(facts, choice.source), port: hostPort, ...from, comment },
    },
  ];
}

/**
 * A stopped container has no address and no published ports until it starts again: its openings
 * are kept as they are. A new opening must wait until it runs.
 */
function stoppedOpening(context: PlanContext, container: Container, choice: ExposureChoice, inPlace: readonly ManagedRule[]): DesiredRule[] {
  const tag = openingTagOf(choice);
  const kept = inPlace.filter((managed) => managed.tag.kind !== 'egress' && openingKey(managed.tag) === openingKey(tag) && managed.tag.source === tag.source);
  if (kept.length === 0) {
    context.errors.push({
      choice: choiceLabel(choice),
      message: `${container.name} is ${container.state || 'not running'}: start it first (docker start ${container.name}), so v6wall can read its address and ports`,
    });
    return [];
  }
  return kept.map((managed) => ({
    kind: tag.kind,
    why: `Keep ${container.name}'s opening ${openingKey(tag)} from ${describeSource(tag.source)} while it is stopped`,
    spec: managed.spec,
  }));
}

/** The rules one chosen opening needs, or errors (in the context) that say why it cannot be. */
export function openingRules(context: PlanContext, choice: ExposureChoice, inPlace: readonly ManagedRule[]): DesiredRule[] {
  const label = choiceLabel(choice);
  const fail = (message: string): DesiredRule[] => {
    context.errors.push({ choice: label, message });
    return [];
  };
  if (!isValidContainerName(choice.container)) return fail(`"${choice.container}" is not a valid container name`);
  if (!isValidPort(choice.port)) return fail(`${choice.port} is not a port (1-65535)`);
  const container = context.facts.docker.containers.find((candidate) => candidate.name === choice.container);
  if (!container) return fail(`no container named "${choice.container}" on this host`);
  if (container.state !== 'running') return stoppedOpening(context, container, choice, inPlace);
  const port = container.ports.find((candidate) => candidate.port === choice.port && candidate.proto === choice.proto);
  if (!port) return fail(`container "${container.name}" does not expose ${choice.port}/${choice.proto}`);
  return runningOpening(context, container, port, choice);
}
