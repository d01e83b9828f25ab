// Rules v6wall added earlier whose container is gone or was recreated with
// another address: the guided re-run offers to remove them.
import type { Facts, UfwRule } from './types.js';
import type { AllowSpec } from './ufw-commands.js';
import { parseRuleComment } from './rule-comment.js';
import { containerIpv6Addresses } from './container-addresses.js';
import { sameAddress } from './validate.js';

export interface StaleRule {
  spec: AllowSpec;
  reason: string;
  rules: UfwRule[];
}

function staleReason(facts: Facts, rule: UfwRule): string | null {
  const tag = parseRuleComment(rule.comment);
  if (tag === null || tag.kind === 'ssh') return null;
  const container = facts.docker.containers.find((candidate) => candidate.name === tag.container);
  if (!container) return `container ${tag.container}, which is gone`;
  // Route rules (also those made for a published port where Docker forwards it) name the container's address.
  if (rule.route && !containerIpv6Addresses(container).some((address) => sameAddress(address, rule.dst))) {
    return `${tag.container}'s old address ${rule.dst}`;
  }
  if (tag.kind === 'route') return null;
  const hostPort = String(tag.hostPort ?? rule.dport);
  const published = container.ports.some((port) => port.published.some((binding) => String(binding.hostPort) === hostPort));
  return published ? null : `host port ${hostPort}, which ${tag.container} no longer publishes`;
}

/** Stale v6wall rules, one entry per ufw command (a dual-stack rule is one entry). */
export function staleRules(facts: Facts): StaleRule[] {
  const byComment = new Map<string, StaleRule>();
  if (!facts.docker.available) return [];
  for (const rule of facts.ufw.rules) {
    const reason = staleReason(facts, rule);
    if (reason === null || rule.comment === null) continue;
    const key = `${rule.route}|${rule.comment}|${rule.dport}|${rule.route ? rule.dst : ''}`;
    const existing = byComment.get(key);
    if (existing) {
      existing.rules.push(rule);
      existing.spec.to = 'any';
      continue;
    }
    const proto = rule.proto === 'udp' ? 'udp' : 'tcp';
    const to = rule.route ? rule.dst : rule.v6 ? '::/0' : '0.0.0.0/0';
    byComment.set(key, { spec: { route: rule.route, proto, to, port: Number(rule.dport), comment: rule.comment }, reason, rules: [rule] });
  }
  return [...byComment.values()];
}
