// A rules file for iptables-persistent (/etc/iptables/rules.v6, loaded at boot with
// `ip6tables-restore`) that does what the plan does, without UFW: the same allows, the same
// default denies, container egress and ICMPv6 kept. It flushes the filter table when loaded, so
// it declares none of Docker's chains but DOCKER-USER: netfilter-persistent loads it before
// Docker starts, Docker then adds its own chains and jumps and keeps DOCKER-USER's rules.
import type { Facts } from '../types/facts.js';
import type { Plan, StepRule } from '../types/plan.js';
import { dockerFirewallMode } from '../docker-mode.js';
import { normaliseIpv6Subnet } from '../docker-user-block.js';

const INPUT_CHAIN = 'v6wall-input';
const FORWARD_CHAIN = 'v6wall-forward';
/** The ICMPv6 errors and echo UFW's before6.rules let through when forwarding. */
const FORWARDED_ICMPV6 = ['destination-unreachable', 'packet-too-big', 'time-exceeded', 'parameter-problem', 'echo-request'];

function commentArg(text: string | null): string {
  return text === null ? '' : ` -m comment --comment "${text.replace(/["\\]/g, '').slice(0, 255)}"`;
}

function ruleLine({ spec }: StepRule): string {
  const chain = spec.route ? FORWARD_CHAIN : INPUT_CHAIN;
  const parts = [
    `-A ${chain}`,
    ...(spec.route && spec.inInterface !== undefined ? [`-i ${spec.inInterface}`] : []),
    ...(spec.from === undefined ? [] : [`-s ${spec.from}`]),
    ...(spec.to === 'any' || spec.to === '::/0' ? [] : [`-d ${spec.to.includes('/') ? spec.to : `${spec.to}/128`}`]),
    ...(spec.proto === 'any' ? [] : [`-p ${spec.proto} -m ${spec.proto}`]),
    ...(spec.port === null || spec.proto === 'any' ? [] : [`--dport ${spec.port}`]),
  ];
  return `${parts.join(' ')}${commentArg(spec.comment)} -j ACCEPT`;
}

function ipv6Subnets(facts: Facts): string[] {
  const subnets = facts.docker.networks.flatMap((network) => network.subnets.filter((subnet) => subnet.includes(':')));
  return [
    ...new Set(
      subnets.flatMap((subnet) => {
        const normal = normaliseIpv6Subnet(subnet);
        return normal.ok ? [normal.value] : [];
      }),
    ),
  ];
}

export function renderIp6tablesRestore(plan: Plan, facts: Facts): string {
  const rules = plan.steps.flatMap((step) => (step.rule !== undefined && !step.rule.delete ? [step.rule] : []));
  const mode = dockerFirewallMode(facts.docker, 'ufw');
  const subnets = ipv6Subnets(facts);
  const dockerUser = mode.needsDockerUserBlock;
  const bridges = mode.networks.flatMap((network) => (network.bridge === null || network.subnets.length === 0 ? [] : [network.bridge]));
  const lines = [
    `# v6wall's plan for ${facts.host.hostname} as an ip6tables-restore file, for /etc/iptables/rules.v6 (iptables-persistent).`,
    '# Loading it replaces the whole filter table: load it at boot (netfilter-persistent runs before Docker)',
    '# or restart Docker after `ip6tables-restore < rules.v6`, so Docker puts its own chains back.',
    '# Check it first: ip6tables-restore --test < rules.v6',
    '# It holds the rules of this plan only: UFW rules the plan leaves alone (additive, without --exact) are not in it.',
    "# Its interfaces (Docker's br-<network id> bridges) and addresses are this host's: export it on each host.",
    '*filter',
    ':INPUT DROP [0:0]',
    ':FORWARD DROP [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    `:${INPUT_CHAIN} - [0:0]`,
    `:${FORWARD_CHAIN} - [0:0]`,
    ...(dockerUser ? [':DOCKER-USER - [0:0]'] : []),
    '-A INPUT -i lo -j ACCEPT',
    '-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
    '-A INPUT -m conntrack --ctstate INVALID -j DROP',
    '# ICMPv6 carries neighbour discovery and path MTU: without it IPv6 stops working.',
    '-A INPUT -p ipv6-icmp -j ACCEPT',
    `-A INPUT -j ${INPUT_CHAIN}`,
    '-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
    ...FORWARDED_ICMPV6.map((type) => `-A FORWARD -p ipv6-icmp -m icmp6 --icmpv6-type ${type} -j ACCEPT`),
    `-A FORWARD -j ${FORWARD_CHAIN}`,
    ...rules.map(ruleLine),
    ...(dockerUser
      ? [
          "# Docker's own rules accept before FORWARD's: DOCKER-USER is asked first, so it hands new inbound traffic to v6wall-forward.",
          '-A DOCKER-USER -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN',
          ...bridges.map((bridge) => `-A DOCKER-USER -i ${bridge} -j RETURN`),
          `-A DOCKER-USER -j ${FORWARD_CHAIN}`,
          ...subnets.map((subnet) => `-A DOCKER-USER -d ${subnet} -m conntrack --ctstate NEW -j DROP`),
        ]
      : []),
    'COMMIT',
  ];
  return `${lines.join('\n')}\n`;
}
