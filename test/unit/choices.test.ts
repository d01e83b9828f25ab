import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { defaultChoices, parsePortSpec, resolveChoices } from '../../src/core/choices.js';
import { formatRuleComment, parseRuleComment, type RuleTag } from '../../src/core/rule-comment.js';
import { factsArbitrary } from '../support/arbitraries.js';
import type { Container, Facts } from '../../src/core/types/facts.js';

const web: Container = {
  id: 'a'.repeat(64),
  name: 'web',
  image: 'nginx',
  state: 'running',
  networks: [{ name: 'v6net', ipv6: '2001:db8:1:1::10', ipv4: '172.18.0.2' }],
  ports: [
    { port: 80, proto: 'tcp', published: [{ hostIp: '::', hostPort: 8081 }] },
    { port: 443, proto: 'tcp', published: [] },
  ],
};
const legacy: Container = { ...web, id: 'b'.repeat(64), name: 'legacy', networks: [{ name: 'bridge', ipv6: null, ipv4: '172.17.0.2' }] };
const facts: Facts = (() => {
  const base = fc.sample(factsArbitrary, { numRuns: 1, seed: 3 })[0]!;
  return {
    ...base,
    ssh: { evidence: [{ port: 2222, source: 'listener', detail: 'sshd' }], sessionPort: null, ports: [2222], warnings: [] },
    docker: { ...base.docker, containers: [web, legacy] },
  };
})();

const flags = (overrides: Partial<Parameters<typeof resolveChoices>[1]>) => ({ sshPorts: [], route: [], publish: [], ...overrides });

describe('resolveChoices (the flags of plan and apply)', () => {
  it('turns --route and --publish into choices with the detected SSH ports', () => {
    const result = resolveChoices(facts, flags({ route: ['web:443'], publish: ['web:8081/tcp'] }));
    expect(result).toEqual({
      ok: true,
      value: {
        sshPorts: [2222],
        exposures: [
          { container: 'web', port: 443, proto: 'tcp', exposure: 'route' },
          { container: 'web', port: 80, proto: 'tcp', exposure: 'publish', hostPort: 8081 },
        ],
        scope: 'additive',
      },
      notes: [],
    });
  });

  it('names each bad choice with a message that says what would work', () => {
    const result = resolveChoices(facts, flags({ route: ['nope:80', 'web:8080', 'legacy:80', 'web:http'], publish: ['web:9999'] }));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual([
      { choice: '--route nope:80', message: 'no container named "nope" (known: web, legacy)' },
      { choice: '--route web:8080', message: 'web does not expose 8080/tcp, and nothing listens on it over IPv6 (exposed or listening: 80/tcp, 443/tcp)' },
      { choice: '--route legacy:80', message: 'legacy has no global IPv6 address, so there is nothing to route to; use --publish for a published host port' },
      { choice: '--route web:http', message: '"http" is not a port (1-65535)' },
      { choice: '--publish web:9999', message: 'web does not publish host port 9999/tcp (published: 8081/tcp)' },
    ]);
  });

  it('adds explicit SSH ports to the detected ones with auto, and uses only them without', () => {
    expect(resolveChoices(facts, flags({ sshPorts: ['auto', 22] }))).toMatchObject({ ok: true, value: { sshPorts: [22, 2222] } });
    expect(resolveChoices(facts, flags({ sshPorts: [22] }))).toMatchObject({ ok: true, value: { sshPorts: [22] } });
  });

  it('parses port specs strictly', () => {
    expect(parsePortSpec('web:80/udp')).toEqual({ name: 'web', port: 80, proto: 'udp' });
    expect(parsePortSpec('web:80')).toEqual({ name: 'web', port: 80 });
    expect(parsePortSpec('web:80@2001:DB8:abcd:0:1::/48')).toEqual({ name: 'web', port: 80, source: '2001:db8:abcd::/48' });
    expect(parsePortSpec('web:80/udp@2001:db8::5/128')).toEqual({ name: 'web', port: 80, proto: 'udp', source: '2001:db8::5' });
    expect(parsePortSpec('web:80@192.0.2.0/24')).toMatch(/IPv4 source/);
    expect(parsePortSpec('web:80@::/0')).toMatch(/leave out @SOURCE/);
    expect(parsePortSpec('web:80@2001:db8::/129')).toMatch(/not a prefix length/);
    expect(parsePortSpec('web:80@nope')).toMatch(/not an IPv6 address or network/);
    expect(parsePortSpec('web:0')).toMatch(/not a port/);
    expect(parsePortSpec('web:65536')).toMatch(/not a port/);
    expect(parsePortSpec('web')).toMatch(/expected NAME:PORT/);
    expect(parsePortSpec('web:80/sctp')).toMatch(/expected NAME:PORT/);
  });
});

