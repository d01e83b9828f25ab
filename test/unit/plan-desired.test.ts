// Desired state, as an operator meets it: the wizard closes what is unticked, the CLI stays
// additive unless told (--close, --exact), stopped containers keep their openings, sources
// narrow each rule, rules v6wall did not make are shown and removed only when chosen, and
// containers keep their egress where UFW would drop it.
import { describe, expect, it } from 'vitest';
import { buildPlan, pendingSteps } from '../../src/core/plan.js';
import { defaultChoices, resolveChoices } from '../../src/core/choices.js';
import { foreignRules } from '../../src/core/foreign-rules.js';
import { dockerFirewallMode } from '../../src/core/docker-mode.js';
import type { Choices } from '../../src/core/types/choices.js';
import type { Facts, UfwRule } from '../../src/core/types/facts.js';
import type { Plan } from '../../src/core/types/plan.js';
import { labFacts, withChanges } from '../ui/facts.js';
import { afterApplying } from '../support/ufw-model.js';

const tuple = (overrides: Partial<UfwRule>): UfwRule => ({
  v6: true,
  route: true,
  action: 'allow',
  log: '',
  proto: 'tcp',
  dport: '80',
  dst: '::/0',
  sport: 'any',
  src: '::/0',
  dapp: null,
  sapp: null,
  direction: 'in',
  inInterface: null,
  outInterface: null,
  comment: null,
  raw: `raw-${JSON.stringify(overrides)}`,
  ...overrides,
});

function ok(result: ReturnType<typeof buildPlan>): Plan {
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.value;
}

const commands = (plan: Plan): string[] => pendingSteps(plan).map((step) => step.argv.join(' '));
const WEB = '2001:db8:1:1::10';
const EGRESS = 'ufw route allow in on br-web6 from 2001:db8:1:1::/80 to ::/0 comment v6wall egress web6';

/** The lab facts after v6wall opened web 80 by route (from anywhere) and db 5432 from one network. */
const opened = (): Facts => {
  const facts = labFacts();
  const choices: Choices = {
    sshPorts: [2222],
    exposures: [
      { container: 'web', port: 80, proto: 'tcp', exposure: 'route' },
      { container: 'db', port: 5432, proto: 'tcp', exposure: 'route', source: '2001:db8:abcd::/48' },
    ],
    scope: 'exact',
  };
  return afterApplying(facts, ok(buildPlan(facts, choices)));
};

describe('the first hardening with Docker ip6tables off (Debian 12)', () => {
  it('keeps container egress: one route rule per Docker IPv6 network, before the default denies', () => {
    const plan = ok(buildPlan(labFacts(), { sshPorts: [2222], exposures: [], scope: 'exact' }));
    expect(commands(plan)).toEqual([
      'ufw allow proto tcp from any to ::/0 port 2222 comment v6wall ssh 2222/tcp',
      EGRESS,
      'ufw default deny routed',
      'ufw --force enable',
    ]);
    const egress = plan.steps.find((step) => step.argv.join(' ') === EGRESS);
    expect(egress?.why).toContain('start connections out');
    expect(egress?.undoArgv?.join(' ')).toBe('ufw route delete allow in on br-web6 from 2001:db8:1:1::/80 to ::/0');
  });

  it('adds nothing for egress where Docker writes its own ip6tables rules (they let bridge traffic out first)', () => {
    const facts = withChanges((f) => {
      f.docker.serverVersion = '28.5.2';
      f.docker.ip6tablesChainsLive = true;
      f.docker.ip6DockerUserChain = true;
      f.ufw.after6Rules = '*filter\n:ufw6-after-input - [0:0]\nCOMMIT\n';
    });
    const plan = ok(buildPlan(facts, { sshPorts: [2222], exposures: [], scope: 'exact' }));
    expect(commands(plan).some((c) => c.includes('egress'))).toBe(false);
    // A network created later is found on the next run.
    const later = withChanges((f) => {
      f.docker.networks.push({
        id: 'n3',
        name: 'later',
        driver: 'bridge',
        ipv6: true,
        subnets: ['2001:db8:1:3::/80'],
        gatewayModeIpv6: 'nat',
        bridge: 'br-later',
      });
    });
    expect(
      commands(ok(buildPlan(afterApplying(labFacts(), ok(buildPlan(labFacts(), { sshPorts: [2222], exposures: [] }))), { sshPorts: [2222], exposures: [] }))),
    ).toEqual([]);
    expect(commands(ok(buildPlan(later, { sshPorts: [2222], exposures: [] })))).toContain(
      'ufw route allow in on br-later from 2001:db8:1:3::/80 to ::/0 comment v6wall egress later',
    );
  });
});

