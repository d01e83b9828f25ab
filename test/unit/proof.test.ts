// Prove it: what v6wall intends against the analysis of rulesets captured in the lab (with what
// real connections showed there), every difference named in plain words.
import { describe, expect, it } from 'vitest';
import { intendedFromChoices, intendedFromRules, proveIntended, type IntendedOpening } from '../../src/core/proof.js';
import { labScenarioFacts } from '../support/reachability-facts.js';

const WEB = '2001:db8:1234:a1:1::ab53';
/** What the lab scenarios' UFW rules stand for: route web:80 and plain:9000, other's host port 8082. */
const LAB_INTENT: IntendedOpening[] = [
  { container: 'web', port: 80, proto: 'tcp', exposure: 'route' },
  { container: 'plain', port: 9000, proto: 'tcp', exposure: 'route' },
  { container: 'other', port: 80, proto: 'tcp', exposure: 'publish', hostPort: 8082 },
];

describe('proveIntended', () => {
  it('Docker 20.10, ip6tables off: the openings hold; the missing egress rule is named', async () => {
    const { facts } = await labScenarioFacts('docker20.10-ip6tables-off-ufw-active.v6wall-lab.ip6tables-save');
    const proof = proveIntended(facts, [2222], LAB_INTENT);
    expect(proof.note).toBeNull();
    expect(proof.differences).toEqual([
      expect.stringMatching(
        /^Containers on Docker network v6net cannot start new connections out \(Blocked by .*policy DROP.*\): v6wall's egress rule for it is missing\.$/,
      ),
    ]);
    expect(proof.rows.find((r) => r.label.startsWith('web 80/tcp at'))?.live).toEqual([
      { from: 'anywhere else', verdict: 'open', dockerOnly: false, reason: expect.any(String) },
    ]);
  });

  it("Docker 20.10 with ip6tables on: ports nobody chose that Docker's own rules let in are differences", async () => {
    const { facts } = await labScenarioFacts('docker20.10-ip6tables-on-ufw-active.v6wall-lab.ip6tables-save');
    const proof = proveIntended(facts, [2222], LAB_INTENT);
    expect(proof.differences).toEqual([
      // UFW's route rule to web:80 would let the forwarded connection in too: not Docker's alone.
      expect.stringMatching(
        /^web 80\/tcp published at \[2001:db8:1234:1::2\]:8081 was not chosen, but from anywhere else the live firewall lets it in \(Open: accepted by "-A DOCKER -d 2001:db8:1234:a1:1::ab53/,
      ),
      expect.stringMatching(/^other 80\/tcp at \[2001:db8:1234:a1:1::ab55\]:80 was not chosen, but from anywhere else only Docker's own rules let it in/),
    ]);
  });

  it("Docker 28 routed with v6wall's block: no difference, egress included", async () => {
    const { facts } = await labScenarioFacts('docker28-routed-v6wall-block-ufw-active.v6wall-lab.ip6tables-save');
    const proof = proveIntended(facts, [2222], LAB_INTENT.slice(0, 2));
    expect(proof.differences).toEqual([]);
    expect(proof.rows.find((r) => r.kind === 'egress')?.live[0]?.verdict).toBe('open');
  });

  it('a source limit the live rule does not hold, and a source the live rule does not let in, are both named', async () => {
    const { facts } = await labScenarioFacts('docker20.10-ip6tables-off-ufw-active.v6wall-lab.ip6tables-save');
    const limited = proveIntended(facts, [2222], [{ ...LAB_INTENT[0]!, source: '2001:db8:abcd::/48' }, ...LAB_INTENT.slice(1)]);
    expect(limited.differences).toContainEqual(
      expect.stringMatching(
        new RegExp(`^web 80/tcp at \\[${WEB}\\]:80 should be open only from 2001:db8:abcd::/48, but from anywhere else the live firewall lets it in`),
      ),
    );
    const closedPort = proveIntended(facts, [2222], LAB_INTENT.slice(1));
    expect(closedPort.differences).toContainEqual(
      expect.stringMatching(/^web 80\/tcp at .* was not chosen, but from anywhere else the live firewall lets it in \(Open: accepted by "-A ufw6-user-forward/),
    );
  });

  it('--from: one source address, judged against the openings that allow it', async () => {
    const { facts } = await labScenarioFacts('docker28-routed-v6wall-block-ufw-active.v6wall-lab.ip6tables-save');
    const proof = proveIntended(facts, [2222], LAB_INTENT.slice(0, 2), { from: '2001:db8:abcd::10' });
    expect(proof.rows.filter((r) => r.kind !== 'egress').every((r) => r.live.length === 1 && r.live[0]?.from === '2001:db8:abcd::10')).toBe(true);
    expect(proof.differences).toEqual([]);
  });

  it('reads the intent from choices (skip closes) and from the rules in place (by their comments)', async () => {
    expect(
      intendedFromChoices({
        sshPorts: [22],
        exposures: [
          { container: 'web', port: 80, proto: 'tcp', exposure: 'route', source: '2001:db8::5' },
          { container: 'db', port: 5432, proto: 'tcp', exposure: 'skip' },
        ],
      }),
    ).toEqual([{ container: 'web', port: 80, proto: 'tcp', exposure: 'route', source: '2001:db8::5' }]);
    const { facts } = await labScenarioFacts('docker28-routed-v6wall-block-ufw-active.v6wall-lab.ip6tables-save');
    expect(intendedFromRules(facts)).toEqual([]);
  });
});
