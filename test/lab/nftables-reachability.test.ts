// Issue 14: the reachability analysis reads nftables as well as ip6tables-save, and must say
// exactly what real connections from the client namespace show: for UFW through iptables-nft
// (its tables appear in both readings and must count once), for Docker 20.10 and 28 with their
// ip6tables rules, and for Docker 29's nftables backend, EMULATED (Docker 28 with its firewall
// off, Docker's own golden IPv6 ruleset loaded onto the lab's real bridge), with and without UFW
// and with a table v6wall could own. V6WALL_CAPTURE_NFTABLES=1 saves each scenario's rulesets and
// real outcomes under test/fixtures/nftables/lab/ for the unit tests (as capture-nftables.ts lab does).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { parseIptablesSave } from '../../src/core/iptables/parse-save.js';
import { analyzeReachability, verdictLabel } from '../../src/core/iptables/reachability.js';
import { parseNftJson } from '../../src/core/nftables/parse-json.js';
import type { ReachabilityReport } from '../../src/core/reachability-report.js';
import { skipDocker28 } from './docker28.js';
import { LAB_SSH_PORT, REPO_ROOT, skipLab, startLab, type Lab, type Reachability } from './harness.js';
import { EXTRA_SSH_PORT, NFT_SCENARIOS, saveScenarioCapture, setUpScenario } from './nftables-scenarios.js';

const skip = skipLab();
const hasDocker28 = !skipDocker28();
const CAPTURE = process.env.V6WALL_CAPTURE_NFTABLES === '1';
const FIXTURES = join(REPO_ROOT, 'test/fixtures/nftables/lab');

async function statusReport(lab: Lab): Promise<ReachabilityReport> {
  const stateDir = mkdtempSync(join(tmpdir(), 'v6wall-lab-status-'));
  const loader = pathToFileURL(join(REPO_ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
  const argv = [process.execPath, '--import', loader, join(REPO_ROOT, 'src/cli.tsx'), 'status', '--json', '--state-dir', stateDir];
  const r = await lab.inServer(argv);
  if (r.exitCode !== 0) throw new Error(`v6wall status failed: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { reachability: ReachabilityReport }).reachability;
}

describe.skipIf(skip)('the analysis of ip6tables and nftables together agrees with real connections', () => {
  let lab: Lab | undefined;
  afterEach(async () => {
    const problems = await lab?.teardown();
    lab = undefined;
    expect(problems ?? []).toEqual([]);
  });

  for (const scenario of NFT_SCENARIOS) {
    it.skipIf(scenario.needsDocker28 && !hasDocker28)(`${scenario.name}: every probed port`, async () => {
      lab = await startLab({ docker: scenario.docker, sshd: { ports: [LAB_SSH_PORT, EXTRA_SSH_PORT] } });
      const reading = await setUpScenario(lab, scenario);
      const nft = parseNftJson(reading.nftJson);
      expect(nft.warnings).toEqual([]);
      const save = parseIptablesSave(reading.ip6tablesSave ?? '');
      const results = analyzeReachability(save, reading.context, reading.probes, nft);
      const rows: string[] = [];
      const mismatches: string[] = [];
      const reals: Reachability[] = [];
      for (const result of results) {
        const real = await lab.probeTcp(result.probe.address, result.probe.port);
        reals.push(real);
        const row = `[${result.probe.address}]:${result.probe.port} real=${real} analysis=${verdictLabel(result)}`;
        rows.push(row);
        if (result.verdict !== real) mismatches.push(`${row}\n    ${result.reason}\n    ${result.trail.join('\n    ')}`);
      }
      console.log(`${scenario.name} (Docker ${reading.dockerVersion}):\n  ${rows.join('\n  ')}`);

      if (scenario.name === 'docker29-emulated-nat-ufw') {
        // The whole way a user takes: `v6wall status` discovers both rulesets itself.
        const report = await statusReport(lab);
        const seen = report.rows.map((r) => `[${r.address}]:${r.port} ${r.verdict}`);
        const expected = report.rows.map(
          (r) => `[${r.address}]:${r.port} ${reals[reading.probes.findIndex((p) => p.address === r.address && p.port === r.port)] ?? '?'}`,
        );
        expect(seen).toEqual(expected);
      }
      if (CAPTURE) saveScenarioCapture(FIXTURES, scenario.name, reading, reals);
      expect(mismatches).toEqual([]);
    });
  }
});
