// The check, from inside a container, that it can still start connections out once routed
// traffic is denied by default (the egress rules v6wall adds, core/egress.ts).
// nc, not wget: Debian 12's busybox (and images built from it) has wget without its timeout
// option, and `wget -T N` there crashes with a segmentation fault (exit 139) before connecting;
// without -T a dropped connection hangs for minutes. busybox nc, Alpine's and the OpenBSD nc all
// take -w (connect timeout), and exit 0 once the connection was made.
import type { Facts } from '../core/types/facts.js';
import { backendOf } from '../core/backend.js';
import { dockerFirewallMode } from '../core/docker-mode.js';
import { desiredEgressRules } from '../core/egress.js';

export interface EgressTarget {
  address: string;
  port: number;
}

/** Google Public DNS, which answers HTTPS on 443 over IPv6: any IPv6 server of your own does as well. */
export const PUBLIC_EGRESS_TARGET: EgressTarget = { address: '2001:4860:4860::8888', port: 443 };

export function egressCheckArgv(container: string, target: EgressTarget = PUBLIC_EGRESS_TARGET): string[] {
  return ['docker', 'exec', container, 'nc', '-w', '5', target.address, String(target.port)];
}

/** A running chosen container on a network v6wall lets out, or null where Docker lets containers out itself. */
export function egressCheckContainer(facts: Facts, chosen: readonly string[]): string | null {
  const networks = new Set(desiredEgressRules(dockerFirewallMode(facts.docker, backendOf(facts).kind)).map((rule) => rule.network));
  const container = facts.docker.containers.find(
    (candidate) => chosen.includes(candidate.name) && candidate.state === 'running' && candidate.networks.some((network) => networks.has(network.name)),
  );
  return container?.name ?? null;
}
