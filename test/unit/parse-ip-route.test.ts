import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseIpAddrJson } from '../../src/core/parse/host-addresses.js';
import { parseDefaultRouteDevices, publicInterface } from '../../src/core/parse/ip-route.js';

const fixture = (path: string): string => readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8');

describe('the public interface', () => {
  it('is the IPv6 default route device (captured on this VM)', () => {
    const devices = parseDefaultRouteDevices(fixture('discovery/ip/ip-j-6-route-show-default-eth0.json'));
    expect(devices).toEqual({ value: ['eth0'], warnings: [] });
    expect(publicInterface(devices.value, [])).toBe('eth0');
  });

  it("falls back to the first global address's interface without a default route (a lab namespace), never a Docker bridge", () => {
    const devices = parseDefaultRouteDevices(fixture('discovery/ip/ip-j-6-route-show-default-none.json'));
    expect(devices).toEqual({ value: [], warnings: [] });
    // The lab host: its bridge br-69604c8d7e78 carries a global address listed before eth0's.
    const addresses = parseIpAddrJson(fixture('host/dual-stack/ip-j-6-addr-global.json')).value;
    expect(addresses[0]?.ifname).toBe('br-69604c8d7e78');
    expect(publicInterface(devices.value, addresses)).toBe('eth0');
    expect(publicInterface([], [])).toBeNull();
  });

  it('never throws on any text or JSON', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (text) => {
        publicInterface(parseDefaultRouteDevices(text).value, parseIpAddrJson(text).value);
      }),
    );
  });
});
