import { hostGlobalIpv6, hostHasIpv4, hostOnLinkPrefixes, parseForwardingSysctl, parseIpAddrJson, parseNeighProxies } from '../core/parse/host-addresses.js';
import { parseDefaultRouteDevices, publicInterface } from '../core/parse/ip-route.js';
import type { HostFacts } from '../core/types/facts.js';
import { type PartDeps, describeFailure } from './discover-deps.js';

/** Root, hostname, IPv6 forwarding, the host's own addresses (Docker's bridges left out) and its public interface. */
export async function discoverHost(deps: PartDeps, dockerBridges: Promise<readonly string[]>): Promise<HostFacts> {
  const [v6, v4, defaultRoute, forwarding, hostname] = await Promise.all([
    deps.run(['ip', '-j', '-6', 'addr', 'show', 'scope', 'global']),
    deps.run(['ip', '-j', '-4', 'addr', 'show']),
    deps.run(['ip', '-j', '-6', 'route', 'show', 'default']),
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
  // Without a default route (or without ip) the address's interface is the next best guess: no warning.
  const defaultDevices = defaultRoute.exitCode === 0 ? parseDefaultRouteDevices(defaultRoute.stdout) : { value: [], warnings: [] };
  warnings.push(...defaultDevices.warnings);
  if (forwarding === null) warnings.push('Could not read /proc/sys/net/ipv6/conf/all/forwarding.');
  const bridges = await dockerBridges;
  const wan = publicInterface(defaultDevices.value, addresses, bridges);
  const [proxyNdpAll, proxyNdpWan, proxies] = await Promise.all([
    deps.readFile('/proc/sys/net/ipv6/conf/all/proxy_ndp'),
    wan === null || !/^[A-Za-z0-9_.-]{1,15}$/.test(wan) ? Promise.resolve(null) : deps.readFile(`/proc/sys/net/ipv6/conf/${wan}/proxy_ndp`),
    deps.run(['ip', '-j', '-6', 'neigh', 'show', 'proxy']),
  ]);
  const ndpProxy =
    proxyNdpAll === null && proxyNdpWan === null
      ? null
      : { enabled: proxyNdpAll?.trim() === '1' || proxyNdpWan?.trim() === '1', proxies: proxies.exitCode === 0 ? parseNeighProxies(proxies.stdout) : [] };
  return {
    root: deps.uid === 0,
    hostname: hostname?.trim() || 'unknown',
    ipv6Forwarding: forwarding !== null && parseForwardingSysctl(forwarding),
    globalIpv6: hostGlobalIpv6(addresses, bridges),
    hasIpv4: hostHasIpv4(addresses, bridges),
    publicInterface: wan,
    onLinkPrefixes: hostOnLinkPrefixes(addresses, bridges),
    ndpProxy,
    warnings,
  };
}
