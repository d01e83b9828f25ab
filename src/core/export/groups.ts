// Openings grouped the way alias-based firewalls want them: one group per protocol, port and
// sources, holding every address that is open on it.
import type { Proto } from '../types/facts.js';
import { type Opening, openingLabel } from '../openings.js';

export interface OpeningGroup {
  proto: Proto;
  port: number;
  sources: string[];
  addresses: string[];
  labels: string[];
}

export function groupOpenings(openings: readonly Opening[]): OpeningGroup[] {
  const groups = new Map<string, OpeningGroup>();
  for (const opening of openings) {
    const key = `${opening.proto}|${opening.port}|${opening.sources.join(',')}`;
    const group = groups.get(key) ?? { proto: opening.proto, port: opening.port, sources: opening.sources, addresses: [], labels: [] };
    if (!group.addresses.includes(opening.address)) group.addresses.push(opening.address);
    const label = openingLabel(opening);
    if (!group.labels.includes(label)) group.labels.push(label);
    groups.set(key, group);
  }
  return [...groups.values()];
}

/** Alias names both pfSense and OPNsense accept: letters, digits and underscores, at most 31 characters. */
export function aliasNames(groups: readonly OpeningGroup[]): string[] {
  const used = new Map<string, number>();
  return groups.map((group) => {
    const base = `v6wall_${group.proto}${group.port}`;
    const count = used.get(base) ?? 0;
    used.set(base, count + 1);
    return count === 0 ? base : `${base}_${count + 1}`;
  });
}
