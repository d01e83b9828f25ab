// The rules v6wall made, found by their comments, one entry per ufw command (a rule ufw wrote
// in both families is one entry): what the planner converges, closes or keeps.
import type { AllowSpec } from './types/plan.js';
import type { Facts, UfwRule } from './types/facts.js';
import { type OpeningTag, parseRuleComment } from './rule-comment.js';
import { containerIpv6Addresses } from './container-addresses.js';
import { specOfRule } from './ufw-commands.js';
import { sameAddress } from './address.js';

export interface ManagedRule {
  /** What the comment says. */
  tag: OpeningTag | { kind: 'egress'; network: string };
  /** The command's spec, to delete it (or add it again on undo). */
  spec: AllowSpec;
  rules: UfwRule[];
}

/** A command's identity: the same spec in both rule files is one ufw command. */
function commandKey(rule: UfwRule): string {
  const dst = rule.dst === '::/0' || rule.dst === '0.0.0.0/0' ? 'any' : rule.dst;
  return [rule.route, rule.comment, rule.proto, rule.dport, dst, rule.src === '0.0.0.0/0' ? '::/0' : rule.src, rule.inInterface ?? ''].join('|');
}

/** v6wall's openings and egress rules in place (SSH rules are never touched, so not listed). */
export function managedRules(rules: readonly UfwRule[]): ManagedRule[] {
  const byCommand = new Map<string, ManagedRule>();
  for (const rule of rules) {
    const tag = parseRuleComment(rule.comment);
    if (tag === null || tag.kind === 'ssh') continue;
    const key = commandKey(rule);
    const existing = byCommand.get(key);
    if (existing !== undefined) {
      existing.rules.push(rule);
      const spec = specOfRule(rule, true);
      if (spec !== null) existing.spec = spec;
      continue;
    }
    const spec = specOfRule(rule, false);
    if (spec === null) continue;
    byCommand.set(key, { tag, spec, rules: [rule] });
  }
  return [...byCommand.values()];
}

/** Why a v6wall opening no longer fits its container (gone, recreated with another address, port unpublished); null when it fits. */
export function staleReason(facts: Facts, managed: ManagedRule): string | null {
  const { tag } = managed;
  if (tag.kind === 'egress' || !facts.docker.available) return null;
  const container = facts.docker.containers.find((candidate) => candidate.name === tag.container);
  if (container === undefined) return `container ${tag.container} is gone`;
  // A stopped container keeps its openings: Docker gives it its address and ports again on start.
  if (container.state !== 'running') return null;
  // Route rules (also those made for a published port where Docker forwards it) name the container's address.
  if (managed.spec.route && !containerIpv6Addresses(container).some((address) => sameAddress(address, managed.spec.to))) {
    return `${tag.container} has a new address`;
  }
  if (tag.kind === 'route') return null;
  const hostPort = tag.hostPort ?? managed.spec.port;
  const published = container.ports.some((port) => port.published.some((binding) => binding.hostPort === hostPort));
  return published ? null : `${tag.container} no longer publishes host port ${hostPort}`;
}

/** The opening as a person reads it: "web 80/tcp (route to [2001:db8::10], from anywhere)". */
export function describeOpening(managed: ManagedRule & { tag: OpeningTag }): string {
  const { tag, spec } = managed;
  const from = `from ${tag.source ?? 'anywhere'}`;
  if (tag.kind === 'route') return `${tag.container} ${tag.port}/${tag.proto} (route to [${spec.to}], ${from})`;
  const via = spec.route ? `, route to [${spec.to}]` : '';
  return `${tag.container} ${tag.port}/${tag.proto} on host port ${tag.hostPort ?? spec.port}${via} (${from})`;
}
