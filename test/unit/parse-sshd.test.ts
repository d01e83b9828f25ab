import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { splitHostPort } from '../../src/core/parse/host-port.js';
import { parsePortRange, parseProcStatParentPid, parseProcStatState } from '../../src/core/parse/proc.js';
import { parseSsListeningAndEstablished, parseSsTcpSockets, type TcpSocket } from '../../src/core/parse/ss-sockets.js';
import { parseSshConnection } from '../../src/core/parse/ssh-connection.js';
import { parseSshdEffectiveConfig } from '../../src/core/parse/sshd-config.js';
import { combineSshFacts, DEFAULT_EPHEMERAL_PORTS, type SshSources } from '../../src/core/ssh-facts.js';

const fixture = (path: string): string => readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8');

describe('parseSshdEffectiveConfig (sshd -T)', () => {
  it('reads port 22 from the default configuration', () => {
    const parsed = parseSshdEffectiveConfig(fixture('discovery/sshd/sshd-T-default-port-22.txt'));
    expect([...new Set(parsed.value.map((entry) => entry.port))]).toEqual([22]);
    expect(parsed.warnings).toEqual([]);
  });

  it('uses listenaddress ports: a Port line alone is not listened on when ListenAddress names its own port', () => {
    expect(parseSshdEffectiveConfig(fixture('discovery/sshd/sshd-T-port-22-listen-only-2200.txt')).value).toEqual([{ port: 2200, address: '::' }]);
    expect(parseSshdEffectiveConfig(fixture('discovery/sshd/sshd-T-ports-2222-22-listen-2200.txt')).value).toEqual([
      { port: 2200, address: '::' },
      { port: 2222, address: '0.0.0.0' },
      { port: 22, address: '0.0.0.0' },
    ]);
  });
});

describe('the lab sshd on 2222 (captured in a namespace)', () => {
  it('reads two Port lines with listen addresses, one on a long IPv6 address', () => {
    expect(parseSshdEffectiveConfig(fixture('ssh/sshd-T-two-ports-listen.txt')).value).toEqual([
      { port: 2222, address: '2001:db8:1234:1::2' },
      { port: 22, address: '0.0.0.0' },
      { port: 2222, address: '0.0.0.0' },
    ]);
  });

  it('agrees on 2222 from config, listeners and the session, and ignores docker-proxy', () => {
    const established = parseSsTcpSockets(fixture('ssh/ss-Htnp-established.txt')).value;
    const facts = combineSshFacts({
      config: { ok: true, value: parseSshdEffectiveConfig(fixture('ssh/sshd-T-port-2222.txt')).value },
      listeners: { ok: true, value: parseSsTcpSockets(fixture('ssh/ss-Hltnp-with-session.txt')).value },
      established: { ok: true, value: established },
      sshConnection: fixture('ssh/ssh-connection-env.txt').trim(),
      ancestorPids: [],
      underSudo: false,
      ephemeralPorts: DEFAULT_EPHEMERAL_PORTS,
    });
    expect(facts).toMatchObject({ sessionPort: 2222, ports: [2222], warnings: [] });
    expect(facts.evidence.map((item) => item.source).sort()).toEqual(['listener', 'session', 'sshd-config']);
  });

  it('finds the same session from the established socket when sudo dropped SSH_CONNECTION', () => {
    const established = parseSsTcpSockets(fixture('ssh/ss-Htnp-established.txt')).value;
    const sshdPid = established[0]?.processes[0]?.pid ?? -1;
    const facts = combineSshFacts({
      config: { ok: false, error: 'sshd -T failed' },
      listeners: { ok: true, value: [] },
      established: { ok: true, value: established },
      sshConnection: undefined,
      ancestorPids: [999, sshdPid],
      underSudo: true,
      ephemeralPorts: DEFAULT_EPHEMERAL_PORTS,
    });
    expect(facts.sessionPort).toBe(2222);
    expect(facts.evidence.find((item) => item.source === 'session')?.detail).toMatch(/^your connection from \[2001:db8:1234:1::100\]:\d+$/);
  });
});

