// The nftables backend's plan on the captured Docker 28.5 lab host (nat and routed networks):
// the same choices as UFW's plan, turned into one script for table inet v6wall.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { buildPlan } from '../../src/core/plan.js';
import { resolveChoices } from '../../src/core/choices.js';
import { chooseBackend } from '../../src/core/backend.js';
import { NFT_PERSIST_PATH, NFT_UNIT } from '../../src/core/plan-nftables.js';
import { tableClosings } from '../../src/core/nftables/table-closings.js';
import { defaultChoices } from '../../src/core/choices.js';
import { readFile } from 'node:fs/promises';
import type { Facts } from '../../src/core/types/facts.js';
import { capturedLabFacts } from '../support/captured-facts.js';

const NAT_WEB = '2001:db8:1234:a1:1:0:abcd:ab53';
const ROUTED_WEB = '2001:db8:1234:a1:2::10';

async function nftFacts(nftRuleset: string | null = '{"nftables": []}'): Promise<Facts> {
  const base = await capturedLabFacts();
  const facts: Facts = { ...base, ufw: { ...base.ufw, installed: false, enabled: false }, docker: { ...base.docker, nftRuleset } };
  return { ...facts, backend: chooseBackend(facts) };
}

async function planFor(facts: Facts, flags: { route?: string[]; publish?: string[]; close?: string[]; exact?: boolean }) {
  const choices = resolveChoices(facts, {
    sshPorts: [],
    route: flags.route ?? [],
    publish: flags.publish ?? [],
    close: flags.close ?? [],
    exact: flags.exact ?? false,
  });
  return choices.ok ? buildPlan(facts, choices.value) : choices;
}

/** Whether nft can load a table here (root, in a network namespace of its own). */
const nftLoads = process.getuid?.() === 0 && spawnSync('unshare', ['-n', 'nft', '-c', '-f', '/dev/stdin'], { input: 'table inet probe\n' }).status === 0;

/** Loads the script into a fresh network namespace (never the machine's) and returns `nft -j list ruleset` there. */
function loadInFreshNamespace(script: string): string {
  const result = spawnSync('unshare', ['-n', 'sh', '-c', 'nft -f /dev/stdin && nft -j list ruleset'], { input: script });
  if (result.status !== 0) throw new Error(result.stderr.toString());
  return result.stdout.toString();
}

