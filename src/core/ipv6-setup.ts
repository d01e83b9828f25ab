// What a host needs before its containers can be reached over IPv6 at all, as warnings with
// the fix: what the out-of-band design (an outside firewall whitelisting container addresses)
// relies on, and what makes a "route" opening useless if it is missing.
import ipaddr from 'ipaddr.js';
import type { Facts } from './types/facts.js';

const isUla = (address: ipaddr.IPv6): boolean => address.range() === 'uniqueLocal';

function parseSubnet(text: string): [ipaddr.IPv6, number] | null {
  if (!ipaddr.IPv6.isValidCIDR(text)) return null;
  return ipaddr.IPv6.parseCIDR(text);
}

/** Docker's IPv6 subnets: every IPv6 network's, and fixed-cidr-v6 for the default bridge. */
function dockerIpv6Subnets(facts: Facts): { subnet: string; where: string }[] {
  const fromNetworks = facts.docker.networks.flatMap((network) =>
    network.ipv6 ? network.subnets.filter((subnet) => subnet.includes(':')).map((subnet) => ({ subnet, where: `network ${network.name}` })) : [],
  );
  const fixed = facts.docker.daemonConfig.fixedCidrV6;
  const defaultBridge =
    fixed !== undefined && !fromNetworks.some((entry) => entry.subnet === fixed) ? [{ subnet: fixed, where: 'fixed-cidr-v6 in /etc/docker/daemon.json' }] : [];
  return [...fromNetworks, ...defaultBridge];
}

function containerAddressesIn(facts: Facts, [network, length]: [ipaddr.IPv6, number]): string[] {
  return facts.docker.containers.flatMap((container) =>
    container.networks.flatMap((entry) => {
      if (entry.ipv6 === null || !ipaddr.IPv6.isValid(entry.ipv6)) return [];
      const address = ipaddr.IPv6.parse(entry.ipv6);
      return address.match(network, length) ? [address.toString()] : [];
    }),
  );
}

export function ipv6SetupWarnings(facts: Facts): string[] {
  if (!facts.docker.available) return [];
  const warnings: string[] = [];
  const daemon = facts.docker.daemonConfig;
  const subnets = dockerIpv6Subnets(facts);
  if (daemon.fixedCidrV6 !== undefined && daemon.ipv6 !== true) {
    warnings.push('/etc/docker/daemon.json sets fixed-cidr-v6 but not "ipv6": true: the default bridge gets no IPv6. Add "ipv6": true and restart Docker.');
  }
  const onDefaultBridge = facts.docker.containers.filter((container) => container.networks.some((network) => network.name === 'bridge'));
  if (daemon.ipv6 === true && daemon.fixedCidrV6 === undefined && onDefaultBridge.length > 0) {
    warnings.push(
      `/etc/docker/daemon.json has "ipv6": true without fixed-cidr-v6, and ${onDefaultBridge.map((container) => container.name).join(', ')} use the default bridge: it gets no global IPv6 prefix (Docker 27+ picks a private ULA one, nobody outside can reach it). Set fixed-cidr-v6 to a /80 of the global prefix routed to this host and restart Docker.`,
    );
  }
  for (const { subnet, where } of subnets) {
    const parsed = parseSubnet(subnet);
    if (parsed !== null && isUla(parsed[0])) {
      warnings.push(
        `${where} uses ${subnet}, a private (ULA) prefix: its containers cannot be reached from the internet, whatever any firewall allows. Use a part of the global prefix routed to this host (e.g. a /80 of its /64).`,
      );
    }
  }
  const global = subnets.filter(({ subnet }) => {
    const parsed = parseSubnet(subnet);
    return parsed !== null && !isUla(parsed[0]);
  });
  if (global.length === 0) return warnings;
  if (!facts.host.ipv6Forwarding) {
    warnings.push(
      "IPv6 forwarding is off (net.ipv6.conf.all.forwarding=0): nothing reaches a container's own address. Set it to 1 (sysctl -w net.ipv6.conf.all.forwarding=1, and in /etc/sysctl.d/); if the host takes its address from router advertisements, also set net.ipv6.conf.IF.accept_ra=2.",
    );
  }
  const onLink = facts.host.onLinkPrefixes;
  for (const { subnet, where } of global) {
    const parsed = parseSubnet(subnet);
    if (parsed === null) continue;
    const link = onLink.find((prefix) => {
      const [network, length] = ipaddr.IPv6.parseCIDR(prefix);
      return length <= parsed[1] && parsed[0].match(network, length);
    });
    if (link === undefined) continue;
    const ndp = facts.host.ndpProxy;
    if (ndp?.enabled === true) {
      const missing = containerAddressesIn(facts, parsed).filter((address) => !ndp.proxies.includes(address));
      if (missing.length > 0) {
        warnings.push(
          `NDP proxying is on, but no proxy entry answers for ${missing.join(', ')} (${where}, on the host's own link): add \`ip -6 neigh add proxy ADDRESS dev IF\` for each, or run ndppd.`,
        );
      }
      continue;
    }
    warnings.push(
      `${where} (${subnet}) lies inside ${link}, the prefix on the host's own link: the router finds those addresses by neighbour discovery, which the containers behind the bridge never answer, so they are unreachable from outside. ` +
        'Either ask the provider to route a separate prefix to this host (then use it for Docker), or proxy NDP: sysctl -w net.ipv6.conf.IF.proxy_ndp=1 and `ip -6 neigh add proxy ADDRESS dev IF` for each container address (or run ndppd).',
    );
  }
  return warnings;
}