describe('parseSsListeningAndEstablished (one ss call, State column on every line)', () => {
  it('splits the lab capture into the same listeners and session as the two separate calls', () => {
    const merged = parseSsListeningAndEstablished(fixture('ssh/ss-Htnp-listening-established.txt'));
    expect(merged.warnings).toEqual([]);
    expect(merged.value.listening.map((socket) => `${socket.localAddress} ${socket.localPort} ${socket.processes[0]?.name}`)).toEqual(
      parseSsTcpSockets(fixture('ssh/ss-Hltnp-with-session.txt')).value.map(
        (socket) => `${socket.localAddress} ${socket.localPort} ${socket.processes[0]?.name}`,
      ),
    );
    expect(merged.value.established).toHaveLength(1);
    expect(merged.value.established[0]).toMatchObject({ localAddress: '2001:db8:1234:1::2', localPort: 2222, peerAddress: '2001:db8:1234:1::100' });
    const facts = combineSshFacts({
      config: { ok: true, value: parseSshdEffectiveConfig(fixture('ssh/sshd-T-port-2222.txt')).value },
      listeners: { ok: true, value: merged.value.listening },
      established: { ok: true, value: merged.value.established },
      sshConnection: undefined,
      ancestorPids: [999, merged.value.established[0]?.processes[0]?.pid ?? -1],
      underSudo: true,
      ephemeralPorts: DEFAULT_EPHEMERAL_PORTS,
    });
    expect(facts).toMatchObject({ sessionPort: 2222, ports: [2222], warnings: [] });
  });

  it('ignores the loopback listener and loopback connections', () => {
    const merged = parseSsListeningAndEstablished(fixture('discovery/ss/ss-Htnp-listening-established-sshd-2222-loopback-22.txt'));
    expect(merged.value.listening.map((socket) => [socket.localAddress, socket.localPort])).toEqual([
      ['127.0.0.1', 22],
      ['::', 2222],
    ]);
    expect(merged.value.established.map((socket) => socket.processes[0]?.name)).toEqual(['sshd', 'nc']);
    const facts = combineSshFacts({
      config: { ok: false, error: 'sshd -T failed' },
      listeners: { ok: true, value: merged.value.listening },
      established: { ok: true, value: merged.value.established },
      sshConnection: undefined,
      ancestorPids: [],
      underSudo: false,
      ephemeralPorts: DEFAULT_EPHEMERAL_PORTS,
    });
    expect(facts.ports).toEqual([2222]);
    expect(facts.sessionPort).toBeNull();
  });

  it('skips other states and flags lines it cannot read', () => {
    const parsed = parseSsListeningAndEstablished('TIME-WAIT 0 0 [2001:db8::1]:2222 [2001:db8::9]:5000\nsomething else\n');
    expect(parsed.value).toEqual({ listening: [], established: [] });
    expect(parsed.warnings).toEqual(['ss printed a line v6wall cannot read: "something else"']);
  });
});

describe('parseSsTcpSockets', () => {
  it('reads listeners with their owning processes', () => {
    const parsed = parseSsTcpSockets(fixture('discovery/ss/ss-Hltnp-sshd-2222-and-loopback-22.txt'));
    expect(parsed.value).toEqual([
      { localAddress: '127.0.0.1', localPort: 22, peerAddress: null, peerPort: null, processes: [{ name: 'sshd', pid: 5157 }] },
      { localAddress: '::', localPort: 2222, peerAddress: null, peerPort: null, processes: [{ name: 'sshd', pid: 5157 }] },
    ]);
  });

  it('reads established sockets (no State column)', () => {
    const parsed = parseSsTcpSockets(fixture('discovery/ss/ss-Htnp-established-sshd-2222.txt'));
    expect(parsed.value[0]).toEqual({ localAddress: '::1', localPort: 2222, peerAddress: '::1', peerPort: 60316, processes: [{ name: 'sshd', pid: 5164 }] });
    expect(parsed.value[1]?.processes).toEqual([{ name: 'nc', pid: 5163 }]);
  });

  it('reads sockets without process columns (not root) and several owners', () => {
    const text = 'LISTEN 0 128 0.0.0.0:2024 0.0.0.0:*\nLISTEN 0 4096 *:22 *:* users:(("sshd",pid=700,fd=3),("systemd",pid=1,fd=52))\n';
    expect(parseSsTcpSockets(text).value.map((socket) => socket.processes.map((process) => process.name))).toEqual([[], ['sshd', 'systemd']]);
  });
});

