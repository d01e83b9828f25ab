// What to ask the reachability analysis about on this host, from the discovered facts:
// every SSH port, every container port at the container's own address, every published
// IPv6 host port. Used by the confirm step and `v6wall status`.
import { containerIpv6Addresses } from '../container-addresses.js';
import { ipv6HostPorts, type DockerFirewallMode } from '../docker-mode.js';
import type { Facts } from '../types/facts.js';
import type { Probe, RoutingContext } from './reachability.js';

export interface LabelledProbe extends Probe {
  kind: 'ssh' | 'container' | 'published';
  /** For a person, e.g. "web 80/tcp at [2001:db8::10]:80". */
  label: string;
  /** The container, for 'container' and 'published'. */
  container: string | null;
}

export interface ReachabilityInputs {
  context: RoutingContext;
  probes: LabelledProbe[];
}

/**
 * `publicInterface` is the interface internet traffic arrives on (the default route's); any
 * name that is neither lo nor a Docker bridge gives the same answers for UFW's and Docker's rules.
 */
export function reachabilityInputs(facts: Facts, mode: DockerFirewallMode, publicInterface = 'eth0'): ReachabilityInputs {
  const host = facts.host.globalIpv6[0];
  const dockerSubnets = mode.networks.flatMap((n) => (n.bridge === null ? [] : n.subnets.map((subnet) => ({ subnet, bridge: n.bridge as string }))));
  const probes: LabelledProbe[] = [];
  if (host !== undefined) {
    for (const port of facts.ssh.ports) {
      probes.push({ kind: 'ssh', address: host, port, proto: 'tcp', label: `SSH ${port}/tcp at [${host}]:${port}`, container: null });
    }
  }
  const publishedHostPorts = new Set<number>();
  for (const container of facts.docker.containers) {
    if (container.state !== 'running') continue;
    const name = container.name.replace(/^\//, '');
    for (const port of container.ports) {
      for (const address of containerIpv6Addresses(container)) {
        probes.push({
          kind: 'container',
          address,
          port: port.port,
          proto: port.proto,
          label: `${name} ${port.port}/${port.proto} at [${address}]:${port.port}`,
          container: name,
        });
      }
      if (host === undefined) continue;
      for (const hostPort of ipv6HostPorts(port)) {
        publishedHostPorts.add(hostPort);
        probes.push({
          kind: 'published',
          address: host,
          port: hostPort,
          proto: port.proto,
          label: `${name} ${port.port}/${port.proto} published at [${host}]:${hostPort}`,
          container: name,
        });
      }
    }
  }
  const context: RoutingContext = {
    publicInterface,
    hostAddresses: facts.host.globalIpv6,
    dockerSubnets,
    // Read when nft could list the ruleset; otherwise only a drop seen in ip6tables is certain.
    ...(mode.kind === 'nftables' && facts.docker.nftRuleset === null
      ? {
          unreadableDockerRules: {
            reason: 'Docker keeps its own rules in nftables ("firewall-backend": "nftables")',
            publishedHostPorts: [...publishedHostPorts],
          },
        }
      : {}),
  };
  return { context, probes };
}
