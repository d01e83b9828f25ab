// What listens inside a container, from socket tables captured in the lab (a container with httpd on
// 8088 and 9999 without EXPOSE, httpd on [::1]:7777, and UDP sockets bound in its namespace).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseProcNetSockets, reachableOverIpv6 } from '../../src/core/parse/proc-net-sockets.js';

const fixture = (name: string): string => readFileSync(new URL(`../fixtures/docker/api/v28-nat-and-routed/${name}`, import.meta.url), 'utf8');

describe('parseProcNetSockets', () => {
  it('reads the listening TCP sockets of /proc/PID/net/tcp6', () => {
    const parsed = parseProcNetSockets(fixture('proc-net-tcp6-hidden.txt'), 'tcp');
    expect(parsed.warnings).toEqual([]);
    expect(parsed.value).toEqual([
      { address: '::1', port: 7777, proto: 'tcp' },
      { address: '::', port: 8088, proto: 'tcp' },
      { address: '::', port: 9999, proto: 'tcp' },
    ]);
    expect(parsed.value.filter(reachableOverIpv6).map((l) => l.port)).toEqual([8088, 9999]);
  });

  it('reads the bound, unconnected UDP sockets of /proc/PID/net/udp6 (a connected one is a client)', () => {
    const parsed = parseProcNetSockets(fixture('proc-net-udp6-hidden.txt'), 'udp');
    expect(parsed.warnings).toEqual([]);
    expect(parsed.value).toEqual([
      { address: '::', port: 5353, proto: 'udp' },
      { address: '::1', port: 5354, proto: 'udp' },
    ]);
    expect(parsed.value.filter(reachableOverIpv6).map((l) => l.port)).toEqual([5353]);
  });

  it('decodes the kernel byte order of addresses', () => {
    const line =
      '   0: B80D0120A10034120000010010000000:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0';
    expect(parseProcNetSockets(`header\n${line}\n`, 'tcp').value).toEqual([{ address: '2001:db8:1234:a1:1::10', port: 80, proto: 'tcp' }]);
  });

  it('never throws, and warns about lines it cannot read', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const parsed = parseProcNetSockets(`header\n${text}`, 'tcp');
        for (const listener of parsed.value) expect(listener.port).toBeGreaterThan(0);
      }),
    );
    expect(parseProcNetSockets('header\n  0: nonsense\n', 'udp').warnings).toHaveLength(1);
  });
});
