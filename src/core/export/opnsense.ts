// Alias JSON for OPNsense's alias API: each entry of "aliases" is the body of one
// POST /api/firewall/alias/addItem (then POST /api/firewall/alias/reconfigure).
import type { Opening } from '../openings.js';
import { aliasNames, groupOpenings } from './groups.js';

export interface OpnsenseAlias {
  enabled: '1';
  name: string;
  type: 'host' | 'network';
  proto: 'IPv6';
  /** One entry a line. */
  content: string;
  description: string;
}

/** OPNsense accepts only letters, digits, spaces and . - , _ in a description, at most 255 characters. */
function description(text: string): string {
  return text
    .replace(/[^0-9A-Za-z .,_-]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 255);
}

export function opnsenseAliases(openings: readonly Opening[], hostname: string): { alias: OpnsenseAlias }[] {
  const groups = groupOpenings(openings);
  const names = aliasNames(groups);
  return groups.flatMap((group, index) => {
    const name = names[index] ?? `v6wall_${index}`;
    const hosts: OpnsenseAlias = {
      enabled: '1',
      name,
      type: 'host',
      proto: 'IPv6',
      content: group.addresses.join('\n'),
      description: description(`v6wall ${hostname} pass ${group.proto} port ${group.port}, ${group.labels.join(', ')}`),
    };
    if (group.sources.length === 0) return [{ alias: hosts }];
    const sources: OpnsenseAlias = {
      enabled: '1',
      name: `${name}_src`,
      type: 'network',
      proto: 'IPv6',
      content: group.sources.join('\n'),
      description: description(`v6wall ${hostname} sources allowed to ${name}`),
    };
    return [{ alias: hosts }, { alias: sources }];
  });
}

export function renderOpnsense(openings: readonly Opening[], hostname: string): string {
  return `${JSON.stringify({ aliases: opnsenseAliases(openings, hostname) }, null, 2)}\n`;
}
