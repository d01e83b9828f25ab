import ipaddr from 'ipaddr.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatAddr, inCidr, parseAddr, toAddrCidr } from '../../src/core/iptables/address.js';
import { parseRuleCidr } from '../../src/core/iptables/parse-values.js';

/** ipaddr.js's reading of an address, as the four words parseAddr gives; null when ipaddr rejects it. */
function reference(text: string): number[] | null {
  if (!ipaddr.IPv6.isValid(text)) return null;
  const b = ipaddr.IPv6.parse(text).toByteArray();
  return [0, 4, 8, 12].map((i) => ((b[i] as number) << 24) | ((b[i + 1] as number) << 16) | ((b[i + 2] as number) << 8) | (b[i + 3] as number));
}
const words = (text: string): number[] | null => {
  const a = parseAddr(text);
  return a === null ? null : Array.from(a);
};

describe('parseAddr (the fast path rule matching uses) reads addresses exactly as ipaddr.js does', () => {
  it.each([
    '::',
    '::1',
    '1::',
    '2001:db8::10',
    '2001:db8:0:0:1::',
    'ff02::fb',
    '1:2:3:4:5:6:7:8',
    '::ffff:192.0.2.1',
    'FE80::1',
    '1:::2',
    ':1::',
    '1::2::3',
    '12345::',
    'g::',
    '',
    ':',
    '1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7:8:9',
    '1::2:3:4:5:6:7:8',
    '1:2:3:4:5:6:7::',
    '::1:2:3:4:5:6:7',
    '1:',
    '192.0.2.1',
    'fe80::1%eth0',
  ])('%s', (text) => {
    expect(words(text)).toEqual(reference(text));
  });

  it('reads plain hex addresses without falling back to ipaddr.js (ruleset speed depends on it)', () => {
    fc.assert(
      fc.property(
        fc.ipV6().filter((t) => !t.includes('.')),
        (text) => {
          const a = parseAddr(text, false);
          expect(a === null ? null : Array.from(a)).toEqual(reference(text));
        },
      ),
      { numRuns: 3000 },
    );
    expect(parseAddr('::ffff:192.0.2.1', false)).toBeNull();
  });

  it('for every address fast-check can write', () => {
    fc.assert(
      fc.property(fc.ipV6(), (text) => {
        expect(words(text)).toEqual(reference(text));
      }),
      { numRuns: 3000 },
    );
  });

  it('prefix membership agrees with ipaddr.js match()', () => {
    fc.assert(
      fc.property(fc.ipV6(), fc.ipV6(), fc.integer({ min: 0, max: 128 }), (address, network, prefix) => {
        const cidr = parseRuleCidr(`${network}/${prefix}`);
        const mine = cidr === null ? null : toAddrCidr(cidr);
        const a = parseAddr(address);
        if (mine === null || a === null) throw new Error('unparsable');
        expect(inCidr(a, mine)).toBe(ipaddr.IPv6.parse(address).match(ipaddr.IPv6.parse(network), prefix));
      }),
      { numRuns: 3000 },
    );
  });

  it('formats addresses as ipaddr.js does (RFC 5952)', () => {
    fc.assert(
      fc.property(fc.ipV6(), (text) => {
        const a = parseAddr(text);
        if (a === null) throw new Error('unparsable');
        expect(formatAddr(a)).toBe(ipaddr.IPv6.parse(text).toString());
      }),
      { numRuns: 3000 },
    );
  });

  it('parseRuleCidr gives what ipaddr.js gives, with and without a prefix', () => {
    fc.assert(
      fc.property(fc.ipV6(), fc.option(fc.integer({ min: 0, max: 128 })), (text, prefix) => {
        const r = parseRuleCidr(prefix === null ? text : `${text}/${prefix}`);
        expect(r).toEqual({ family: 6, address: ipaddr.IPv6.parse(text).toString(), prefix: prefix ?? 128 });
      }),
      { numRuns: 3000 },
    );
    expect(parseRuleCidr('2001:db8::/129')).toBeNull();
    expect(parseRuleCidr('192.0.2.0/24')).toEqual({ family: 4, address: '192.0.2.0', prefix: 24 });
  });
});
