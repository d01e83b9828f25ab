import type { SshFacts, SshPortEvidence } from './types.js';
import { isSshdProcessName, parseSshConnection, type SshdConfiguredPort, type TcpSocket } from './parse/sshd.js';

/** What one source gave, or why it could not be read (in words a person can act on). */
export type SourceReading<T> = { ok: true; value: T } | { ok: false; error: string };

export interface SshSources {
  /** `sshd -T`, parsed. */
  config: SourceReading<SshdConfiguredPort[]>;
  /** `ss -Hltnp`, parsed (all listeners; sshd's are picked here). */
  listeners: SourceReading<TcpSocket[]>;
  /** `ss -Htnp state established`, parsed. */
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
  const add = (item: SshPortEvidence): void => {
    if (!evidence.some((seen) => seen.port === item.port && seen.source === item.source)) evidence.push(item);
  };

  const configPorts: number[] = [];
  if (sources.config.ok) {
    for (const entry of sources.config.value) {
      configPorts.push(entry.port);
      const detail = entry.address === null ? `sshd -T: port ${entry.port}` : `sshd -T: listenaddress ${endpoint(entry.address, entry.port)}`;
      add({ port: entry.port, source: 'sshd-config', detail });
    }
  } else {
    warnings.push(`Could not read sshd's effective configuration (sshd -T): ${sources.config.error}`);
  }

  const listenerPorts: number[] = [];
  let listenersKnown = false;
  if (sources.listeners.ok) {
    const sockets = sources.listeners.value;
    listenersKnown = sockets.length === 0 || sockets.some((socket) => socket.processes.length > 0);
    if (!listenersKnown) {
      warnings.push('ss could not tell which program owns each listening socket (that needs root), so the ports sshd listens on are unknown.');
    }
    for (const socket of sockets) {
      const [pid] = sshdPids(socket);
      if (pid === undefined || isLoopback(socket.localAddress)) continue;
      listenerPorts.push(socket.localPort);
      add({ port: socket.localPort, source: 'listener', detail: `sshd pid ${pid} on ${endpoint(socket.localAddress, socket.localPort)}` });
    }
  } else {
    warnings.push(`Could not list listening sockets (ss -Hltnp): ${sources.listeners.error}`);
  }

  const sessionPort = findSessionPort(sources, new Set([...configPorts, ...listenerPorts]), add, warnings);

  const distinctConfig = [...new Set(configPorts)].sort((a, b) => a - b);
  const distinctListeners = [...new Set(listenerPorts)].sort((a, b) => a - b);
  if (sessionPort !== null && sources.config.ok && distinctConfig.length > 0 && !distinctConfig.includes(sessionPort)) {
    warnings.push(`sshd config says ${describePorts(distinctConfig)} but your session is on ${sessionPort}.`);
  }
  if (sessionPort !== null && sources.listeners.ok && listenersKnown && !distinctListeners.includes(sessionPort)) {
    warnings.push(`Your session is on port ${sessionPort} but sshd no longer listens there: a new login on ${sessionPort} would fail.`);
  }
  if (sources.config.ok && sources.listeners.ok && listenersKnown && distinctListeners.length > 0) {
    const onlyListening = distinctListeners.filter((port) => !distinctConfig.includes(port));
    const onlyConfigured = distinctConfig.filter((port) => !distinctListeners.includes(port));
    if (onlyListening.length > 0 || onlyConfigured.length > 0) {
      warnings.push(
        `sshd config says ${describePorts(distinctConfig) || 'no port'} but sshd listens on ${describePorts(distinctListeners)}: ` +
          'the configuration changed without a restart, or socket activation (ssh.socket) has not picked it up.',
      );
    }
  }

  const ports = [...new Set(evidence.map((item) => item.port))].sort((a, b) => a - b);
  if (ports.length === 0) warnings.push('No SSH port was found from any source: choose the SSH port yourself before enabling the firewall.');
  return { evidence, sessionPort, ports, warnings };
}

function findSessionPort(
  sources: SshSources,
  knownPorts: ReadonlySet<number>,
  add: (item: SshPortEvidence) => void,
  warnings: string[],
): number | null {
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
    warnings.push(`Could not list established connections (ss -Htnp state established): ${sources.established.error}`);
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
  if (sessionPort === null) {
    const established = [...new Set(sshdSockets.map((socket) => socket.localPort))];
    if (established.length === 1) sessionPort = established[0] ?? null;
    else if (established.length > 1) {
      warnings.push(`SSH connections are open on ports ${describePorts(established.sort((a, b) => a - b))} and v6wall cannot tell which one is yours: all are kept open.`);
    } else if (sources.underSudo) {
      warnings.push('sudo dropped SSH_CONNECTION and no established sshd connection was found: the port of your own session is unknown.');
    }
  }
  return sessionPort;
}
