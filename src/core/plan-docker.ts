// The planner's Docker part: where Docker's own IPv6 rules decide before UFW,
// what to tell the operator, and v6wall's DOCKER-USER block that hands the
// decision back to UFW's route rules.
import type { ChoiceError } from './types/choices.js';
import type { Container, Facts } from './types/facts.js';
import type { PlanStep } from './types/plan.js';
import { type DockerFirewallMode, type NetworkFirewallMode, ipv6HostPorts } from './docker-mode.js';
import { AFTER6_RULES_PATH, foreignDockerUserRules, installBlock, renderDockerUserBlock } from './docker-user-block.js';
import { parseIptablesSave } from './iptables/parse-save.js';
import { canonicalIpv6, isGlobalIpv6 } from './address.js';

export interface PlanContext {
  facts: Facts;
  mode: DockerFirewallMode;
  errors: ChoiceError[];
  notes: string[];
}

/** The container's global IPv6 addresses, each with the firewall mode of its network. */
export function addressesWithNetworks(context: PlanContext, container: Container): { address: string; network: NetworkFirewallMode | undefined }[] {
  return container.networks.flatMap((network) => {
    const address = network.ipv6 === null ? null : canonicalIpv6(network.ipv6);
    if (address === null || !isGlobalIpv6(address)) return [];
    return [{ address, network: context.mode.networks.find((candidate) => candidate.name === network.name) }];
  });
}

/**
 * Docker 20.10-22 with ip6tables: every published port of a container with an IPv6 address is
 * accepted by Docker before UFW (host port and container address alike), chosen or not, and
 * there is no DOCKER-USER chain to change that. Said for all of them, so none looks closed.
 */
export function dockerDecidesNotes(context: PlanContext): string[] {
  if (context.mode.kind !== 'ip6tables-on-no-docker-user') return [];
  const open = context.facts.docker.containers.flatMap((container) => {
    const addresses = addressesWithNetworks(context, container).flatMap(({ address, network }) => (network === undefined ? [] : [address]));
    if (addresses.length === 0) return [];
    return container.ports.flatMap((port) => {
      const hostPorts = ipv6HostPorts(port);
      if (hostPorts.length === 0) return [];
      const direct = addresses.map((address) => `[${address}]:${port.port}`).join(', ');
      return [`${container.name} ${port.port}/${port.proto} (host port ${hostPorts.join(', ')}, and ${direct})`];
    });
  });
  if (open.length === 0) return [];
  return [
    `Docker accepts these published ports for everyone before UFW sees them, so they stay open whatever UFW says: ${open.join('; ')}. ` +
      'To let UFW decide, upgrade Docker to 23 or later (v6wall then adds its DOCKER-USER block) or set "ip6tables": false in /etc/docker/daemon.json and restart Docker.',
  ];
}

/** v6wall's DOCKER-USER block, when Docker's own IPv6 rules would otherwise decide before UFW. */
export function dockerUserBlockSteps(context: PlanContext): PlanStep[] {
  const { facts, mode } = context;
  if (!mode.needsDockerUserBlock) return [];
  const current = facts.ufw.after6Rules;
  const fail = (message: string): PlanStep[] => {
    context.errors.push({ choice: 'docker', message });
    return [];
  };
  if (current === null) return fail(`cannot read ${AFTER6_RULES_PATH} (run v6wall as root): v6wall needs it to make UFW decide about Docker's IPv6 networks`);
  const block = renderDockerUserBlock(
    mode.networks.flatMap((network) => network.subnets.filter((subnet) => subnet.includes(':'))),
    mode.networks.flatMap((network) => (network.bridge === null ? [] : [network.bridge])),
  );
  if (!block.ok) return fail(`cannot build the DOCKER-USER block: ${block.errors.join('; ')}`);
  const next = installBlock(current, block.value);
  if (!next.ok) return fail(`cannot install the DOCKER-USER block in ${AFTER6_RULES_PATH}: ${next.error}`);
  const satisfied = next.value === current;
  const foreign = facts.docker.ip6tablesSave ? foreignDockerUserRules(parseIptablesSave(facts.docker.ip6tablesSave)) : [];
  if (!satisfied && foreign.length > 0) {
    context.notes.push(
      `DOCKER-USER holds ${foreign.length} IPv6 rule(s) v6wall did not write; every \`ufw reload\` will now replace them with v6wall's block: ${foreign.map((rule) => rule.text).join(' | ')}`,
    );
  }
  context.notes.push(
    "With v6wall's DOCKER-USER block, `ufw disable` leaves new connections to containers blocked (fail closed); to take the block out, remove it from /etc/ufw/after6.rules, run `ip6tables -F DOCKER-USER`, then `ufw reload`.",
  );
  const write: PlanStep = {
    kind: 'integration',
    why: "Make Docker ask UFW first: put v6wall's DOCKER-USER block in /etc/ufw/after6.rules (Docker's own IPv6 rules otherwise accept connections before UFW sees them)",
    argv: ['cp', '/dev/stdin', AFTER6_RULES_PATH],
    input: next.value,
    undoArgv: ['cp', '/dev/stdin', AFTER6_RULES_PATH],
    undoInput: current,
    satisfied,
  };
  if (satisfied || !facts.ufw.enabled) return [write];
  return [
    write,
    // after6.rules is read only on enable and reload; `ufw allow` does not reload it.
    {
      kind: 'integration',
      why: 'Reload UFW so the DOCKER-USER block takes effect',
      argv: ['ufw', 'reload'],
      undoArgv: ['ip6tables', '-F', 'DOCKER-USER'],
      satisfied: false,
    },
  ];
}
