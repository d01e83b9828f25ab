// The openings already in place come from the firewall v6wall drives. On a lab host where v6wall
// applied its own nftables table (UFW installed but not used), a re-run, status, the proof, the
// planner and the exports read them from the live table inet v6wall, never from UFW's rules.
// Facts: test/support/captured-facts.ts, with the ruleset `nft -j list ruleset` gave in that lab.
import { describe, expect, it } from 'vitest';
import { capturedNftablesRerunFacts, capturedNftablesRerunStoppedFacts } from '../support/captured-facts.js';
import { backendOf } from '../../src/core/backend.js';
import { defaultChoices, resolveChoices } from '../../src/core/choices.js';
import { buildPlan, pendingSteps } from '../../src/core/plan.js';
import { intendedFromRules } from '../../src/core/proof.js';
import { staleRules } from '../../src/core/stale-rules.js';
import { foreignRules } from '../../src/core/foreign-rules.js';
import { dockerFirewallMode } from '../../src/core/docker-mode.js';
import { openingsOf } from '../../src/core/openings.js';
import { exposureRows } from '../../src/ui/exposure-rows.js';
import { run as status } from '../../src/commands/status.js';
import { NFT_UNIT } from '../../src/core/plan-nftables.js';
import type { Choices } from '../../src/core/types/choices.js';
import type { Facts } from '../../src/core/types/facts.js';

const ROUTED_WEB = '2001:db8:1234:a1:2::10';
const SOURCE = '2001:db8:abcd::/48';

/** The boot files as apply wrote them (the script is the one the plan loads). */
function withBootFilesOf(facts: Facts, choices: Choices): Facts {
  const plan = buildPlan(facts, choices);
  if (!plan.ok) throw new Error(JSON.stringify(plan.errors));
  const script = plan.value.steps[0]?.input ?? null;
  return { ...facts, nftBoot: { script, unit: NFT_UNIT, enabled: true } };
}

describe('openings in place on the nftables backend (live table captured in the lab, UFW installed)', () => {
  it('the table in force decides the backend when no --backend is given, though UFW is installed', async () => {
    const facts = await capturedNftablesRerunFacts();
    expect(facts.ufw.installed).toBe(true);
    expect(facts.ufw.rules).toEqual([]);
    expect(backendOf(facts)).toMatchObject({ kind: 'nftables', why: expect.stringContaining('table inet v6wall) is loaded') });
  });

  it('the re-run starts from the openings in the table, each with its source, and a plan of them has nothing to do', async () => {
    const facts = await capturedNftablesRerunFacts();
    const choices = defaultChoices(facts);
    expect(choices.exposures).toEqual([
      { container: 'routed-web', port: 80, proto: 'tcp', exposure: 'route', source: SOURCE },
      { container: 'web6', port: 80, proto: 'tcp', exposure: 'publish', hostPort: 8081 },
    ]);
    expect(choices.removeStale).toBe(false);
    const rerun = withBootFilesOf(facts, choices);
    const plan = buildPlan(rerun, defaultChoices(rerun));
    if (!plan.ok) throw new Error(JSON.stringify(plan.errors));
    expect(pendingSteps(plan.value)).toEqual([]);
    // The same with the flags of `v6wall plan` and none named: additive keeps what is in place.
    const flags = resolveChoices(rerun, { sshPorts: [], route: [], publish: [] });
    if (!flags.ok) throw new Error(JSON.stringify(flags.errors));
    const additive = buildPlan(rerun, flags.value);
    expect(additive.ok && pendingSteps(additive.value)).toEqual([]);
  });

  it("the exposure rows show each opening ticked as it is, and a stopped container's opening as kept", async () => {
    const facts = await capturedNftablesRerunStoppedFacts();
    const rows = exposureRows(facts, ['routed-web', 'web6']);
    const routed = rows.filter((row) => row.container === 'routed-web');
    expect(routed.map((row) => [row.port, row.stopped, row.options.map((o) => o.exposure)])).toEqual([[80, true, ['route', 'skip']]]);
    expect(routed[0]?.support.route.works).toBe(true);
    const choices = defaultChoices(facts);
    expect(choices.exposures).toContainEqual({ container: 'routed-web', port: 80, proto: 'tcp', exposure: 'route', source: SOURCE });
    // The stopped container's opening keeps the address its rule names, and the plan keeps it.
    const openings = openingsOf(facts, choices);
    expect(openings.ok && openings.value.filter((o) => o.container === 'routed-web').map((o) => o.address)).toEqual([ROUTED_WEB]);
    const plan = buildPlan(withBootFilesOf(facts, choices), choices);
    expect(plan.ok && pendingSteps(plan.value)).toEqual([]);
  });

  it('status and the proof hold the openings of the table; nothing is stale or foreign on this backend', async () => {
    const facts = await capturedNftablesRerunFacts();
    expect(intendedFromRules(facts)).toEqual([
      { container: 'routed-web', port: 80, proto: 'tcp', exposure: 'route', source: SOURCE },
      { container: 'web6', port: 80, proto: 'tcp', exposure: 'publish', hostPort: 8081 },
    ]);
    expect(staleRules(facts)).toEqual([]);
    expect(foreignRules(facts, dockerFirewallMode(facts.docker, 'nftables'))).toEqual([]);
    let out = '';
    const io = { stdout: (text: string) => void (out += text), stderr: () => undefined, env: {}, stdinIsTTY: false, stdoutIsTTY: false };
    const code = await status(['--state-dir', '/nonexistent/v6wall-state'], io as never, { discover: async () => facts, now: () => new Date(0) });
    expect(code).toBe(0);
    expect(out).toContain("Firewall: v6wall's own nftables table (table inet v6wall), loaded");
    expect(out).toContain('accept tcp port 2222 to any (inet)  # v6wall ssh 2222/tcp');
    expect(out).toContain(`route accept tcp port 80 to ${ROUTED_WEB} (inet)  # v6wall route routed-web 80/tcp from ${SOURCE}`);
    expect(out).toContain('# v6wall publish web6 80/tcp host 8081');
  });
});
