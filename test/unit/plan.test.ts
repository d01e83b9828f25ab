import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { buildPlan, pendingSteps } from '../../src/core/plan.js';
import type { Facts } from '../../src/core/types/facts.js';
import type { Plan } from '../../src/core/types/plan.js';
import { factsArbitrary, validChoicesArbitrary } from '../support/arbitraries.js';
import { afterApplying } from '../support/ufw-model.js';
import { requiredSshPorts } from '../../src/core/ssh-ports.js';
import { parseRuleComment } from '../../src/core/rule-comment.js';

const factsAndChoices = factsArbitrary.chain((facts) => validChoicesArbitrary(facts).map((choices) => ({ facts, choices })));

function expectOk(result: ReturnType<typeof buildPlan>): Plan {
  if (!result.ok) throw new Error(`plan refused: ${JSON.stringify(result.errors)}`);
  return result.value;
}

describe('buildPlan guarantees (random hosts and choices)', () => {
  it('allows every SSH port before any default deny or enable', () => {
    fc.assert(
      fc.property(factsAndChoices, ({ facts, choices }) => {
        const plan = expectOk(buildPlan(facts, choices));
        const firstClosing = plan.steps.findIndex((step) => step.kind === 'default' || step.kind === 'enable');
        const sshIndexes = plan.steps.flatMap((step, index) => (step.kind === 'ssh' ? [index] : []));
        expect(sshIndexes.length).toBe(new Set(choices.sshPorts).size);
        for (const index of sshIndexes) expect(index).toBeLessThan(firstClosing);
        for (const { port } of requiredSshPorts(facts.ssh)) {
          expect(plan.steps.some((step) => step.kind === 'ssh' && step.argv.includes(String(port)))).toBe(true);
        }
      }),
    );
  });

  it('refuses a plan that leaves out an SSH port in use, naming the port', () => {
    fc.assert(
      fc.property(factsAndChoices, ({ facts, choices }) => {
        for (const { port } of requiredSshPorts(facts.ssh)) {
          const result = buildPlan(facts, { ...choices, sshPorts: choices.sshPorts.filter((p) => p !== port) });
          expect(result.ok).toBe(false);
          if (!result.ok) expect(result.errors.map((e) => e.message).join('\n')).toContain(`--ssh-port ${port}`);
        }
      }),
    );
  });

  it('uses deny, never reject, for incoming and routed', () => {
    fc.assert(
      fc.property(factsAndChoices, ({ facts, choices }) => {
        const defaults = expectOk(buildPlan(facts, choices)).steps.filter((step) => step.kind === 'default');
        expect(defaults.map((step) => step.argv.join(' '))).toEqual(['ufw default deny incoming', 'ufw default deny routed']);
      }),
    );
  });

  it('plans nothing new for the state it just applied', () => {
    fc.assert(
      fc.property(factsAndChoices, ({ facts, choices }) => {
        const plan = expectOk(buildPlan(facts, choices));
        const again = expectOk(buildPlan(afterApplying(facts, plan), choices));
        expect(pendingSteps(again)).toEqual([]);
      }),
    );
  });

  it('tags every added rule with a comment later runs can read back', () => {
    fc.assert(
      fc.property(factsAndChoices, ({ facts, choices }) => {
        const plan = expectOk(buildPlan(facts, choices));
        for (const step of plan.steps.filter((s) => ['ssh', 'route', 'publish'].includes(s.kind))) {
          const comment = step.argv[step.argv.indexOf('comment') + 1] ?? null;
          expect(parseRuleComment(comment)).not.toBeNull();
          expect(step.undoArgv).not.toBeNull();
        }
      }),
    );
  });

  it('writes IPv6-only rules on an IPv6-only host and dual-stack rules otherwise', () => {
    fc.assert(
      fc.property(factsAndChoices, ({ facts, choices }) => {
        const plan = expectOk(buildPlan(facts, choices));
        const inputRules = plan.steps.filter((step) => step.kind === 'ssh' || step.kind === 'publish');
        for (const step of inputRules) expect(step.argv[step.argv.indexOf('to') + 1]).toBe(facts.host.hasIpv4 ? 'any' : '::/0');
      }),
    );
  });
});

describe('buildPlan refusals an operator would hit', () => {
  const base = fc.sample(factsArbitrary, { numRuns: 1, seed: 7 })[0]!;
  const facts: Facts = {
    ...base,
    ssh: { evidence: [{ port: 2222, source: 'session', detail: 'SSH_CONNECTION' }], sessionPort: 2222, ports: [2222], warnings: [] },
  };

  it('refuses when UFW would ignore IPv6', () => {
    const result = buildPlan({ ...facts, ufw: { ...facts.ufw, ipv6: false } }, { sshPorts: [2222], exposures: [] });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0]?.message).toMatch(/IPV6=no/);
  });

  it('refuses when UFW is missing and says how to install it', () => {
    const result = buildPlan({ ...facts, ufw: { ...facts.ufw, installed: false, installHint: 'apt-get install ufw' } }, { sshPorts: [2222], exposures: [] });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0]?.message).toContain('apt-get install ufw');
  });

  it('refuses when an existing deny rule would shadow the SSH allow', () => {
    const deny = {
      ...({} as Facts['ufw']['rules'][number]),
      v6: true,
      route: false,
      action: 'deny' as const,
      log: '' as const,
      proto: 'tcp',
      dport: '2222',
      dst: '::/0',
      sport: 'any',
      src: '::/0',
      dapp: null,
      sapp: null,
      direction: 'in' as const,
      inInterface: null,
      outInterface: null,
      comment: null,
      raw: '',
    };
    const result = buildPlan({ ...facts, ufw: { ...facts.ufw, rules: [deny] } }, { sshPorts: [2222], exposures: [] });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0]?.message).toMatch(/would block SSH on 2222/);
  });

  it('refuses exposures of unknown containers and unexposed ports, naming the choice', () => {
    const result = buildPlan(facts, { sshPorts: [2222], exposures: [{ container: 'nope', port: 80, proto: 'tcp', exposure: 'route' }] });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors).toEqual([{ choice: '--route nope:80/tcp', message: 'no container named "nope" on this host' }]);
  });

  it('refuses container names that could smuggle arguments', () => {
    const result = buildPlan(facts, { sshPorts: [2222], exposures: [{ container: '--force x', port: 80, proto: 'tcp', exposure: 'route' }] });
    expect(result.ok).toBe(false);
  });
});
