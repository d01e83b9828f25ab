import { splitHostPort } from './host-port.js';
import { type Parsed, quoteLine, splitLines } from './parsed.js';

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

/** TCP states as ss names them (iproute2's sstate_name). */
const SS_STATES = new Set([
  'UNKNOWN',
  'ESTAB',
  'SYN-SENT',
  'SYN-RECV',
  'FIN-WAIT-1',
  'FIN-WAIT-2',
  'TIME-WAIT',
  'UNCONN',
  'CLOSE-WAIT',
  'LAST-ACK',
  'LISTEN',
  'CLOSING',
]);

function parseSsLine(line: string): TcpSocket | null {
  const usersAt = line.indexOf('users:(');
  const columns = (usersAt === -1 ? line : line.slice(0, usersAt)).trim().split(/\s+/);
  const endpoints = columns.filter((column) => /:(\d+|\*)$/.test(column));
  const local = splitHostPort(endpoints[0] ?? '');
  if (local === null) return null;
  const peer = splitHostPort(endpoints[1] ?? '');
  return {
    localAddress: local.address,
    localPort: local.port,
    peerAddress: peer?.address ?? null,
    peerPort: peer?.port ?? null,
    processes: usersAt === -1 ? [] : parseSsUsers(line.slice(usersAt)),
  };
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
    const socket = parseSsLine(line);
    if (socket === null) warnings.push(`ss printed a line v6wall cannot read: ${quoteLine(line)}`);
    else sockets.push(socket);
  }
  return { value: sockets, warnings };
}

export interface ListeningAndEstablished {
  listening: TcpSocket[];
  established: TcpSocket[];
}

/**
 * `ss -Htnp state listening state established`: with more than one state asked
 * for, ss prints the State column (LISTEN, ESTAB) first on every line.
 */
export function parseSsListeningAndEstablished(text: string): Parsed<ListeningAndEstablished> {
  const value: ListeningAndEstablished = { listening: [], established: [] };
  const warnings: string[] = [];
  for (const line of splitLines(text)) {
    if (line.trim() === '') continue;
    const state = line.trim().split(/\s+/, 1)[0] ?? '';
    const socket = parseSsLine(line);
    if (!SS_STATES.has(state) || socket === null) {
      warnings.push(`ss printed a line v6wall cannot read: ${quoteLine(line)}`);
    } else if (state === 'LISTEN') {
      value.listening.push(socket);
    } else if (state === 'ESTAB') {
      value.established.push(socket);
    }
  }
  return { value, warnings };
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
