import { hostGlobalIpv6, hostHasIpv4, parseForwardingSysctl, parseIpAddrJson } from '../core/parse/host-addresses.js';
import type { HostFacts } from '../core/types.js';
import { type DiscoverDeps, describeFailure } from './discover-deps.js';

/** Root, hostname, IPv6 forwarding and the host's own addresses (Docker's bridges left out). */
export async function discoverHost(deps: DiscoverDeps, dockerBridges: Promise<readonly string[]>): Promise<HostFacts> {
  const [v6, v4, forwarding, hostname] = await Promise.all([
    deps.run(['ip', '-j', '-6', 'addr', 'show', 'scope', 'global']),
    deps.run(['ip', '-j', '-4', 'addr', 'show']),
    deps.readFile('/proc/sys/net/ipv6/conf/all/forwarding'),
    deps.readFile('/proc/sys/kernel/hostname'),
  ]);
  const warnings: string[] = [];
  const read = (result: typeof v6): ReturnType<typeof parseIpAddrJson>['value'] => {
    if (result.exitCode !== 0) {
      warnings.push(`Could not list the host's addresses: ${describeFailure(result, deps.uid)}`);
      return [];
    }
    const parsed = parseIpAddrJson(result.stdout);
    warnings.push(...parsed.warnings);
    return parsed.value;
  };
  const addresses = [...read(v6), ...read(v4)];
  if (forwarding === null) warnings.push('Could not read /proc/sys/net/ipv6/conf/all/forwarding.');
  const bridges = await dockerBridges;
  return {
    root: deps.uid === 0,
    hostname: hostname?.trim() || 'unknown',
    ipv6Forwarding: forwarding !== null && parseForwardingSysctl(forwarding),
    globalIpv6: hostGlobalIpv6(addresses, bridges),
    hasIpv4: hostHasIpv4(addresses, bridges),
    warnings,
  };
}
