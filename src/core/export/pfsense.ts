// An <aliases> fragment for pfSense's configuration restore (Diagnostics > Backup & Restore,
// restore area "Aliases"): per protocol and port, a host alias of the addresses open on it and,
// when the opening is limited to sources, a network alias of those sources.
import type { Opening } from '../openings.js';
import { aliasNames, groupOpenings } from './groups.js';

function xmlText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

interface PfAlias {
  name: string;
  type: 'host' | 'network' | 'port';
  address: string[];
  descr: string;
  detail: string[];
}

function aliasXml(alias: PfAlias): string {
  return [
    '\t<alias>',
    `\t\t<name>${xmlText(alias.name)}</name>`,
    `\t\t<type>${alias.type}</type>`,
    `\t\t<address>${xmlText(alias.address.join(' '))}</address>`,
    `\t\t<descr><![CDATA[${alias.descr.replace(/]]>/g, ']] >')}]]></descr>`,
    `\t\t<detail><![CDATA[${alias.detail.join('||').replace(/]]>/g, ']] >')}]]></detail>`,
    '\t</alias>',
  ].join('\n');
}

export function renderPfsense(openings: readonly Opening[], hostname: string): string {
  const groups = groupOpenings(openings);
  const names = aliasNames(groups);
  const aliases: PfAlias[] = groups.flatMap((group, index) => {
    const name = names[index] ?? `v6wall_${index}`;
    const hosts: PfAlias = {
      name,
      type: 'host',
      address: group.addresses,
      descr: `v6wall ${hostname}: pass ${group.proto} to port ${group.port} of these addresses`,
      detail: group.labels,
    };
    if (group.sources.length === 0) return [hosts];
    return [
      hosts,
      {
        name: `${name}_src`,
        type: 'network',
        address: group.sources,
        descr: `v6wall ${hostname}: the only sources allowed to ${name}`,
        detail: group.sources.map(() => 'source'),
      },
    ];
  });
  return `<?xml version="1.0"?>\n<aliases>\n${aliases.map(aliasXml).join('\n')}\n</aliases>\n`;
}