describe('the nftables backend', () => {
  it('is chosen when UFW is absent, and says why', async () => {
    const facts = await nftFacts();
    expect(facts.backend?.kind).toBe('nftables');
    expect(facts.backend?.why).toMatch(/UFW is not installed/);
    const base = await capturedLabFacts();
    expect(chooseBackend(base).kind).toBe('ufw');
    expect(chooseBackend(base, 'nftables').kind).toBe('nftables');
  });

  it('checks, loads and persists one script: SSH first, a published port as a DNAT-ed forward rule, a routed port to the address', async () => {
    const result = await planFor(await nftFacts(), { publish: ['web6:8081@2001:db8:abcd::/48'], route: ['routed-web:80'] });
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    const steps = result.value.steps;
    expect(steps.map((s) => s.argv.join(' '))).toEqual([
      'nft -c -f /dev/stdin',
      'nft -f /dev/stdin',
      `install -D -m 0600 /dev/stdin ${NFT_PERSIST_PATH}`,
      'install -D -m 0644 /dev/stdin /etc/systemd/system/v6wall-nftables.service',
      'systemctl enable --quiet v6wall-nftables.service',
    ]);
    const script = steps[1]?.input ?? '';
    expect(steps[0]?.input).toBe(script);
    expect(script.startsWith('table inet v6wall\ndelete table inet v6wall\ntable inet v6wall {')).toBe(true);
    expect(script).toContain('tcp dport 2222 accept comment "v6wall ssh 2222/tcp"');
    expect(script).toContain(
      `ip6 saddr 2001:db8:abcd::/48 ip6 daddr ${NAT_WEB} tcp dport 80 ct status dnat ct original proto-dst 8081 accept comment "v6wall publish web6 80/tcp host 8081 from 2001:db8:abcd::/48"`,
    );
    expect(script).toContain(`ip6 daddr ${ROUTED_WEB} tcp dport 80 accept comment "v6wall route routed-web 80/tcp"`);
    expect(script).not.toContain('ufw');
  });

  it('refuses what Docker itself drops (direct to a nat container on Docker 28), as the UFW plan does', async () => {
    const result = await planFor(await nftFacts(), { route: ['web6:80'] });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0]?.message).toMatch(/Docker drops direct connections/);
  });

  it('refuses without a readable nft', async () => {
    const result = await planFor(await nftFacts(null), {});
    // Chosen automatically only where nft can be read: without it, UFW's refusal.
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0]?.message).toMatch(/UFW is not installed/);
    const forced = await nftFacts(null);
    const choices = resolveChoices(forced, { sshPorts: [], route: [], publish: [] });
    if (!choices.ok) throw new Error('choices');
    const plan = buildPlan({ ...forced, backend: chooseBackend(forced, 'nftables') }, choices.value);
    expect(plan.ok).toBe(false);
    if (!plan.ok) expect(plan.errors[0]?.message).toMatch(/install the nftables package/);
  });

  it("keeps the live table's openings unless --exact or --close, as the UFW plan keeps its rules", async () => {
    const first = await planFor(await nftFacts(), { route: ['routed-web:80'] });
    if (!first.ok) throw new Error(JSON.stringify(first.errors));
    const liveJson = JSON.stringify({
      nftables: [
        { table: { family: 'inet', name: 'v6wall', handle: 1 } },
        { rule: { family: 'inet', table: 'v6wall', chain: 'forward', handle: 9, comment: 'v6wall route routed-web 80/tcp', expr: [] } },
      ],
    });
    const facts = await nftFacts(liveJson);
    const additive = await planFor(facts, { publish: ['web6:8081'] });
    if (!additive.ok) throw new Error(JSON.stringify(additive.errors));
    expect(additive.value.steps[1]?.input).toContain('v6wall route routed-web 80/tcp');
    const exact = await planFor(facts, { publish: ['web6:8081'], exact: true });
    if (!exact.ok) throw new Error(JSON.stringify(exact.errors));
    expect(exact.value.steps[1]?.input).not.toContain('routed-web');
    const closed = await planFor(facts, { close: ['routed-web:80'] });
    if (!closed.ok) throw new Error(JSON.stringify(closed.errors));
    expect(closed.value.steps[1]?.input).not.toContain('routed-web');
  });

  it("names the opening of a removed container that the wizard's new table leaves out, as UFW's plan names the rule it deletes", async () => {
    // The table of a real apply (test/fixtures/nftables/v6wall/applied.json): routed-web 80/tcp
    // from 2001:db8:abcd::/48 and web6 80/tcp on host port 8081. Then routed-web is removed.
    const live = await readFile(`${import.meta.dirname}/../fixtures/nftables/v6wall/applied.json`, 'utf8');
    const applied = await nftFacts(live);
    const removed: Facts = { ...applied, docker: { ...applied.docker, containers: applied.docker.containers.filter((c) => c.name !== 'routed-web') } };
    const choices = defaultChoices(removed);
    expect(choices.exposures.map((choice) => choice.container)).toEqual(['web6']);
    expect(tableClosings(removed, choices)).toEqual([
      { what: `routed-web 80/tcp (route to [${ROUTED_WEB}], from 2001:db8:abcd::/48)`, reason: 'container routed-web is gone', stale: true },
    ]);
    const plan = buildPlan(removed, choices);
    if (!plan.ok) throw new Error(JSON.stringify(plan.errors));
    expect(plan.value.steps[1]?.input).not.toContain('routed-web');
    expect(plan.value.notes).toContain(
      `Closes routed-web 80/tcp (route to [${ROUTED_WEB}], from 2001:db8:abcd::/48): container routed-web is gone (the new table leaves it out).`,
    );
    // With every container still there, the same table closes nothing.
    expect(tableClosings(applied, defaultChoices(applied))).toEqual([]);
  });

  it.skipIf(!nftLoads)('nothing to change when the live table and its boot files are the planned ones; a stopped container keeps its opening', async () => {
    const first = await planFor(await nftFacts(), { route: ['routed-web:80'], publish: ['web6:8081'] });
    if (!first.ok) throw new Error(JSON.stringify(first.errors));
    expect(first.value.steps.every((step) => !step.satisfied)).toBe(true);
    const script = first.value.steps[1]?.input ?? '';
    const live = loadInFreshNamespace(script);
    const applied = { ...(await nftFacts(live)), nftBoot: { script, unit: NFT_UNIT, enabled: true } };

    const again = await planFor(applied, { route: ['routed-web:80'], publish: ['web6:8081'] });
    if (!again.ok) throw new Error(JSON.stringify(again.errors));
    expect(again.value.steps.filter((step) => !step.satisfied)).toEqual([]);

    // A plain re-run without naming the openings keeps them too (they are in the live table).
    const additive = await planFor(applied, {});
    if (!additive.ok) throw new Error(JSON.stringify(additive.errors));
    expect(additive.value.steps.filter((step) => !step.satisfied)).toEqual([]);

    // routed-web stops: Docker forgets its address, the live table still has the rule.
    const stopped: typeof applied = {
      ...applied,
      docker: {
        ...applied.docker,
        containers: applied.docker.containers.map((c) =>
          c.name === 'routed-web'
            ? {
                ...c,
                state: 'exited',
                networks: c.networks.map((n) => ({ ...n, ipv6: null, ipv4: null })),
                ports: c.ports.map((p) => ({ ...p, published: [] })),
              }
            : c,
        ),
      },
    };
    const whileStopped = await planFor(stopped, {});
    if (!whileStopped.ok) throw new Error(JSON.stringify(whileStopped.errors));
    expect(whileStopped.value.steps.filter((step) => !step.satisfied)).toEqual([]);
    expect(whileStopped.value.steps[1]?.input).toContain(`ip6 daddr ${ROUTED_WEB} tcp dport 80 accept comment "v6wall route routed-web 80/tcp"`);

    // A changed boot file alone is written again; the table is left as it is.
    const bootChanged = await planFor({ ...applied, nftBoot: { script: `${script}# edited\n`, unit: NFT_UNIT, enabled: true } }, {});
    if (!bootChanged.ok) throw new Error(JSON.stringify(bootChanged.errors));
    expect(bootChanged.value.steps.filter((step) => !step.satisfied).map((step) => step.argv.join(' '))).toEqual([
      `install -D -m 0600 /dev/stdin ${NFT_PERSIST_PATH}`,
    ]);

    // A rule added by hand makes the live table differ: the whole table is loaded again.
    const handAdded = JSON.parse(live) as { nftables: unknown[] };
    handAdded.nftables.push({ rule: { family: 'inet', table: 'v6wall', chain: 'input', handle: 99, expr: [{ accept: null }] } });
    const differs = await planFor({ ...applied, docker: { ...applied.docker, nftRuleset: JSON.stringify(handAdded) } }, {});
    if (!differs.ok) throw new Error(JSON.stringify(differs.errors));
    expect(differs.value.steps[1]?.satisfied).toBe(false);
  });
});
