// The planner's promises for desired state (issue 15), on random hosts: what the firewall ends up
// with is what was chosen, from the sources chosen; container egress keeps working; applying the
// plan leaves nothing to do; unticking and ticking again gives back the same ruleset.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { buildPlan, pendingSteps } from '../../src/core/plan.js';
import { defaultChoices } from '../../src/core/choices.js';
import { parseRuleComment, openingKey } from '../../src/core/rule-comment.js';
import { sourceOfRule } from '../../src/core/sources.js';
import type { Choices } from '../../src/core/types/choices.js';
import type { Container, Facts } from '../../src/core/types/facts.js';
import type { Plan } from '../../src/core/types/plan.js';
import { choicesArbitrary, hostArbitrary } from '../support/host-arbitraries.js';
import { afterApplying, ruleSet } from '../support/ufw-model.js';
import { openingTagOf } from '../../src/core/plan-openings.js';

function expectOk(result: ReturnType<typeof buildPlan>): Plan {
  if (!result.ok) throw new Error(`plan refused: ${JSON.stringify(result.errors)}`);
  return result.value;
}

const applied = (facts: Facts, choices: Choices): Facts => afterApplying(facts, expectOk(buildPlan(facts, choices)));

/** A host after v6wall applied some choices: the starting point of a re-run. */
const hostWithOpenings = hostArbitrary.chain(({ facts, mode }) => choicesArbitrary(facts).map((first) => ({ facts: applied(facts, first), mode, first })));

type Lifecycle = 'keep' | 'stop' | 'remove' | 'recreate';

function living(container: Container, what: Lifecycle, index: number): Container[] {
  switch (what) {
    case 'keep':
      return [container];
    case 'remove':
      return [];
    case 'stop':
      return [{ ...container, state: 'exited', ports: [], networks: container.networks.map((n) => ({ ...n, ipv6: null, ipv4: null })) }];
    case 'recreate':
      return [
        {
          ...container,
          id: `r${index}`.padEnd(64, '0'),
          networks: container.networks.map((n) => ({
            ...n,
            ipv6: n.ipv6 === null ? null : n.ipv6.replace(/::([0-9a-f]+)$/, (_, h: string) => `::${(Number.parseInt(h, 16) + 0x80).toString(16)}`),
          })),
        },
      ];
  }
}

/** Containers stopped, removed or recreated with another address since the first apply. */
const hostLater = hostWithOpenings.chain((host) =>
  fc.array(fc.constantFrom<Lifecycle>('keep', 'stop', 'remove', 'recreate'), { minLength: 4, maxLength: 4 }).map((fates) => ({
    ...host,
    facts: { ...host.facts, docker: { ...host.facts.docker, containers: host.facts.docker.containers.flatMap((c, i) => living(c, fates[i] ?? 'keep', i)) } },
  })),
);

/** v6wall's openings in the ruleset, as "identity from source" words. */
function openingsIn(facts: Facts): string[] {
  return [
    ...new Set(
      facts.ufw.rules.flatMap((rule) => {
        const tag = parseRuleComment(rule.comment);
        return tag === null || tag.kind === 'ssh' || tag.kind === 'egress' ? [] : [`${openingKey(tag)} from ${tag.source ?? 'anywhere'}`];
      }),
    ),
  ].sort();
}

const chosenWords = (choices: Choices): string[] =>
  [...new Set(choices.exposures.filter((c) => c.exposure !== 'skip').map((c) => `${openingKey(openingTagOf(c))} from ${c.source ?? 'anywhere'}`))].sort();

