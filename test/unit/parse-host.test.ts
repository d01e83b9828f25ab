import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  hostGlobalIpv6,
  hostHasIpv4,
  hostOnLinkPrefixes,
  parseForwardingSysctl,
  parseIpAddrJson,
  parseNeighProxies,
} from '../../src/core/parse/host-addresses.js';

const fixture = (path: string): string => readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8');

describe('host addresses (lab captures with Docker bridges)', () => {
  const read = (path: string) => parseIpAddrJson(fixture(path)).value;

  it("an IPv6-only host stays IPv6-only although Docker's bridges carry IPv4", () => {
    const v4 = read('host/ipv6-only/ip-j-4-addr.json');
    expect(v4.some((entry) => entry.ifname === 'docker0')).toBe(true);
    expect(hostHasIpv4(v4)).toBe(false);
    expect(hostGlobalIpv6(read('host/ipv6-only/ip-j-6-addr-global.json'))).toEqual(['2001:db8:1234:1::2']);
  });

  it('a dual-stack host has IPv4 on eth0, and the bridge gateway is not one of its addresses', () => {
    expect(hostHasIpv4(read('host/dual-stack/ip-j-4-addr.json'))).toBe(true);
    expect(hostGlobalIpv6(read('host/dual-stack/ip-j-6-addr-global.json'))).toEqual(['2001:db8:1234:1::2']);
  });

  it('reads the forwarding sysctl as captured', () => {
    expect(parseForwardingSysctl(fixture('host/dual-stack/sysctl-ipv6-all-forwarding.txt'))).toBe(true);
  });
});

describe('host addresses', () => {
  it('reads global IPv6 addresses, skipping the empty entries ip leaves after filtering', () => {
    const parsed = parseIpAddrJson(fixture('discovery/ip/ip-j-6-addr-scope-global-fd00.json'));
    expect(parsed.warnings).toEqual([]);
    expect(hostGlobalIpv6(parsed.value)).toEqual(['fd00::2']);
  });

  it('sees IPv4 beside loopback as dual stack', () => {
    const addresses = parseIpAddrJson(fixture('discovery/ip/ip-j-4-addr-dual-stack.json')).value;
    expect(hostHasIpv4(addresses)).toBe(true);
    expect(hostHasIpv4(addresses.filter((entry) => entry.ifname === 'lo'))).toBe(false);
  });

  it("leaves Docker's bridges out of the host's own addresses", () => {
    const addresses = [
      { ifname: 'eth0', family: 'inet6' as const, address: '2001:DB8::1', scope: 'global', prefixLength: 64 },
      { ifname: 'docker0', family: 'inet6' as const, address: '2001:db8:1::1', scope: 'global', prefixLength: 80 },
      { ifname: 'docker0', family: 'inet' as const, address: '172.17.0.1', scope: 'global', prefixLength: 16 },
      { ifname: 'web', family: 'inet6' as const, address: '2001:db8:2::1', scope: 'global', prefixLength: 64 },
    ];
    expect(hostGlobalIpv6(addresses, ['web'])).toEqual(['2001:db8::1']);
    expect(hostHasIpv4(addresses)).toBe(false);
    expect(hostOnLinkPrefixes(addresses, ['web'])).toEqual(['2001:db8::/64']);
  });

  it('reads the on-link prefix of the captured lab host and the proxied addresses', () => {
    expect(hostOnLinkPrefixes(parseIpAddrJson(fixture('host/ipv6-only/ip-j-6-addr-global.json')).value)).toEqual(['2001:db8:1234:1::/64']);
    expect(parseNeighProxies('[{"dst":"2001:db8:1234:1::ab53","dev":"eth0","proxy":null}]')).toEqual(['2001:db8:1234:1::ab53']);
    expect(parseNeighProxies('not json')).toEqual([]);
  });

  it('reads the forwarding sysctl', () => {
    expect(parseForwardingSysctl('1\n')).toBe(true);
    expect(parseForwardingSysctl('0\n')).toBe(false);
  });

  it('never throws on any text or JSON', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (text) => {
        const parsed = parseIpAddrJson(text);
        hostGlobalIpv6(parsed.value);
        hostHasIpv4(parsed.value);
        parseForwardingSysctl(text);
      }),
    );
  });
});
