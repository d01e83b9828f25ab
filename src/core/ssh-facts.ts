import type { SshFacts, SshPortEvidence } from './types/facts.js';
import type { SshdConfiguredPort } from './parse/sshd-config.js';
import { isSshdProcessName, type TcpSocket } from './parse/ss-sockets.js';
import { parseSshConnection } from './parse/ssh-connection.js';

/** What one source gave, or why it could not be read (in words a person can act on). */
export type SourceReading<T> = { ok: true; value: T } | { ok: false; error: string };

export interface SshSources {
  /** `sshd -T`, parsed. */
  config: SourceReading<SshdConfiguredPort[]>;
  /** The LISTEN lines of `ss -Htnp state listening state established` (all listeners; sshd's are picked here). */
  listeners: SourceReading<TcpSocket[]>;
  /** The ESTAB lines of the same ss call. */
  established: SourceReading<TcpSocket[]>;
  /** The SSH_CONNECTION environment variable, if set. */
  sshConnection: string | undefined;
  /** v6wall's own pid and its ancestors': the sshd process among them owns the operator's socket. */
  ancestorPids: readonly number[];
  /** Running under sudo, which usually drops SSH_CONNECTION. */
  underSudo: boolean;
  /** net.ipv4.ip_local_port_range: sshd's own outgoing (forwarded) connections use these local ports. */
  ephemeralPorts: { low: number; high: number };
}

/** Linux's default net.ipv4.ip_local_port_range. */
export const DEFAULT_EPHEMERAL_PORTS = { low: 32768, high: 60999 } as const;

type AddEvidence = (item: SshPortEvidence) => void;

