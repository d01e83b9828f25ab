// Rules for Hetzner Cloud Firewalls (the "rules" of POST /firewalls/{id}/actions/set_rules).
// An inbound rule has sources, a protocol and a port, but no destination: it opens that port on
// every address of the server, containers included. What that loses is said in "cannot_express".
import type { Opening } from '../openings.js';
import { openingLabel } from '../openings.js';
import { groupOpenings } from './groups.js';

export interface HetznerRule {
  direction: 'in';
  protocol: 'tcp' | 'udp';
  port: string;
  source_ips: string[];
  description: string;
}

export interface HetznerExport {
  rules: HetznerRule[];
  /** What the rules open more widely than the plan; empty when nothing. */
  cannot_express: string[];
}

export function hetznerRules(openings: readonly Opening[]): HetznerExport {
  const groups = groupOpenings(openings);
  const rules = groups.map((group) => ({
    direction: 'in' as const,
    protocol: group.proto,
    port: String(group.port),
    source_ips: group.sources.length === 0 ? ['::/0'] : group.sources,
    description: `v6wall: ${group.labels.join(', ')}`.slice(0, 255),
  }));
  const cannot = groups.flatMap((group) => {
    const only = group.addresses.join(', ');
    const labels = openings.filter((opening) => opening.port === group.port && opening.proto === group.proto).map(openingLabel);
    return [
      `${group.proto} port ${group.port} (${[...new Set(labels)].join(', ')}) is meant for ${only} only, but a Hetzner rule has no destination: it opens ${group.port}/${group.proto} on every address of the server and of its containers; keep the host's own firewall (v6wall apply) to narrow it`,
    ];
  });
  return { rules, cannot_express: cannot };
}

export function renderHetzner(openings: readonly Opening[]): string {
  return `${JSON.stringify(hetznerRules(openings), null, 2)}\n`;
}