describe('sources', () => {
  it('narrow the rule to the source, and say so in the comment', () => {
    const plan = ok(
      buildPlan(labFacts(), {
        sshPorts: [2222],
        exposures: [{ container: 'web', port: 80, proto: 'tcp', exposure: 'publish', hostPort: 8081, source: '2001:db8:abcd::/48' }],
      }),
    );
    expect(commands(plan)).toContain(
      'ufw allow proto tcp from 2001:db8:abcd::/48 to ::/0 port 8081 comment v6wall publish web 80/tcp host 8081 from 2001:db8:abcd::/48',
    );
    expect(plan.steps.find((s) => s.kind === 'publish')?.why).toBe("Let 2001:db8:abcd::/48 reach web's 80/tcp through the host's port 8081");
  });

  it('are refused where Docker accepts the port for everyone before UFW (20.10 with ip6tables, published ports)', () => {
    const facts = withChanges((f) => {
      f.docker.daemonConfig = { ipv6: true, ip6tables: true, experimental: true };
      f.docker.ip6tablesChainsLive = true;
    });
    const result = buildPlan(facts, {
      sshPorts: [2222],
      exposures: [{ container: 'web', port: 80, proto: 'tcp', exposure: 'route', source: '2001:db8:abcd::/48' }],
    });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0]?.message).toMatch(/a source limit cannot hold/);
  });

  it('leave out a source that a wider chosen one already lets in', () => {
    const plan = ok(
      buildPlan(labFacts(), {
        sshPorts: [2222],
        exposures: [
          { container: 'web', port: 80, proto: 'tcp', exposure: 'route', source: '2001:db8:abcd::/48' },
          { container: 'web', port: 80, proto: 'tcp', exposure: 'route', source: '2001:db8:abcd:1::5' },
        ],
      }),
    );
    expect(commands(plan).filter((c) => c.includes(WEB))).toEqual([
      `ufw route allow proto tcp from 2001:db8:abcd::/48 to ${WEB} port 80 comment v6wall route web 80/tcp from 2001:db8:abcd::/48`,
    ]);
    expect(plan.notes.join('\n')).toContain('--route web:80/tcp@2001:db8:abcd:1::5 is left out');
  });
});

