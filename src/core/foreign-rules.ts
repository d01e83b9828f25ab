// UFW rules v6wall did not make that open a container's address or a published port: shown as
// what they are, never counted as closed, and removed only when the operator says so.
import type { AllowSpec } from './types/plan.js';
import ipaddr from 'ipaddr.js';
import type { Facts, UfwRule } from './types/facts.js';
import { containerIpv6Addresses } from './container-addresses.js';
import { type DockerFirewallMode, ipv6HostPorts } from './docker-mode.js';
import { parseRuleComment } from './rule-comment.js';
import { specOfRule } from './ufw-commands.js';
import { shellJoin } from './shell-quote.js';

export interface ForeignRule {
  /** How the operator's choice names it: the IPv6 rule's line as ufw wrote it. */
  key: string;
  rules: UfwRule[];
  /** The ufw command that deletes it; null when v6wall cannot name it exactly (then it is left to the operator). */
  spec: AllowSpec | null;
  /** The rule as a person reads it, e.g. "ufw route allow proto tcp from any to 2001:db8::10 port 80". */
  text: string;
  /** What it opens, e.g. ["web 80/tcp at [2001:db8::10]", "api host port 8082 (api 80/tcp)"]. */
  opens: string[];
  /** The container ports it opens ('any': every port or protocol). */
  targets: ForeignTarget[];
}

export interface ForeignTarget {
  container: string;
  port: number | 'any';
  proto: 'tcp' | 'udp' | 'any';
}

/** Whether the rule opens this container port. */
export function foreignOpens(rule: ForeignRule, container: string, port: number, proto: string): boolean {
  return rule.targets.some((t) => t.container === container && (t.port === 'any' || t.port === port) && (t.proto === 'any' || t.proto === proto));
}

function rangeHolds(dst: string, address: string): boolean {
  if (dst === '::/0') return true;
  try {
    if (dst.includes('/')) return ipaddr.IPv6.parse(address).match(ipaddr.IPv6.parseCIDR(dst));
    return ipaddr.IPv6.parse(address).toNormalizedString() === ipaddr.IPv6.parse(dst).toNormalizedString();
  } catch {
    return false;
  }
}

function portMatches(rule: UfwRule, port: number, proto: string): boolean {
  if (rule.proto !== 'any' && rule.proto !== proto) return false;
  if (rule.dport === 'any') return true;
  return rule.dport.split(',').some((part) => {
    const [low, high] = part.split(':');
    return high === undefined ? Number(low) === port : Number(low) <= port && port <= Number(high);
  });
}

function portWords(rule: UfwRule): string {
  if (rule.dport === 'any') return rule.proto === 'any' ? 'every port' : `every ${rule.proto} port`;
  return `port ${rule.dport}${rule.proto === 'any' ? '' : `/${rule.proto}`}`;
}

interface Opening {
  words: string;
  target: ForeignTarget;
}

const ruleProto = (rule: UfwRule): ForeignTarget['proto'] => (rule.proto === 'tcp' || rule.proto === 'udp' ? rule.proto : 'any');

/** Route rules reach containers at their own addresses; input rules reach docker-proxy's host ports (ip6tables off). */
function opensOf(facts: Facts, mode: DockerFirewallMode, rule: UfwRule, bridges: ReadonlySet<string>): Opening[] {
  const running = facts.docker.containers.filter((container) => container.state === 'running');
  if (rule.route) {
    if (rule.inInterface !== null && bridges.has(rule.inInterface)) return []; // traffic from the containers, not to them
    const port = /^\d+$/.test(rule.dport) ? Number(rule.dport) : 'any';
    return running.flatMap((container) =>
      containerIpv6Addresses(container)
        .filter((address) => rangeHolds(rule.dst, address))
        .map((address) => ({
          words: `${container.name} ${portWords(rule)} at [${address}]`,
          target: { container: container.name, port, proto: ruleProto(rule) },
        })),
    );
  }
  if (mode.kind !== 'ip6tables-off' || !mode.userlandProxy || rule.inInterface !== null) return [];
  return running.flatMap((container) =>
    container.ports.flatMap((port) =>
      ipv6HostPorts(port)
        .filter((hostPort) => portMatches(rule, hostPort, port.proto))
        .map((hostPort) => ({
          words: `${container.name} ${port.port}/${port.proto} through host port ${hostPort}`,
          target: { container: container.name, port: port.port, proto: port.proto },
        })),
    ),
  );
}

/** The IPv6 allow rules v6wall did not make (by comment) that let the internet reach a container. */
export function foreignRules(facts: Facts, mode: DockerFirewallMode): ForeignRule[] {
  // On the nftables backend a packet must pass v6wall's table too, which drops what it does not open: a UFW rule opens nothing more.
  if (!facts.docker.available || mode.firewall === 'nftables') return [];
  const bridges = new Set(mode.networks.flatMap((network) => (network.bridge === null ? [] : [network.bridge])));
  const found: ForeignRule[] = [];
  for (const rule of facts.ufw.rules) {
    if (!rule.v6 || rule.direction !== 'in' || (rule.action !== 'allow' && rule.action !== 'limit')) continue;
    if (parseRuleComment(rule.comment) !== null) continue;
    const opens = opensOf(facts, mode, rule, bridges);
    if (opens.length === 0) continue;
    const twin = facts.ufw.rules.find(
      (other) =>
        !other.v6 &&
        other.route === rule.route &&
        other.action === rule.action &&
        other.proto === rule.proto &&
        other.dport === rule.dport &&
        other.dst === '0.0.0.0/0' &&
        rule.dst === '::/0' &&
        other.src === '0.0.0.0/0' &&
        rule.src === '::/0' &&
        other.inInterface === rule.inInterface &&
        other.comment === rule.comment,
    );
    const spec = specOfRule(rule, twin !== undefined);
    const text =
      spec === null ? rule.raw.replace(/^### tuple ###\s*/, '') : shellJoin(['ufw', ...(spec.route ? ['route'] : []), rule.action, ...deleteMatchWords(spec)]);
    found.push({
      key: rule.raw,
      rules: twin === undefined ? [rule] : [rule, twin],
      spec,
      text,
      opens: opens.map((o) => o.words),
      targets: opens.map((o) => o.target),
    });
  }
  return found;
}

/** "proto tcp from any to 2001:db8::10 port 80" as ufw takes it (the match words of a spec). */
function deleteMatchWords(spec: AllowSpec): string[] {
  return [
    ...(spec.inInterface === undefined ? [] : ['in', 'on', spec.inInterface]),
    ...(spec.proto === 'any' ? [] : ['proto', spec.proto]),
    'from',
    spec.from ?? 'any',
    'to',
    spec.to,
    ...(spec.port === null ? [] : ['port', String(spec.port)]),
  ];
}