describe('small readers', () => {
  it('splits host:port forms', () => {
    expect(splitHostPort('[::]:2200')).toEqual({ address: '::', port: 2200 });
    expect(splitHostPort('0.0.0.0:22')).toEqual({ address: '0.0.0.0', port: 22 });
    expect(splitHostPort('[::]:*')).toBeNull();
    expect(splitHostPort('22')).toBeNull();
  });

  it('reads SSH_CONNECTION', () => {
    expect(parseSshConnection('2001:db8::5 51234 2001:db8::1 2222')).toEqual({
      clientAddress: '2001:db8::5',
      clientPort: 51234,
      serverAddress: '2001:db8::1',
      serverPort: 2222,
    });
    expect(parseSshConnection('1.2.3.4 5 6.7.8.9')).toBeNull();
    expect(parseSshConnection('a b c 99999')).toBeNull();
  });

  it('reads the parent pid from /proc/PID/stat, even with ") " in the command name', () => {
    expect(parseProcStatParentPid(fixture('discovery/proc/stat-sample.txt'))).toBe(13208);
    expect(parseProcStatParentPid('42 (a) b) S 7 42 42')).toBe(7);
    expect(parseProcStatParentPid('garbage')).toBeNull();
  });

  it('reads the process state from /proc/PID/stat: Z for an exited, unreaped process', () => {
    expect(parseProcStatState(fixture('discovery/proc/stat-zombie.txt'))).toBe('Z');
    expect(parseProcStatState(fixture('discovery/proc/stat-sample.txt'))).toBe('R');
    expect(parseProcStatState('42 (a) Z) S 7 42 42')).toBe('S');
    expect(parseProcStatState('garbage')).toBeNull();
  });

  it('reads ip_local_port_range', () => {
    expect(parsePortRange(fixture('discovery/proc/ip_local_port_range.txt'))).toEqual({ low: 32768, high: 60999 });
    expect(parsePortRange('9 1')).toBeNull();
  });

  it('never throw', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        parseSshdEffectiveConfig(text);
        parseSsTcpSockets(text);
        parseSsListeningAndEstablished(text);
        parseSshConnection(text);
        parseProcStatParentPid(text);
        parsePortRange(text);
        splitHostPort(text);
      }),
    );
  });
});

const sshd = (pid: number) => [{ name: 'sshd', pid }];
const socket = (localPort: number, processes: TcpSocket['processes'], peerPort: number | null = 50000): TcpSocket => ({
  localAddress: '2001:db8::1',
  localPort,
  peerAddress: peerPort === null ? null : '2001:db8::99',
  peerPort,
  processes,
});

function sources(overrides: Partial<SshSources>): SshSources {
  return {
    config: { ok: true, value: [{ port: 22, address: null }] },
    listeners: { ok: true, value: [socket(22, sshd(100), null)] },
    established: { ok: true, value: [] },
    sshConnection: undefined,
    ancestorPids: [],
    underSudo: false,
    ephemeralPorts: DEFAULT_EPHEMERAL_PORTS,
    ...overrides,
  };
}