/** Loopback-bound sockets never meet the firewall (and `ssh -R` tunnels live there). */
function isLoopback(address: string): boolean {
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

function endpoint(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

function describePorts(ports: readonly number[]): string {
  return ports.join(', ');
}

function distinctSorted(ports: readonly number[]): number[] {
  return [...new Set(ports)].sort((a, b) => a - b);
}

function sshdPids(socket: TcpSocket): number[] {
  return socket.processes.filter((process) => isSshdProcessName(process.name)).map((process) => process.pid);
}

/**
 * Combines the three sightings of SSH ports. The port the operator is
 * connected on must never be missed, so every established sshd connection's
 * port is kept, and disagreements are reported rather than resolved.
 */
export function combineSshFacts(sources: SshSources): SshFacts {
  const evidence: SshPortEvidence[] = [];
  const warnings: string[] = [];
  const add: AddEvidence = (item) => {
    if (!evidence.some((seen) => seen.port === item.port && seen.source === item.source)) evidence.push(item);
  };

  const configPorts = readConfig(sources, add, warnings);
  const listeners = readListeners(sources, configPorts, add, warnings);
  const sessionPort = findSessionPort(sources, new Set([...configPorts, ...listeners.ports]), add, warnings);
  warnings.push(...disagreements(sources.config.ok ? configPorts : null, listeners.known ? listeners.ports : null, sessionPort));

  const ports = distinctSorted(evidence.map((item) => item.port));
  if (ports.length === 0) warnings.push('No SSH port was found from any source: choose the SSH port yourself before enabling the firewall.');
  return { evidence, sessionPort, ports, warnings };
}

function readConfig(sources: SshSources, add: AddEvidence, warnings: string[]): number[] {
  if (!sources.config.ok) {
    warnings.push(`Could not read sshd's effective configuration (sshd -T): ${sources.config.error}`);
    return [];
  }
  const ports: number[] = [];
  for (const entry of sources.config.value) {
    if (entry.address !== null && isLoopback(entry.address)) continue;
    ports.push(entry.port);
    const detail = entry.address === null ? `sshd -T: port ${entry.port}` : `sshd -T: listenaddress ${endpoint(entry.address, entry.port)}`;
    add({ port: entry.port, source: 'sshd-config', detail });
  }
  return distinctSorted(ports);
}

/** sshd's listening ports; `known` is false when ss could not show socket owners. */
function readListeners(sources: SshSources, configPorts: readonly number[], add: AddEvidence, warnings: string[]): { ports: number[]; known: boolean } {
  if (!sources.listeners.ok) {
    warnings.push(`Could not list listening sockets: ${sources.listeners.error}`);
    return { ports: [], known: false };
  }
  const sockets = sources.listeners.value;
  const known = sockets.length === 0 || sockets.some((socket) => socket.processes.length > 0);
  if (!known) warnings.push('ss could not tell which program owns each listening socket (that needs root), so the ports sshd listens on are unknown.');

  // With socket activation (Accept=yes) only systemd holds the listener: it counts when sshd serves that port.
  const established = sources.established.ok ? sources.established.value : [];
  const servedBySshd = new Set([...configPorts, ...established.filter((socket) => sshdPids(socket).length > 0).map((socket) => socket.localPort)]);
  const ports: number[] = [];
  for (const socket of sockets) {
    if (isLoopback(socket.localAddress)) continue;
    const [pid] = sshdPids(socket);
    const where = endpoint(socket.localAddress, socket.localPort);
    if (pid !== undefined) {
      ports.push(socket.localPort);
      add({ port: socket.localPort, source: 'listener', detail: `sshd pid ${pid} on ${where}` });
    } else if (socket.processes.some((process) => process.name === 'systemd') && servedBySshd.has(socket.localPort)) {
      ports.push(socket.localPort);
      add({ port: socket.localPort, source: 'listener', detail: `systemd socket activation on ${where}` });
    }
  }
  return { ports: distinctSorted(ports), known };
}

function findSessionPort(sources: SshSources, knownPorts: ReadonlySet<number>, add: AddEvidence, warnings: string[]): number | null {
  let sessionPort: number | null = null;
  if (sources.sshConnection !== undefined && sources.sshConnection.trim() !== '') {
    const connection = parseSshConnection(sources.sshConnection);
    if (connection === null) {
      warnings.push(`SSH_CONNECTION is set but unreadable: "${sources.sshConnection.slice(0, 80)}".`);
    } else {
      sessionPort = connection.serverPort;
      add({ port: connection.serverPort, source: 'session', detail: `SSH_CONNECTION from ${connection.clientAddress}` });
    }
  }

  if (!sources.established.ok) {
    warnings.push(`Could not list established connections: ${sources.established.error}`);
    if (sessionPort === null) warnings.push('The port of your own SSH session is unknown: make sure the SSH port you use is chosen.');
    return sessionPort;
  }

  // sshd also owns the outgoing sockets of forwarded ports (ssh -L): their local port is an ephemeral one.
  const { low, high } = sources.ephemeralPorts;
  const sshdSockets = sources.established.value.filter(
    (socket) =>
      sshdPids(socket).length > 0 &&
      !isLoopback(socket.localAddress) &&
      (knownPorts.has(socket.localPort) || socket.localPort < low || socket.localPort > high),
  );
  const ancestors = new Set(sources.ancestorPids);
  const ours = sshdSockets.find((socket) => sshdPids(socket).some((pid) => ancestors.has(pid)));
  if (ours !== undefined) {
    add({ port: ours.localPort, source: 'session', detail: `your connection from ${endpoint(ours.peerAddress ?? '?', ours.peerPort ?? 0)}` });
    sessionPort ??= ours.localPort;
  }
  // Other people's (or other windows') SSH connections use ports that must stay open too.
  for (const socket of sshdSockets) {
    const peer = socket.peerAddress === null ? 'an unknown peer' : endpoint(socket.peerAddress, socket.peerPort ?? 0);
    add({ port: socket.localPort, source: 'session', detail: `SSH connection from ${peer} (sshd pid ${sshdPids(socket)[0] ?? '?'})` });
  }
  if (sessionPort !== null) return sessionPort;

  const openPorts = distinctSorted(sshdSockets.map((socket) => socket.localPort));
  if (openPorts.length === 1) return openPorts[0] ?? null;
  if (openPorts.length > 1) {
    warnings.push(`SSH connections are open on ports ${describePorts(openPorts)} and v6wall cannot tell which one is yours: all are kept open.`);
  } else if (sources.underSudo) {
    warnings.push('sudo dropped SSH_CONNECTION and no established sshd connection was found: the port of your own session is unknown.');
  }
  return null;
}

/** Plain-words disagreements; null means that source could not be read. */
function disagreements(configPorts: number[] | null, listenerPorts: number[] | null, sessionPort: number | null): string[] {
  const warnings: string[] = [];
  if (sessionPort !== null && configPorts !== null && configPorts.length > 0 && !configPorts.includes(sessionPort)) {
    warnings.push(`sshd config says ${describePorts(configPorts)} but your session is on ${sessionPort}.`);
  }
  if (sessionPort !== null && listenerPorts !== null && !listenerPorts.includes(sessionPort)) {
    warnings.push(`Your session is on port ${sessionPort} but sshd no longer listens there: a new login on ${sessionPort} would fail.`);
  }
  if (configPorts === null || listenerPorts === null || configPorts.length === 0) return warnings;
  if (listenerPorts.length === 0) {
    warnings.push(`No sshd is listening right now (sshd config says ${describePorts(configPorts)}): is the SSH server running?`);
  } else if (listenerPorts.some((port) => !configPorts.includes(port)) || configPorts.some((port) => !listenerPorts.includes(port))) {
    warnings.push(
      `sshd config says ${describePorts(configPorts)} but sshd listens on ${describePorts(listenerPorts)}: ` +
        'the configuration changed without a restart, or socket activation (ssh.socket) has not picked it up.',
    );
  }
  return warnings;
}
