// `v6wall status --json` run inside the lab's server namespace (its own discovery: ip6tables-save,
// docker, sshd, the public interface) must say, row by row, what real connections from the client
// namespace show.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { installBlock, renderDockerUserBlock } from '../../src/core/docker-user-block.js';
import type { ReachabilityReport } from '../../src/core/reachability-report.js';
import { DOCKER28_ROOT, skipDocker28 } from './docker28.js';
import { LAB_ADDRESSES, LAB_SSH_PORT, REPO_ROOT, skipLab, startLab, type DockerOptions, type Lab } from './harness.js';

const skip = skipLab();
// Where the lab is required (CI fetches Docker 28 first), a missing Docker 28 fails instead of skipping.
const hasDocker28 = !skipDocker28();

const WEB = '2001:db8:1234:a1:1::ab53'; // -p 8081:80, route rule for 80
const PLAIN = '2001:db8:1234:a1:1::ab54'; // unpublished 80 and 9000, no rule
const OTHER = '2001:db8:1234:a1:1::ab55'; // -p 8082:80, no rule at all

async function ok(what: string, result: Promise<{ exitCode: number; stdout: string; stderr: string }>): Promise<string> {
  const r = await result;
  if (r.exitCode !== 0) throw new Error(`${what} failed (${r.exitCode}): ${r.stderr || r.stdout}`);
  return r.stdout;
}

async function setUp(lab: Lab, gatewayMode: 'nat' | 'routed', block: boolean): Promise<void> {
  const options = gatewayMode === 'routed' ? { 'com.docker.network.bridge.gateway_mode_ipv6': 'routed' } : undefined;
  await lab.createNetwork({ name: 'v6net', subnet6: LAB_ADDRESSES.containerSubnet, ...(options ? { options } : {}) });
  await lab.runContainer({ name: 'web', network: 'v6net', ip6: WEB, publish: ['8081:80'] });
  await lab.runContainer({
    name: 'plain',
    network: 'v6net',
    ip6: PLAIN,
    expose: ['80', '9000'],
    command: ['sh', '-c', 'httpd -p 9000 -h /www; exec httpd -f -p 80 -h /www'],
  });
  await lab.runContainer({ name: 'other', network: 'v6net', ip6: OTHER, publish: ['8082:80'] });
  for (const args of [
    ['default', 'deny', 'incoming'],
    ['default', 'deny', 'routed'],
    ['allow', 'to', '::/0', 'port', String(LAB_SSH_PORT), 'proto', 'tcp'],
    ['route', 'allow', 'proto', 'tcp', 'from', 'any', 'to', WEB, 'port', '80'],
    ['--force', 'enable'],
  ]) {
    await ok(`ufw ${args.join(' ')}`, lab.ufw(args));
  }
  if (!block) return;
  const id = (await ok('network id', lab.docker(['network', 'inspect', '--format', '{{.Id}}', 'v6net']))).trim();
  const rendered = renderDockerUserBlock([LAB_ADDRESSES.containerSubnet], [`br-${id.slice(0, 12)}`]);
  if (!rendered.ok) throw new Error(rendered.errors.join('; '));
  const path = join(lab.paths.ufwEtc, 'after6.rules');
  const installed = installBlock(readFileSync(path, 'utf8'), rendered.value);
  if (!installed.ok) throw new Error(installed.error);
  writeFileSync(path, installed.value);
  await ok('ufw reload', lab.ufw(['reload']));
}

async function statusReport(lab: Lab): Promise<ReachabilityReport> {
  const stateDir = mkdtempSync(join(tmpdir(), 'v6wall-lab-status-'));
  const argv = [
    process.execPath,
    '--import',
    pathToFileURL(join(REPO_ROOT, 'node_modules/tsx/dist/loader.mjs')).href,
    join(REPO_ROOT, 'src/cli.tsx'),
    'status',
    '--json',
    '--state-dir',
    stateDir,
  ];
  const out = await ok('v6wall status --json', lab.inServer(argv));
  return (JSON.parse(out) as { reachability: ReachabilityReport }).reachability;
}

interface Scenario {
  name: string;
  docker: DockerOptions;
  gatewayMode: 'nat' | 'routed';
  block: boolean;
  needsDocker28: boolean;
  /** What the operator must read for `other` (published, no UFW rule). */
  other: string;
}

const SCENARIOS: Scenario[] = [
  {
    name: 'Docker 20.10 with ip6tables on (no DOCKER-USER)',
    docker: { ip6tables: true, experimental: true },
    gatewayMode: 'nat',
    block: false,
    needsDocker28: false,
    other: "open only because of Docker's own rules",
  },
  {
    name: "Docker 28 routed with v6wall's DOCKER-USER block",
    docker: { unpackedRoot: DOCKER28_ROOT },
    gatewayMode: 'routed',
    block: true,
    needsDocker28: true,
    other: 'blocked',
  },
];

describe.skipIf(skip)('v6wall status: reachability agrees with real connections', () => {
  let lab: Lab | undefined;
  afterEach(async () => {
    const problems = await lab?.teardown();
    lab = undefined;
    expect(problems ?? []).toEqual([]);
  });

  for (const scenario of SCENARIOS) {
    it.skipIf(scenario.needsDocker28 && !hasDocker28)(
      scenario.name,
      async () => {
        lab = await startLab({ docker: scenario.docker, sshd: { ports: [LAB_SSH_PORT] } });
        await setUp(lab, scenario.gatewayMode, scenario.block);
        const report = await statusReport(lab);
        expect(report.note).toBeNull();
        expect(report.rows.length).toBeGreaterThanOrEqual(4);
        const seen: string[] = [];
        const expected: string[] = [];
        for (const row of report.rows) {
          seen.push(`${row.label}: ${row.verdict}`);
          expected.push(`${row.label}: ${await lab.probeTcp(row.address, row.port)}`);
        }
        console.log(`${scenario.name}:\n  ${report.rows.map((r) => `${r.label}: ${r.words}`).join('\n  ')}`);
        expect(seen).toEqual(expected);
        expect(report.rows.filter((r) => r.container === 'other').map((r) => r.words)).toEqual(
          scenario.gatewayMode === 'routed' ? [scenario.other] : [scenario.other, scenario.other],
        );
      },
      180_000,
    );
  }
});
