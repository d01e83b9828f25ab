import { arrayField, parseJson, stringField } from './json.js';
import type { Parsed } from './parsed.js';
import { hostGlobalIpv6, isDockerBridgeName, type InterfaceAddress } from './host-addresses.js';

/** The devices of `ip -j -6 route show default`, in the order ip printed them (lowest metric first). */
export function parseDefaultRouteDevices(text: string): Parsed<string[]> {
  if (text.trim() === '') return { value: [], warnings: [] };
  const parsed = parseJson(text);
  if (!parsed.ok || !Array.isArray(parsed.value)) {
    return { value: [], warnings: [`ip -j -6 route printed something other than a JSON array${parsed.ok ? '' : ` (${parsed.error})`}.`] };
  }
  const devices: string[] = [];
  for (const route of parsed.value) {
    // A multipath default route names its devices under "nexthops".
    const hops = [route, ...(arrayField(route, 'nexthops') ?? [])];
    for (const hop of hops) {
      const dev = stringField(hop, 'dev');
      if (dev !== null && dev !== '' && !devices.includes(dev)) devices.push(dev);
    }
  }
  return { value: devices, warnings: [] };
}

/**
 * The interface internet traffic arrives on: the default route's device, else the interface
 * carrying the host's first global IPv6 address (a lab or a host routed by a static prefix route).
 */
export function publicInterface(
  defaultDevices: readonly string[],
  addresses: readonly InterfaceAddress[],
  dockerBridges: readonly string[] = [],
): string | null {
  const routed = defaultDevices.find((dev) => dev !== 'lo' && !isDockerBridgeName(dev) && !dockerBridges.includes(dev));
  if (routed !== undefined) return routed;
  const first = hostGlobalIpv6(addresses, dockerBridges)[0];
  if (first === undefined) return null;
  const owner = addresses.find((entry) => entry.family === 'inet6' && hostGlobalIpv6([entry], dockerBridges)[0] === first);
  return owner?.ifname || null;
}
