import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeHexComment, parseUfwRules } from '../../src/core/parse/ufw-rules.js';
import type { UfwRule } from '../../src/core/types/facts.js';

const fixture = (path: string): string => readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8');

/** The tuple line ufw 0.36 writes for a rule (read from backend_iptables._write_rules). */
function formatAsUfw(rule: Omit<UfwRule, 'raw' | 'v6'>): string {
  let action = rule.route ? `route:${rule.action}` : rule.action;
  if (rule.log !== '') action += `_${rule.log}`;
  let ifaces: string = rule.direction;
  if (rule.inInterface !== null && rule.outInterface !== null) ifaces = `in_${rule.inInterface}!out_${rule.outInterface}`;
  else if (rule.inInterface !== null) ifaces = `${rule.direction}_${rule.inInterface}`;
  else if (rule.outInterface !== null) ifaces = `${rule.direction}_${rule.outInterface}`;
  const head = [action, rule.proto, rule.dport, rule.dst, rule.sport, rule.src];
  const apps = rule.dapp === null && rule.sapp === null ? [] : [(rule.dapp ?? '-').replace(/ /g, '%20'), (rule.sapp ?? '-').replace(/ /g, '%20')];
  let line = `### tuple ### ${[...head, ...apps, ifaces].join(' ')}`;
  if (rule.comment !== null) line += ` comment=${Buffer.from(rule.comment, 'utf8').toString('hex')}`;
  return line;
}

const port = fc.integer({ min: 1, max: 65535 }).map(String);
const portSpec = fc.oneof(
  fc.constant('any'),
  port,
  fc
    .tuple(fc.integer({ min: 1, max: 65534 }), fc.integer({ min: 1, max: 65535 }))
    .filter(([a, b]) => a < b)
    .map(([a, b]) => `${a}:${b}`),
  fc.array(port, { minLength: 2, maxLength: 5 }).map((ports) => ports.join(',')),
);
const v6Address = fc.oneof(
  fc.constant('::/0'),
  fc.ipV6(),
  fc.tuple(fc.ipV6(), fc.integer({ min: 0, max: 128 })).map(([a, n]) => `${a}/${n}`),
);
const v4Address = fc.oneof(
  fc.constant('0.0.0.0/0'),
  fc.ipV4(),
  fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 32 })).map(([a, n]) => `${a}/${n}`),
);
const iface = fc.stringMatching(/^[a-zA-Z0-9_\-.+,=%@]{1,15}$/);
const appName = fc.stringMatching(/^[A-Za-z][A-Za-z0-9 ._-]{0,20}$/);

const ruleArbitrary = (v6: boolean) =>
  fc
    .record({
      route: fc.boolean(),
      action: fc.constantFrom('allow', 'deny', 'reject', 'limit' as const),
      log: fc.constantFrom('', 'log', 'log-all' as const),
      proto: fc.constantFrom('any', 'tcp', 'udp', 'ipv6', 'esp', 'ah', 'igmp', 'gre', 'vrrp'),
      dport: portSpec,
      dst: v6 ? v6Address : v4Address,
      sport: portSpec,
      src: v6 ? v6Address : v4Address,
      dapp: fc.option(appName),
      sapp: fc.option(appName),
      interfaces: fc.oneof(
        fc.record({ direction: fc.constantFrom('in', 'out' as const), inInterface: fc.constant(null), outInterface: fc.constant(null) }),
        fc.record({ direction: fc.constant('in' as const), inInterface: iface, outInterface: fc.constant(null) }),
        fc.record({ direction: fc.constant('out' as const), inInterface: fc.constant(null), outInterface: iface }),
        // ufw reads "in_X!out_Y" back as direction in.
        fc.record({ direction: fc.constant('in' as const), inInterface: iface, outInterface: iface }),
      ),
      comment: fc.option(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 })),
    })
    .map(({ interfaces, ...rest }) => ({ ...rest, ...interfaces }));