describe('closing', () => {
  it('the wizard (exact) closes what is unticked, each with its why', () => {
    const facts = opened();
    const plan = ok(buildPlan(facts, { ...defaultChoices(facts), exposures: defaultChoices(facts).exposures.filter((c) => c.container !== 'db') }));
    const closes = pendingSteps(plan).filter((s) => s.change === 'close');
    expect(closes.map((s) => [s.why, s.argv.join(' ')])).toEqual([
      [
        'Close db 5432/tcp (route to [2001:db8:1:1::12], from 2001:db8:abcd::/48): no longer chosen',
        'ufw route delete allow proto tcp from 2001:db8:abcd::/48 to 2001:db8:1:1::12 port 5432',
      ],
    ]);
    expect(closes[0]?.undoArgv?.join(' ')).toBe(
      'ufw route allow proto tcp from 2001:db8:abcd::/48 to 2001:db8:1:1::12 port 5432 comment v6wall route db 5432/tcp from 2001:db8:abcd::/48',
    );
  });

  it('switching web from route to publish closes the route rule', () => {
    const facts = opened();
    const choices = defaultChoices(facts);
    const plan = ok(
      buildPlan(facts, {
        ...choices,
        exposures: choices.exposures.map((c) => (c.container === 'web' ? { ...c, exposure: 'publish' as const, hostPort: 8081 } : c)),
      }),
    );
    expect(commands(plan)).toEqual([
      `ufw route delete allow proto tcp from any to ${WEB} port 80`,
      'ufw allow proto tcp from any to ::/0 port 8081 comment v6wall publish web 80/tcp host 8081',
    ]);
  });

  it('the CLI is additive: openings not named stay; --close and --exact close them; SSH never', () => {
    const facts = opened();
    const resolve = (flags: Partial<Parameters<typeof resolveChoices>[1]>) => {
      const r = resolveChoices(facts, { sshPorts: [], route: [], publish: [], ...flags });
      if (!r.ok) throw new Error(JSON.stringify(r.errors));
      return ok(buildPlan(facts, r.value));
    };
    expect(commands(resolve({}))).toEqual([]);
    expect(commands(resolve({ close: ['db:5432'] }))).toEqual([`ufw route delete allow proto tcp from 2001:db8:abcd::/48 to 2001:db8:1:1::12 port 5432`]);
    expect(resolve({ close: ['db:5432'] }).steps.find((s) => s.change === 'close')?.why).toMatch(/closed with --close db:5432$/);
    expect(commands(resolve({ exact: true, route: ['web:80'] }))).toEqual([
      `ufw route delete allow proto tcp from 2001:db8:abcd::/48 to 2001:db8:1:1::12 port 5432`,
    ]);
    expect(commands(resolve({ exact: true })).every((c) => !c.includes('2222'))).toBe(true);
    // Naming an opening again with a source replaces its "anywhere" rule.
    expect(commands(resolve({ route: ['web:80@2001:db8:beef::/64'] }))).toEqual([
      `ufw route delete allow proto tcp from any to ${WEB} port 80`,
      `ufw route allow proto tcp from 2001:db8:beef::/64 to ${WEB} port 80 comment v6wall route web 80/tcp from 2001:db8:beef::/64`,
    ]);
  });

  it('--close of something v6wall never opened is a note, of an unknown name an error; closing and opening the same port is refused', () => {
    const facts = opened();
    const quiet = resolveChoices(facts, { sshPorts: [], route: [], publish: [], close: ['web:443'] });
    expect(quiet.ok && quiet.notes).toEqual(['--close web:443: v6wall has no opening of web on 443; nothing to close.']);
    const unknown = resolveChoices(facts, { sshPorts: [], route: [], publish: [], close: ['nope:80'] });
    expect(unknown.ok).toBe(false);
    const both = resolveChoices(facts, { sshPorts: [], route: ['web:80'], publish: [], close: ['web:80'] });
    expect(both.ok).toBe(false);
    if (!both.ok) expect(both.errors[0]?.message).toMatch(/also chosen to be opened/);
  });
});

