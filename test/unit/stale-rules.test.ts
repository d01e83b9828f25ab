// The guided re-run: v6wall's own rules whose container is gone or was
// recreated with a new address are found by their comments and removed.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { buildPlan, pendingSteps } from '../../src/core/plan.js';
import { defaultChoices } from '../../src/core/choices.js';
import type { Container, Facts, UfwRule } from '../../src/core/types/facts.js';
import { factsArbitrary } from '../support/arbitraries.js';

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
  raw: '',
  ...overrides,
});

const web: Container = {
  id: 'a'.repeat(64),
  name: 'web',
  image: 'nginx',
  state: 'running',
  networks: [{ name: 'v6net', ipv6: '2001:db8:1:1::20', ipv4: null }],
  ports: [{ port: 80, proto: 'tcp', published: [{ hostIp: '::', hostPort: 8081 }] }],
};

const facts: Facts = (() => {
  const base = fc.sample(factsArbitrary, { numRuns: 1, seed: 11 })[0]!;
  return {
    ...base,
    host: { ...base.host, hasIpv4: false },
    ssh: { evidence: [{ port: 22, source: 'session', detail: 'SSH_CONNECTION' }], sessionPort: 22, ports: [22], warnings: [] },
    docker: { ...base.docker, containers: [web] },
    ufw: {
      ...base.ufw,
      rules: [
        tuple({ dst: '2001:db8:1:1::10', comment: 'v6wall route web 80/tcp' }), // web's old address
        tuple({ dst: '2001:db8:1:1::20', comment: 'v6wall route web 80/tcp' }), // web's current address
        tuple({ dst: '2001:db8:1:1::30', dport: '443', comment: 'v6wall route gone 443/tcp' }),
        tuple({ route: false, dport: '9090', comment: 'v6wall publish web 90/tcp host 9090' }),
        tuple({ dst: '2001:db8:1:1::40', comment: 'someone else' }),
      ],
    },
  };
})();

describe('stale v6wall rules on a re-run', () => {
  it('are removed by default in the wizard, each with the reason, and nothing else is touched', () => {
    const choices = defaultChoices(facts);
    expect(choices.removeStale).toBe(true);
    expect(choices.exposures).toEqual([{ container: 'web', port: 80, proto: 'tcp', exposure: 'route' }]);
    const plan = buildPlan(facts, choices);
    if (!plan.ok) throw new Error(JSON.stringify(plan.errors));
    const removals = pendingSteps(plan.value).filter((step) => step.argv.includes('delete'));
    expect(removals.map((step) => [step.why, step.argv.join(' ')])).toEqual([
      [
        'Close web 80/tcp (route to [2001:db8:1:1::10], from anywhere): web has a new address; the opening moves with it',
        'ufw route delete allow proto tcp from any to 2001:db8:1:1::10 port 80',
      ],
      [
        'Close gone 443/tcp (route to [2001:db8:1:1::30], from anywhere): container gone is gone',
        'ufw route delete allow proto tcp from any to 2001:db8:1:1::30 port 443',
      ],
      ['Close web 90/tcp on host port 9090 (from anywhere): web no longer publishes host port 9090', 'ufw delete allow proto tcp from any to ::/0 port 9090'],
    ]);
    // The current address's rule is already in place: nothing is added for it.
    expect(pendingSteps(plan.value).some((step) => step.argv.includes('2001:db8:1:1::20'))).toBe(false);
  });

  it('are only reported, not removed, when not asked for (plan and apply without --remove-stale)', () => {
    const plan = buildPlan(facts, { sshPorts: [22], exposures: [] });
    if (!plan.ok) throw new Error('refused');
    expect(pendingSteps(plan.value).some((step) => step.argv.includes('delete'))).toBe(false);
    expect(plan.value.notes.join('\n')).toContain('3 v6wall rule(s) point at containers that are gone or have a new address');
    expect(plan.value.notes.join('\n')).toContain('add --remove-stale');
  });

  it('are not judged when Docker cannot be asked (a stopped daemon is no proof a container is gone)', () => {
    const down = { ...facts, docker: { ...facts.docker, available: false, containers: [] } };
    expect(defaultChoices(down).removeStale).toBe(false);
  });
});
