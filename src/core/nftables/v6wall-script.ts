// v6wall's own nftables table (`table inet v6wall`), for hosts without UFW, as one nft script.
// The script replaces that table and nothing else (never `flush ruleset`), so Docker's tables and
// iptables-nft's stay as they are; `nft -f` loads it as one transaction. Its base chains run at
// priority filter - 10, before Docker's (filter, or iptables' 0), and in nftables a drop in any
// base chain is final: v6wall's table can narrow what Docker lets through, never widen it.
import { createHash } from 'node:crypto';
import type { Proto } from '../types/facts.js';
import { V6WALL_FAMILY, V6WALL_TABLE } from './v6wall-table.js';

export const V6WALL_PRIORITY = 'filter - 10';

/** ICMPv6 the host itself needs: errors (path MTU), echo, neighbour and router discovery, multicast listeners. */
const HOST_ICMPV6 = [
  'destination-unreachable',
  'packet-too-big',
  'time-exceeded',
  'parameter-problem',
  'echo-request',
  'echo-reply',
  'nd-router-solicit',
  'nd-router-advert',
  'nd-neighbor-solicit',
  'nd-neighbor-advert',
  'mld-listener-query',
  'mld-listener-report',
  'mld-listener-done',
  'mld2-listener-report',
];
/** ICMPv6 forwarded to containers: errors (path MTU discovery breaks without packet-too-big) and echo. */
const FORWARD_ICMPV6 = ['destination-unreachable', 'packet-too-big', 'time-exceeded', 'parameter-problem', 'echo-request', 'echo-reply'];
const HOST_ICMP = ['destination-unreachable', 'time-exceeded', 'parameter-problem', 'echo-request', 'echo-reply'];

/** A new connection to the host that may come in (a port docker-proxy serves, for example). */
export interface HostOpening {
  proto: Proto;
  port: number;
  /** An IPv6 address or network; absent: from anywhere (IPv4 too, on a dual-stack host). */
  source?: string;
  /** v6wall's rule comment (rule-comment.ts), so later runs know the opening. */
  comment: string;
}

/** A new connection forwarded to a container's own address and port. */
export interface ContainerOpening {
  proto: Proto;
  address: string;
  port: number;
  source?: string;
  /** Docker forwards this host port to the container (a published port): only connections Docker DNAT'ed from it match. */
  viaHostPort?: number;
  comment: string;
}

export interface V6wallTableSpec {
  /** Accepted first, before anything is dropped. Never empty (the planner refuses that). */
  sshPorts: number[];
  hostOpenings: HostOpening[];
  containerOpenings: ContainerOpening[];
  /** The Docker networks' IPv6 subnets: new connections to them are dropped unless an opening allows them. */
  containerSubnets: string[];
}

const set = (items: readonly (string | number)[]): string => (items.length === 1 ? String(items[0]) : `{ ${items.join(', ')} }`);
const quote = (text: string): string => `"${text.replace(/["\\]/g, '')}"`;
const sourceMatch = (source: string | undefined): string => (source === undefined ? '' : `ip6 saddr ${source} `);

function inputChain(spec: V6wallTableSpec): string[] {
  const ssh = [...new Set(spec.sshPorts)].sort((a, b) => a - b);
  return [
    '\tchain input {',
    `\t\ttype filter hook input priority ${V6WALL_PRIORITY}; policy drop;`,
    `\t\ttcp dport ${set(ssh)} accept comment ${quote(`v6wall ssh ${ssh.join(',')}/tcp`)}`,
    `\t\tct state established,related accept comment ${quote(`${FINGERPRINT_PREFIX}${FINGERPRINT_SLOT}`)}`,
    '\t\tct state invalid drop',
    '\t\tiif "lo" accept',
    `\t\ticmpv6 type ${set(HOST_ICMPV6)} accept`,
    `\t\ticmp type ${set(HOST_ICMP)} accept`,
    '\t\tip6 saddr fe80::/10 udp sport 547 udp dport 546 accept',
    '\t\tudp sport 67 udp dport 68 accept',
    ...spec.hostOpenings.map((o) => `\t\t${sourceMatch(o.source)}${o.proto} dport ${o.port} accept comment ${quote(o.comment)}`),
    '\t}',
  ];
}

function forwardChain(spec: V6wallTableSpec): string[] {
  const subnets = [...new Set(spec.containerSubnets)];
  const guarded = subnets.length > 0;
  const opening = (o: ContainerOpening): string => {
    const dnat = o.viaHostPort === undefined ? '' : ` ct status dnat ct original proto-dst ${o.viaHostPort}`;
    return `\t\t${sourceMatch(o.source)}ip6 daddr ${o.address} ${o.proto} dport ${o.port}${dnat} accept comment ${quote(o.comment)}`;
  };
  return [
    '\tchain forward {',
    `\t\ttype filter hook forward priority ${V6WALL_PRIORITY}; policy accept;`,
    '\t\tct state established,related accept',
    ...(guarded
      ? [
          // Containers' own connections (egress, container to container) are left to Docker.
          `\t\tip6 saddr ${set(subnets)} accept`,
          `\t\tip6 daddr ${set(subnets)} icmpv6 type ${set(FORWARD_ICMPV6)} accept`,
          ...spec.containerOpenings.map(opening),
          `\t\tip6 daddr ${set(subnets)} drop`,
        ]
      : spec.containerOpenings.map(opening)),
    '\t}',
  ];
}

/**
 * The input chain's established/related rule carries a fingerprint of the whole table text: nft -j
 * shows rule comments but not the expressions as written, so a later run knows the live table is
 * the one it would load (with the rule comments of each chain, which show a rule added or removed).
 */
export const FINGERPRINT_PREFIX = 'v6wall table ';
const FINGERPRINT_SLOT = '@';

/** The whole table as nft writes it back, without the replace preamble (what is persisted and compared). */
export function renderV6wallTable(spec: V6wallTableSpec): string {
  const text = [`table ${V6WALL_FAMILY} ${V6WALL_TABLE} {`, ...inputChain(spec), ...forwardChain(spec), '}', ''].join('\n');
  const fingerprint = createHash('sha256').update(text).digest('hex').slice(0, 16);
  return text.replace(`"${FINGERPRINT_PREFIX}${FINGERPRINT_SLOT}"`, `"${FINGERPRINT_PREFIX}${fingerprint}"`);
}

/** Creates the table if missing, deletes it, then loads `tableText` (or nothing): one transaction that touches no other table. */
export function replaceTableScript(tableText: string | null): string {
  const preamble = `table ${V6WALL_FAMILY} ${V6WALL_TABLE}\ndelete table ${V6WALL_FAMILY} ${V6WALL_TABLE}\n`;
  return tableText === null ? preamble : `${preamble}${tableText}`;
}

/** The script `nft -f` loads to put v6wall's table in place. */
export function v6wallScript(spec: V6wallTableSpec): string {
  return replaceTableScript(renderV6wallTable(spec));
}