describe('rule comments', () => {
  const tag: fc.Arbitrary<RuleTag> = fc.oneof(
    fc.record({ kind: fc.constant('ssh' as const), port: fc.integer({ min: 1, max: 65535 }) }),
    fc.record({ kind: fc.constant('egress' as const), network: fc.stringMatching(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,30}$/) }),
    fc.record(
      {
        kind: fc.constant('route' as const),
        container: fc.stringMatching(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,30}$/),
        port: fc.integer({ min: 1, max: 65535 }),
        proto: fc.constantFrom('tcp' as const, 'udp' as const),
        source: fc.constantFrom('2001:db8:abcd::/48', '2001:db8::5', '2001:db8:1:2:3:4:5:0/112'),
      },
      { requiredKeys: ['kind', 'container', 'port', 'proto'] },
    ),
    fc.record(
      {
        kind: fc.constant('publish' as const),
        container: fc.stringMatching(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,30}$/),
        port: fc.integer({ min: 1, max: 65535 }),
        proto: fc.constantFrom('tcp' as const, 'udp' as const),
        hostPort: fc.integer({ min: 1, max: 65535 }),
        source: fc.constantFrom('2001:db8:abcd::/48', '2001:db8::5'),
      },
      { requiredKeys: ['kind', 'container', 'port', 'proto'] },
    ),
  );

  it('reads back every comment it writes', () => {
    fc.assert(
      fc.property(tag, (value) => {
        expect(parseRuleComment(formatRuleComment(value))).toEqual(value);
      }),
    );
  });

  it('reads comments written before sources existed as "from anywhere"', () => {
    expect(parseRuleComment('v6wall route web 80/tcp')).toEqual({ kind: 'route', container: 'web', port: 80, proto: 'tcp' });
    expect(parseRuleComment('v6wall publish web 80/tcp host 8081')).toEqual({ kind: 'publish', container: 'web', port: 80, proto: 'tcp', hostPort: 8081 });
    expect(parseRuleComment('v6wall route web 80/tcp from 2001:db8:abcd::/48')).toEqual({
      kind: 'route',
      container: 'web',
      port: 80,
      proto: 'tcp',
      source: '2001:db8:abcd::/48',
    });
    // Not in the canonical form v6wall writes: not v6wall's.
    expect(parseRuleComment('v6wall route web 80/tcp from 2001:DB8:abcd::/48')).toBeNull();
    expect(parseRuleComment('v6wall route web 80/tcp host 8081')).toBeNull();
  });

  it('never throws on foreign comments and claims none of them', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const parsed = parseRuleComment(text);
        if (parsed !== null) expect(formatRuleComment(parsed)).toBe(text);
      }),
    );
  });

  it('preselects what v6wall exposed before, for containers still present (the guided re-run)', () => {
    const rule = {
      v6: true,
      route: true,
      action: 'allow' as const,
      log: '' as const,
      proto: 'tcp',
      dport: '443',
      dst: '2001:db8:1:1::10',
      sport: 'any',
      src: '::/0',
      dapp: null,
      sapp: null,
      direction: 'in' as const,
      inInterface: null,
      outInterface: null,
      raw: '',
    };
    const withRules = {
      ...facts,
      ufw: {
        ...facts.ufw,
        rules: [
          { ...rule, comment: 'v6wall route web 443/tcp' },
          { ...rule, comment: 'v6wall route gone 80/tcp' },
        ],
      },
    };
    expect(defaultChoices(withRules).exposures).toEqual([{ container: 'web', port: 443, proto: 'tcp', exposure: 'route' }]);
  });
});