describe('desired state: the firewall converges to the choices', () => {
  it('no plan opens a port to a source that was not chosen (exact: v6wall opens exactly the chosen openings, from exactly their sources)', () => {
    fc.assert(
      fc.property(
        hostLater.chain((host) => choicesArbitrary(host.facts).map((next) => ({ ...host, next }))),
        ({ facts, next }) => {
          const after = applied(facts, next);
          for (const rule of after.ufw.rules) {
            const tag = parseRuleComment(rule.comment);
            if (tag === null || tag.kind === 'ssh' || tag.kind === 'egress') continue;
            // The rule's real source is the one its comment names.
            expect(sourceOfRule(rule.src), rule.raw).toBe(tag.source);
          }
          // Stopped containers keep what they had only if it is chosen again; everything else is exactly the choice.
          expect(openingsIn(after)).toEqual(chosenWords(next));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('an additive plan adds no opening and no source that was not named', () => {
    fc.assert(
      fc.property(
        hostWithOpenings.chain((host) => choicesArbitrary(host.facts, 'additive').map((next) => ({ ...host, next }))),
        ({ facts, next }) => {
          const before = new Set(openingsIn(facts));
          const added = openingsIn(applied(facts, next)).filter((words) => !before.has(words));
          for (const words of added) expect(chosenWords(next)).toContain(words);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('every plan for a host with IPv6 containers keeps their egress (ip6tables off: a rule per network; Docker 28: the block returns bridge traffic to Docker)', () => {
    fc.assert(
      fc.property(
        hostLater.chain((host) => choicesArbitrary(host.facts).map((next) => ({ ...host, next }))),
        ({ facts, mode, next }) => {
          const after = applied(facts, next);
          for (const network of facts.docker.networks) {
            const subnet = network.subnets.find((s) => s.includes(':')) as string;
            if (mode === 'ip6tables-off') {
              expect(
                after.ufw.rules.some(
                  (r) =>
                    r.v6 &&
                    r.route &&
                    r.action === 'allow' &&
                    r.inInterface === network.bridge &&
                    r.src === subnet &&
                    r.dst === '::/0' &&
                    r.dport === 'any' &&
                    r.proto === 'any',
                ),
              ).toBe(true);
            } else {
              expect(after.ufw.after6Rules ?? '').toContain(`-A DOCKER-USER -i ${network.bridge} -j RETURN`);
              expect(after.ufw.rules.some((r) => r.inInterface !== null)).toBe(false);
            }
          }
          // A deny of routed traffic is never planned without what keeps egress alive in the same plan.
          expect(after.ufw.policies.routed).toBe('deny');
        },
      ),
      { numRuns: 100 },
    );
  });

  it('the plan of a just-applied desired state is empty', () => {
    fc.assert(
      fc.property(
        hostLater.chain((host) => choicesArbitrary(host.facts).map((next) => ({ ...host, next }))),
        ({ facts, next }) => {
          const after = applied(facts, next);
          const again = expectOk(buildPlan(after, next));
          expect(
            pendingSteps(again).map((s) => `${s.why} :: ${s.argv.join(' ')}`),
            JSON.stringify({ rules: after.ufw.rules.map((r) => r.raw + ' # ' + r.comment) }, null, 1),
          ).toEqual([]);
          // The wizard's re-run starts from what is in place and finds nothing to do either.
          expect(pendingSteps(expectOk(buildPlan(after, defaultChoices(after)))).map((s) => s.argv.join(' '))).toEqual([]);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('untick a container, then tick it again: the same ruleset as before', () => {
    fc.assert(
      fc.property(
        hostWithOpenings.chain((host) => fc.nat().map((pick) => ({ ...host, pick }))),
        ({ facts, first, pick }) => {
          const names = [...new Set(first.exposures.map((c) => c.container))];
          fc.pre(names.length > 0);
          const unticked = names[pick % names.length];
          const without = applied(facts, { ...first, exposures: first.exposures.filter((c) => c.container !== unticked) });
          expect(openingsIn(without).some((words) => words.includes(` ${unticked} `))).toBe(false);
          const again = applied(without, first);
          expect(ruleSet(again.ufw.rules)).toEqual(ruleSet(facts.ufw.rules));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('SSH rules are never removed, whatever is chosen or closed', () => {
    fc.assert(
      fc.property(
        hostLater.chain((host) => choicesArbitrary(host.facts).map((next) => ({ ...host, next }))),
        ({ facts, next }) => {
          const plan = expectOk(buildPlan(facts, { ...next, exposures: [], close: facts.docker.containers.map((c) => ({ container: c.name, port: 22 })) }));
          for (const step of plan.steps.filter((s) => s.change === 'close')) {
            expect(step.argv.join(' ')).not.toMatch(/port 22$/);
          }
          const after = afterApplying(facts, plan);
          expect(after.ufw.rules.some((r) => r.comment === 'v6wall ssh 22/tcp')).toBe(true);
        },
      ),
      { numRuns: 50 },
    );
  });
});
