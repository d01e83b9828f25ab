// What listens inside a container, from its network namespace's socket tables
// (/proc/PID/net/tcp6 and udp6 of any process in it). Each line:
//   sl local_address:port rem_address:port st ...
// with addresses as four 32-bit words in the kernel's byte order (little-endian on the
// machines v6wall runs on) and ports in hex. TCP listens in state 0A; a bound UDP socket with
// no peer (state 07, remote all zeros) receives datagrams.
import ipaddr from 'ipaddr.js';
import type { Proto } from '../types/facts.js';
import { type Parsed, quoteLine, splitLines } from './parsed.js';

export interface Listener {
  address: string;
  port: number;
  proto: Proto;
}

const TCP_LISTEN = '0A';
const UDP_UNCONNECTED = '07';

/** "B80D0120000000000000000001000000" → 2001:db8::1 (each 32-bit word's bytes reversed). */
function decodeAddress(hex: string): string | null {
  if (!/^[0-9A-Fa-f]{32}$/.test(hex)) return null;
  const bytes: number[] = [];
  for (let word = 0; word < 4; word += 1) {
    const chunk = hex.slice(word * 8, word * 8 + 8);
    for (let at = 6; at >= 0; at -= 2) bytes.push(Number.parseInt(chunk.slice(at, at + 2), 16));
  }
  return ipaddr.fromByteArray(bytes).toString();
}

function decodeEndpoint(text: string | undefined): { address: string; port: number } | null {
  const [hexAddress, hexPort] = (text ?? '').split(':');
  const address = decodeAddress(hexAddress ?? '');
  if (address === null || !/^[0-9A-Fa-f]{4}$/.test(hexPort ?? '')) return null;
  return { address, port: Number.parseInt(hexPort ?? '', 16) };
}

/** Listening (tcp) or bound unconnected (udp) IPv6 sockets of one table. */
export function parseProcNetSockets(text: string, proto: Proto): Parsed<Listener[]> {
  const listeners: Listener[] = [];
  const warnings: string[] = [];
  for (const line of splitLines(text).slice(1)) {
    if (line.trim() === '') continue;
    const fields = line.trim().split(/\s+/);
    const local = decodeEndpoint(fields[1]);
    const remote = decodeEndpoint(fields[2]);
    const state = fields[3];
    if (local === null || remote === null || state === undefined) {
      warnings.push(`A line of the container's ${proto}6 socket table could not be read: ${quoteLine(line)}`);
      continue;
    }
    const listening = proto === 'tcp' ? state === TCP_LISTEN : state === UDP_UNCONNECTED && remote.port === 0 && remote.address === '::';
    if (listening && local.port > 0) listeners.push({ address: local.address, port: local.port, proto });
  }
  return { value: listeners, warnings };
}

/** Reachable from outside over IPv6: the wildcard or a global address (not loopback, link-local or an IPv4-mapped one). */
export function reachableOverIpv6(listener: Listener): boolean {
  const address = ipaddr.IPv6.parse(listener.address);
  if (address.isIPv4MappedAddress()) return false;
  const range = address.range();
  return range === 'unspecified' || range === 'unicast' || range === 'reserved' || range === 'uniqueLocal';
}
