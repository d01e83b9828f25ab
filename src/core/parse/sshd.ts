import { parsePort } from '../validate.js';
import { type Parsed, quoteLine, splitLines } from './parsed.js';

/** A port sshd's effective configuration says it listens on. */
export interface SshdConfiguredPort {
  port: number;
  /** The listen address when the port came from a listenaddress line. */
  address: string | null;
}

/** "[::]:2200", "0.0.0.0:22", "[fe80::1%eth0]:22" → address and port. */
export function splitHostPort(text: string): { address: string; port: number } | null {
  const bracketed = /^\[([^\]]*)\](?:%[^:]+)?:(\d+)$/.exec(text);
  if (bracketed) {
    const port = parsePort(bracketed[2] ?? '');
    return port === null ? null : { address: bracketed[1] ?? '', port };
  }
  const colon = text.lastIndexOf(':');
  if (colon <= 0) return null;
  const port = parsePort(text.slice(colon + 1));
  return port === null ? null : { address: text.slice(0, colon), port };
}

/**
 * `sshd -T` output. sshd prints every `port` line, but when listenaddress
 * lines carry their own port only those are listened on, so listenaddress
 * wins whenever present.
 */
export function parseSshdEffectiveConfig(text: string): Parsed<SshdConfiguredPort[]> {
  const portLines: SshdConfiguredPort[] = [];
  const listenLines: SshdConfiguredPort[] = [];
  const warnings: string[] = [];
  for (const line of splitLines(text)) {
    const [keyword = '', value = ''] = line.trim().split(/\s+/);
    const key = keyword.toLowerCase();
    if (key === 'port') {
      const port = parsePort(value);
      if (port === null) warnings.push(`sshd -T printed a port v6wall cannot read: ${quoteLine(line)}`);
      else portLines.push({ port, address: null });
    } else if (key === 'listenaddress') {
      const hostPort = splitHostPort(value);
      if (hostPort === null) warnings.push(`sshd -T printed a listen address v6wall cannot read: ${quoteLine(line)}`);
      else listenLines.push(hostPort);
    }
  }
  return { value: listenLines.length > 0 ? listenLines : portLines, warnings };
}

export interface SocketProcess {
  name: string;
  pid: number;
}

/** One TCP socket from `ss -Htnp`. */
export interface TcpSocket {
  localAddress: string;
  localPort: number;
  /** null for a listening socket ("*"). */
  peerAddress: string | null;
  peerPort: number | null;
  /** Empty when ss could not see the owner (not root). */
  processes: SocketProcess[];
}

/**
 * `ss -Hltnp` and `ss -Htnp state established` lines. The column set differs
 * (a State column appears or not), so the addresses are found by their shape.
 */
export function parseSsTcpSockets(text: string): Parsed<TcpSocket[]> {
  const sockets: TcpSocket[] = [];
  const warnings: string[] = [];
  for (const line of splitLines(text)) {
    if (line.trim() === '') continue;
    const usersAt = line.indexOf('users:(');
    const columns = (usersAt === -1 ? line : line.slice(0, usersAt)).trim().split(/\s+/);
    const endpoints = columns.filter((column) => /:(\d+|\*)$/.test(column));
    const local = splitHostPort(endpoints[0] ?? '');
    if (local === null) {
      warnings.push(`ss printed a line v6wall cannot read: ${quoteLine(line)}`);
      continue;
    }
    const peer = splitHostPort(endpoints[1] ?? '');
    sockets.push({
      localAddress: local.address,
      localPort: local.port,
      peerAddress: peer?.address ?? null,
      peerPort: peer?.port ?? null,
      processes: usersAt === -1 ? [] : parseSsUsers(line.slice(usersAt)),
    });
  }
  return { value: sockets, warnings };
}

/** `users:(("sshd",pid=812,fd=3),("systemd",pid=1,fd=52))` */
function parseSsUsers(text: string): SocketProcess[] {
  const processes: SocketProcess[] = [];
  for (const match of text.matchAll(/\("((?:[^"\\]|\\.)*)",pid=(\d+)/g)) {
    const pid = Number(match[2]);
    if (Number.isSafeInteger(pid)) processes.push({ name: match[1] ?? '', pid });
  }
  return processes;
}

/** sshd, and the per-connection processes of OpenSSH 9.8+ (sshd-session, sshd-auth). */
export function isSshdProcessName(name: string): boolean {
  return name === 'sshd' || name.startsWith('sshd-');
}

export interface SshConnection {
  clientAddress: string;
  clientPort: number;
  serverAddress: string;
  serverPort: number;
}

/** SSH_CONNECTION = "client_ip client_port server_ip server_port". */
export function parseSshConnection(value: string): SshConnection | null {
  const parts = value.trim().split(/\s+/);
  if (parts.length !== 4) return null;
  const [clientAddress = '', clientPortText = '', serverAddress = '', serverPortText = ''] = parts;
  const clientPort = parsePort(clientPortText);
  const serverPort = parsePort(serverPortText);
  if (clientPort === null || serverPort === null) return null;
  return { clientAddress, clientPort, serverAddress, serverPort };
}

/** The parent pid from /proc/PID/stat ("pid (comm) state ppid ..."); comm may hold spaces and parentheses. */
export function parseProcStatParentPid(text: string): number | null {
  if (!text.includes(')')) return null;
  const ppidText = text.slice(text.lastIndexOf(')') + 1).trim().split(/\s+/)[1] ?? '';
  return /^\d{1,10}$/.test(ppidText) ? Number(ppidText) : null;
}

/** /proc/sys/net/ipv4/ip_local_port_range ("32768\t60999"). */
export function parsePortRange(text: string): { low: number; high: number } | null {
  const [low, high] = text.trim().split(/\s+/).map((part) => (/^\d{1,5}$/.test(part) ? Number(part) : Number.NaN));
  return low !== undefined && high !== undefined && low <= high && low >= 1 && high <= 65535 ? { low, high } : null;
}
