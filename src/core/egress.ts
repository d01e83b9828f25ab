// Traffic the containers start must keep flowing. Where Docker writes no IPv6 rules (ip6tables
// off), `ufw default deny routed` drops every NEW forwarded packet from a container: its egress
// to the internet, and with br_netfilter (bridge-nf-call-ip6tables=1, Docker's default) even
// container-to-container traffic on the same bridge. Measured in the lab: one rule per Docker
// IPv6 network, `ufw route allow in on BRIDGE from SUBNET`, brings all of it back. Where Docker
// writes its rules into ip6tables, its own accepts for bridge traffic come before UFW's and
// nothing is needed. With Docker's nftables backend a packet must pass UFW's chain too, so the
// rule is needed there as well (inferred from nftables' semantics; not measured: no Docker 29 here).
import type { AllowSpec } from './types/plan.js';
import type { DockerFirewallMode, NetworkFirewallMode } from './docker-mode.js';

import { formatRuleComment } from './rule-comment.js';
import { parseSource } from './sources.js';

export interface EgressRule {
  network: string;
  bridge: string;
  subnet: string;
  spec: AllowSpec;
}

/** Whether UFW's routed policy applies to what containers send in this mode. */
export function egressNeedsRules(mode: DockerFirewallMode): boolean {
  return mode.kind === 'ip6tables-off' || mode.kind === 'nftables';
}

function egressRule(network: NetworkFirewallMode, bridge: string, subnet: string): EgressRule {
  return {
    network: network.name,
    bridge,
    subnet,
    spec: {
      route: true,
      proto: 'any',
      to: '::/0',
      port: null,
      from: subnet,
      inInterface: bridge,
      comment: formatRuleComment({ kind: 'egress', network: network.name }),
    },
  };
}

/** The egress rules this host needs: one per IPv6 subnet of each Docker bridge network, none where Docker lets bridge traffic out itself. */
export function desiredEgressRules(mode: DockerFirewallMode): EgressRule[] {
  if (!egressNeedsRules(mode)) return [];
  return mode.networks.flatMap((network) => {
    const bridge = network.bridge;
    if (bridge === null || !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/.test(bridge)) return [];
    return network.subnets.flatMap((subnet) => {
      const parsed = parseSource(subnet);
      return parsed.ok ? [egressRule(network, bridge, parsed.value)] : [];
    });
  });
}
