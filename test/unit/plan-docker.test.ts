// The planner on a real Docker 28.5 host (facts discovered from captured lab
// outputs): Docker's own IPv6 rules come first there, so v6wall must install its
// DOCKER-USER block and express every exposure as a route rule.
import { describe, expect, it } from 'vitest';
import { buildPlan } from '../../src/core/plan.js';
import { resolveChoices } from '../../src/core/choices.js';
import { hasBlock, removeBlock } from '../../src/core/docker-user-block.js';
import type { Facts } from '../../src/core/types/facts.js';
import type { Plan } from '../../src/core/types/plan.js';
import { capturedLabFacts } from '../support/captured-facts.js';

const NAT_WEB = '2001:db8:1234:a1:1:0:abcd:ab53';
const ROUTED_WEB = '2001:db8:1234:a1:2::10';

async function planFor(flags: { route?: string[]; publish?: string[] }, adjust: (facts: Facts) => Facts = (f) => f) {
  const facts = adjust(await capturedLabFacts());
  const choices = resolveChoices(facts, { sshPorts: [], route: flags.route ?? [], publish: flags.publish ?? [] });
  return choices.ok ? buildPlan(facts, choices.value) : choices;
}

function commands(plan: Plan): string[] {
  return plan.steps.filter((step) => !step.satisfied).map((step) => step.argv.join(' '));
}

describe('planning on Docker 28 with ip6tables (captured lab)', () => {
  it('turns a published port into a route rule to the address Docker forwards it to, and installs the block before enabling', async () => {
    const result = await planFor({ publish: ['web6:8081'], route: ['routed-web:80'] });
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(commands(result.value)).toEqual([
      'ufw allow proto tcp from any to ::/0 port 2222 comment v6wall ssh 2222/tcp',
      `ufw route allow proto tcp from any to ${ROUTED_WEB} port 80 comment v6wall route routed-web 80/tcp`,
      `ufw route allow proto tcp from any to ${NAT_WEB} port 80 comment v6wall publish web6 80/tcp host 8081`,
      'cp /dev/stdin /etc/ufw/after6.rules',
      'ufw --force enable',
    ]);
    const write = result.value.steps.find((step) => step.kind === 'integration')!;
    expect(hasBlock(write.input ?? '')).toBe(true);
    expect(write.input).toContain('-A DOCKER-USER -j ufw6-user-forward');
    // Undoing the write gives back exactly the file as it was.
    expect(hasBlock(write.undoInput ?? '')).toBe(false);
    const removed = removeBlock(write.input ?? '');
    expect(removed.ok && removed.value).toBe(write.undoInput);
  });

  it('refuses a route to a nat-network container, saying Docker drops it and what would work', async () => {
    const result = await planFor({ route: ['web6:80'] });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors[0]?.choice).toBe('--route web6:80/tcp');
    expect(result.errors[0]?.message).toMatch(/Docker drops direct connections .* To make it work: publish a host port instead/);
  });

  it('reloads UFW after writing the block when UFW is already active, and undoes it by flushing DOCKER-USER', async () => {
    const result = await planFor({ route: ['routed-web:80'] }, (facts) => ({ ...facts, ufw: { ...facts.ufw, enabled: true } }));
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    const integration = result.value.steps.filter((step) => step.kind === 'integration');
    expect(integration.map((step) => [step.argv.join(' '), step.undoArgv?.join(' ')])).toEqual([
      ['cp /dev/stdin /etc/ufw/after6.rules', 'cp /dev/stdin /etc/ufw/after6.rules'],
      ['ufw reload', 'ip6tables -F DOCKER-USER'],
    ]);
  });

  it('plans nothing more once the block is in place', async () => {
    const first = await planFor({ route: ['routed-web:80'] });
    if (!first.ok) throw new Error('refused');
    const installed = first.value.steps.find((step) => step.kind === 'integration')!.input!;
    const again = await planFor({ route: ['routed-web:80'] }, (facts) => ({ ...facts, ufw: { ...facts.ufw, after6Rules: installed } }));
    if (!again.ok) throw new Error('refused');
    expect(again.value.steps.find((step) => step.kind === 'integration')?.satisfied).toBe(true);
  });

  it('refuses to plan the block when after6.rules cannot be read', async () => {
    const result = await planFor({ route: ['routed-web:80'] }, (facts) => ({ ...facts, ufw: { ...facts.ufw, after6Rules: null } }));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0]?.message).toMatch(/cannot read \/etc\/ufw\/after6.rules/);
  });
});