describe('container lifecycle', () => {
  it('a stopped container keeps its openings (not stale), listed as stopped; a new opening waits until it runs', () => {
    const facts = opened();
    const db = facts.docker.containers.find((c) => c.name === 'db');
    if (db === undefined) throw new Error('no db');
    Object.assign(db, { state: 'exited', ports: [], networks: db.networks.map((n) => ({ ...n, ipv6: null, ipv4: null })) });
    const choices = defaultChoices(facts);
    expect(choices.removeStale).toBe(false);
    expect(choices.exposures).toContainEqual({ container: 'db', port: 5432, proto: 'tcp', exposure: 'route', source: '2001:db8:abcd::/48' });
    expect(commands(ok(buildPlan(facts, choices)))).toEqual([]);
    const fresh = buildPlan(facts, { ...choices, exposures: [...choices.exposures, { container: 'db', port: 6432, proto: 'tcp', exposure: 'route' }] });
    expect(fresh.ok).toBe(false);
    if (!fresh.ok) expect(fresh.errors[0]?.message).toBe('db is exited: start it first (docker start db), so v6wall can read its address and ports');
    // Unticking a stopped container closes its openings too.
    expect(commands(ok(buildPlan(facts, { ...choices, exposures: choices.exposures.filter((c) => c.container !== 'db') })))).toEqual([
      'ufw route delete allow proto tcp from 2001:db8:abcd::/48 to 2001:db8:1:1::12 port 5432',
    ]);
  });

  it('a container recreated with another address: the opening moves by default', () => {
    const facts = opened();
    const web = facts.docker.containers.find((c) => c.name === 'web');
    if (web === undefined) throw new Error('no web');
    web.networks = web.networks.map((n) => ({ ...n, ipv6: '2001:db8:1:1::99' }));
    expect(commands(ok(buildPlan(facts, defaultChoices(facts))))).toEqual([
      `ufw route delete allow proto tcp from any to ${WEB} port 80`,
      'ufw route allow proto tcp from any to 2001:db8:1:1::99 port 80 comment v6wall route web 80/tcp',
    ]);
  });
});

describe('ports that really listen', () => {
  it('a port that listens without being declared can be opened by route; a declared port where nothing listens gets a warning', () => {
    const facts = withChanges((f) => {
      const db = f.docker.containers.find((c) => c.name === 'db');
      if (db === undefined) throw new Error('no db');
      db.ports = [
        { port: 5432, proto: 'tcp', published: [], listening: false },
        { port: 8088, proto: 'tcp', published: [], declared: false, listening: true },
      ];
    });
    const resolved = resolveChoices(facts, { sshPorts: [], route: ['db:8088', 'db:5432'], publish: [] });
    if (!resolved.ok) throw new Error(JSON.stringify(resolved.errors));
    const plan = ok(buildPlan(facts, resolved.value));
    expect(commands(plan)).toContain('ufw route allow proto tcp from any to 2001:db8:1:1::12 port 8088 comment v6wall route db 8088/tcp');
    expect(plan.notes.join('\n')).toContain('db 5432/tcp: nothing inside the container listens on it over IPv6 right now');
  });
});

describe('rules v6wall did not make', () => {
  const foreignFacts = () =>
    withChanges((f) => {
      f.ufw.rules = [tuple({ dst: WEB, dport: '80' }), tuple({ route: false, dport: '8081', dst: '::/0' }), tuple({ route: false, dport: '2222' })];
    });

  it('are shown as what they open, never as closed, and stay unless the operator removes them', () => {
    const facts = foreignFacts();
    const found = foreignRules(facts, dockerFirewallMode(facts.docker, 'ufw'));
    expect(found.map((f) => [f.text, f.opens])).toEqual([
      [`ufw route allow proto tcp from any to ${WEB} port 80`, [`web port 80/tcp at [${WEB}]`]],
      ['ufw allow proto tcp from any to ::/0 port 8081', ['web 80/tcp through host port 8081']],
    ]);
    const kept = ok(buildPlan(facts, { sshPorts: [2222], exposures: [], scope: 'exact' }));
    expect(commands(kept).some((c) => c.includes('delete'))).toBe(false);
    expect(kept.notes.join('\n')).toContain(`A rule v6wall did not make opens web port 80/tcp at [${WEB}]`);
    const removed = ok(buildPlan(facts, { sshPorts: [2222], exposures: [], scope: 'exact', removeForeign: [found[0]?.key ?? ''] }));
    expect(commands(removed)).toContain(`ufw route delete allow proto tcp from any to ${WEB} port 80`);
    expect(pendingSteps(removed).find((s) => s.change === 'close')?.why).toMatch(/^Remove a rule v6wall did not make, which opens web port 80\/tcp/);
  });
});
