// Replays the rulesets test/lab/reachability.test.ts captured (V6WALL_CAPTURE_IP6TABLES=1) from
// real labs (Docker 20.10 and 28.5.2, UFW active, with and without v6wall's DOCKER-USER block),
// together with what real connections from the client namespace showed at that moment.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseIptablesSave } from '../../src/core/iptables/parse-save.js';
import { analyzeReachability, type Probe, type RoutingContext } from '../../src/core/iptables/reachability.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/ip6tables');
const META = join(FIXTURES, 'v6wall-lab-captures.json');

interface Capture {
  dockerVersion: string;
  scenario: string;
  context: RoutingContext;
  real: (Probe & { real: 'open' | 'blocked' })[];
}

const captures = existsSync(META) ? Object.entries(JSON.parse(readFileSync(META, 'utf8')) as Record<string, Capture>) : [];

describe('analysis of captured lab rulesets matches the real connections seen in the lab', () => {
  it('has captures to replay', () => {
    expect(captures.length).toBeGreaterThanOrEqual(2);
  });

  it.each(captures)('%s', (file, capture) => {
    const ruleset = parseIptablesSave(readFileSync(join(FIXTURES, file), 'utf8'));
    expect(ruleset.warnings).toEqual([]);
    const results = analyzeReachability(ruleset, capture.context, capture.real);
    expect(results.map((r) => `[${r.probe.address}]:${r.probe.port} ${r.verdict}`)).toEqual(capture.real.map((p) => `[${p.address}]:${p.port} ${p.real}`));
  });

  const byScenario = new Map(captures.map(([file, c]) => [c.scenario, { file, c }]));
  const analysed = (scenario: string) => {
    const found = byScenario.get(scenario);
    if (found === undefined) return null;
    const ruleset = parseIptablesSave(readFileSync(join(FIXTURES, found.file), 'utf8'));
    return analyzeReachability(ruleset, found.c.context, found.c.real);
  };

  it.skipIf(!byScenario.has('docker28-nat'))("Docker 28 nat without the block: Docker's rules open published ports whatever UFW says", () => {
    const results = analysed('docker28-nat') ?? [];
    // 8082 -> other:80 has no UFW route rule: open only because of Docker.
    expect(results.find((r) => r.probe.port === 8082)).toMatchObject({ verdict: 'open', dockerOnly: true });
    // 8081 -> web:80 is accepted by Docker first, but UFW's route rule would let it in too.
    expect(results.find((r) => r.probe.port === 8081)).toMatchObject({ verdict: 'open', dockerOnly: false, decidedBy: { chain: 'DOCKER' } });
    // Direct connections to containers are dropped by Docker in raw PREROUTING.
    const direct = results.find((r) => r.probe.port === 80);
    expect(direct?.decidedBy).toMatchObject({ table: 'raw', chain: 'PREROUTING' });
  });

  it.skipIf(!byScenario.has('docker28-nat-v6wall-block'))('Docker 28 nat with the block: UFW route rules decide published ports', () => {
    const results = analysed('docker28-nat-v6wall-block') ?? [];
    const viaRouteRule = results.find((r) => r.probe.port === 8081);
    expect(viaRouteRule).toMatchObject({ verdict: 'open', dockerOnly: false, decidedBy: { chain: 'ufw6-user-forward' } });
    const noRouteRule = results.find((r) => r.probe.port === 8082);
    expect(noRouteRule).toMatchObject({ verdict: 'blocked', decidedBy: { chain: 'DOCKER-USER' } });
  });
});