describe('parseUfwRules on files written by ufw 0.36.2', () => {
  const v6 = parseUfwRules(fixture('ufw/rules-active/user6.rules'), true);
  const v4 = parseUfwRules(fixture('ufw/rules-active/user.rules'), false);

  it('reads every tuple without warnings', () => {
    expect(v6.warnings).toEqual([]);
    expect(v4.warnings).toEqual([]);
    expect(v6.value.length).toBe(fixture('ufw/rules-active/user6.rules').match(/^### tuple ###/gm)?.length);
    expect(v4.value.length).toBe(fixture('ufw/rules-active/user.rules').match(/^### tuple ###/gm)?.length);
    expect(v6.value.every((rule) => rule.v6)).toBe(true);
    expect(v4.value.some((rule) => rule.v6)).toBe(false);
  });

  it('reads a route rule to a long IPv6 address with a non-ASCII comment', () => {
    const route80 = v6.value.find((rule) => rule.route && rule.dport === '80');
    expect(route80).toMatchObject({ action: 'allow', proto: 'tcp', src: '::/0', sport: 'any', direction: 'in', log: '' });
    expect(route80?.dst).toMatch(/^2001:db8:1234:a1:1:[0-9a-f]+:abcd:ab53$/);
    expect(route80?.comment).toBe('v6wall: café web ☕ port 80');
  });

  it('reads the IPv6-only allow, interfaces, logging, limit, apps and outgoing rules', () => {
    expect(v6.value.find((rule) => rule.dport === '2222')).toMatchObject({ route: false, action: 'allow', dst: '::/0', comment: null });
    expect(v6.value.find((rule) => rule.inInterface !== null)).toMatchObject({ route: true, inInterface: 'veth0', outInterface: 'docker0', proto: 'any' });
    expect(v6.value.find((rule) => rule.dport === '8443')?.log).toBe('log');
    expect(v6.value.find((rule) => rule.src === '2001:db8:bad::/48')).toMatchObject({ action: 'deny', log: 'log-all' });
    expect(v6.value.find((rule) => rule.dport === '2200')?.action).toBe('limit');
    expect(v6.value.find((rule) => rule.dapp !== null)).toMatchObject({ dapp: 'OpenSSH', sapp: null, dport: '22' });
    expect(v6.value.find((rule) => rule.direction === 'out')).toMatchObject({ dst: '2001:db8:dead::/48', action: 'deny' });
    expect(v6.value.find((rule) => rule.dport === '60000:61000')?.proto).toBe('udp');
  });

  it('reads IPv4 rules with their own "any" form', () => {
    expect(v4.value.find((rule) => rule.dport === '5432')).toMatchObject({ src: '192.0.2.0/24', dst: '0.0.0.0/0', v6: false });
  });

  it('reads empty rule sets (fresh install) as no rules', () => {
    expect(parseUfwRules(fixture('ufw/fresh/user6.rules'), true)).toEqual({ value: [], warnings: [] });
    expect(parseUfwRules(fixture('ufw/fresh/user.rules'), false)).toEqual({ value: [], warnings: [] });
  });
});

describe('parseUfwRules', () => {
  it('reads back every tuple formatted as ufw writes it (round trip)', () => {
    for (const v6 of [false, true]) {
      fc.assert(
        fc.property(fc.array(ruleArbitrary(v6), { maxLength: 5 }), (rules) => {
          const lines = rules.map(formatAsUfw);
          const text = [
            '*filter',
            ':ufw6-user-input - [0:0]',
            '### RULES ###',
            '',
            ...lines.flatMap((line) => [line, '-A ufw6-user-input -j ACCEPT', '']),
            '### END RULES ###',
          ].join('\n');
          const parsed = parseUfwRules(text, v6);
          expect(parsed.warnings).toEqual([]);
          expect(parsed.value).toEqual(rules.map((rule, index) => ({ ...rule, v6, raw: lines[index] })));
        }),
      );
    }
  });

  it('never throws, whatever the text', () => {
    const token = fc.oneof(fc.string(), fc.constantFrom('### tuple ###', 'route:allow', 'in_', '!out_', 'comment=', 'zz', '-', 'in', 'out'));
    const tupleish = fc.array(token, { maxLength: 12 }).map((tokens) => `### tuple ### ${tokens.join(' ')}`);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.array(tupleish).map((lines) => lines.join('\n')),
        ),
        fc.boolean(),
        (text, v6) => {
          const parsed = parseUfwRules(text, v6);
          expect(Array.isArray(parsed.value)).toBe(true);
        },
      ),
    );
  });

  it('skips malformed tuples with a warning and keeps the rest', () => {
    const text = [
      '### tuple ### allow tcp 22 ::/0 any ::/0 in',
      '### tuple ### allow tcp 22',
      '### tuple ### bogus tcp 22 ::/0 any ::/0 in',
      '### tuple ### allow tcp 22 ::/0 any ::/0 sideways',
    ].join('\n');
    const parsed = parseUfwRules(text, true);
    expect(parsed.value.map((rule) => rule.dport)).toEqual(['22']);
    expect(parsed.warnings).toHaveLength(3);
    expect(parsed.warnings[0]).toContain('allow tcp 22');
  });

  it('reads the old 6-field format as incoming', () => {
    const [rule] = parseUfwRules('### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0', false).value;
    expect(rule).toMatchObject({ direction: 'in', dport: '22', inInterface: null, outInterface: null, dapp: null });
  });
});

describe('decodeHexComment', () => {
  it('decodes UTF-8 hex, drops an odd trailing digit like ufw, and refuses non-hex', () => {
    expect(decodeHexComment(Buffer.from('Grüße 🐳', 'utf8').toString('hex'))).toBe('Grüße 🐳');
    expect(decodeHexComment('6869a')).toBe('hi');
    expect(decodeHexComment('xyz')).toBeUndefined();
  });
});