describe('combineSshFacts', () => {
  it('agrees quietly when config, listener and session say the same port', () => {
    const facts = combineSshFacts(sources({ sshConnection: '2001:db8::99 50000 2001:db8::1 22' }));
    expect(facts).toMatchObject({ sessionPort: 22, ports: [22], warnings: [] });
    expect(facts.evidence.map((item) => item.source)).toEqual(['sshd-config', 'listener', 'session']);
  });

  it('reports "config says 22 but your session is on 2222" and keeps both', () => {
    const facts = combineSshFacts(
      sources({
        listeners: { ok: true, value: [socket(22, sshd(100), null), socket(2222, sshd(100), null)] },
        sshConnection: '203.0.113.5 50000 192.0.2.1 2222',
      }),
    );
    expect(facts.ports).toEqual([22, 2222]);
    expect(facts.sessionPort).toBe(2222);
    expect(facts.warnings).toContain('sshd config says 22 but your session is on 2222.');
  });

  it('finds the session under sudo from the sshd among its ancestors, ignoring forwarded outgoing sockets', () => {
    const facts = combineSshFacts(
      sources({
        underSudo: true,
        ancestorPids: [900, 800, 555],
        established: { ok: true, value: [socket(45000, sshd(555), 443), socket(2222, sshd(555)), socket(22, sshd(777))] },
      }),
    );
    expect(facts.sessionPort).toBe(2222);
    expect(facts.ports).toEqual([22, 2222]);
    expect(facts.evidence.find((item) => item.port === 2222)?.detail).toMatch(/your connection/);
  });

  it('counts a listener held only by systemd (socket activation) when sshd serves that port', () => {
    const systemd = [{ name: 'systemd', pid: 1 }];
    const facts = combineSshFacts(
      sources({
        config: { ok: true, value: [{ port: 22, address: null }] },
        listeners: { ok: true, value: [socket(22, systemd, null), socket(8080, systemd, null)] },
        established: { ok: true, value: [socket(22, [{ name: 'sshd-session', pid: 300 }])] },
      }),
    );
    expect(facts.evidence.filter((item) => item.source === 'listener')).toEqual([
      { port: 22, source: 'listener', detail: 'systemd socket activation on [2001:db8::1]:22' },
    ]);
    expect(facts.ports).toEqual([22]);
  });

  it('reports sources it could not read (not root) and still uses the session', () => {
    const facts = combineSshFacts(
      sources({
        config: { ok: false, error: 'sshd -T failed: sshd: no hostkeys available -- exiting.' },
        listeners: { ok: true, value: [socket(22, [], null)] },
        sshConnection: '203.0.113.5 50000 192.0.2.1 2222',
      }),
    );
    expect(facts.ports).toEqual([2222]);
    expect(facts.warnings.join('\n')).toMatch(/no hostkeys/);
    expect(facts.warnings.join('\n')).toMatch(/needs root/);
  });

  it('never misses the session port and never throws (random sources)', () => {
    const port = fc.integer({ min: 1, max: 65535 });
    const proc = fc.record({ name: fc.constantFrom('sshd', 'sshd-session', 'systemd', 'nc'), pid: fc.integer({ min: 1, max: 50 }) });
    const sock = fc.record({
      localAddress: fc.constantFrom('::', '0.0.0.0', '::1', '127.0.0.1', '2001:db8::1'),
      localPort: port,
      peerAddress: fc.option(fc.constant('2001:db8::9')),
      peerPort: fc.option(port),
      processes: fc.array(proc, { maxLength: 3 }),
    });
    const readingOf = <T>(value: fc.Arbitrary<T>) =>
      fc.oneof(
        value.map((v) => ({ ok: true as const, value: v })),
        fc.constant({ ok: false as const, error: 'failed' }),
      );
    const arbitrary = fc.record({
      config: readingOf(fc.array(fc.record({ port, address: fc.option(fc.constant('::')) }), { maxLength: 3 })),
      listeners: readingOf(fc.array(sock, { maxLength: 4 })),
      established: readingOf(fc.array(sock, { maxLength: 4 })),
      sshConnection: fc.option(
        fc.oneof(
          fc.string(),
          port.map((p) => `2001:db8::9 40000 2001:db8::1 ${p}`),
        ),
        { nil: undefined },
      ),
      ancestorPids: fc.array(fc.integer({ min: 1, max: 50 }), { maxLength: 4 }),
      underSudo: fc.boolean(),
      ephemeralPorts: fc.constant(DEFAULT_EPHEMERAL_PORTS),
    });
    fc.assert(
      fc.property(arbitrary, (input) => {
        const facts = combineSshFacts(input);
        if (facts.sessionPort !== null) expect(facts.ports).toContain(facts.sessionPort);
        const fromEnv = parseSshConnection(input.sshConnection ?? '');
        if (fromEnv !== null) expect(facts.sessionPort).toBe(fromEnv.serverPort);
        expect(facts.ports).toEqual([...new Set(facts.ports)].sort((a, b) => a - b));
      }),
    );
  });
});
