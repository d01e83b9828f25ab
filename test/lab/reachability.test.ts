// Issue 6 item 5: for each Docker mode, the reachability analysis of the live ruleset must say
// exactly what real connections from the client namespace show, port by port. With Docker 23+
// (ip6tables on, DOCKER-USER) the v6wall after6.rules block is installed and loaded by a real
// `ufw reload` first, so this also proves the block loads and makes UFW's route rules decide.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { installBlock, removeBlock, renderDockerUserBlock } from '../../src/core/docker-user-block.js';
import { parseIptablesSave } from '../../src/core/iptables/parse-save.js';
import { analyzeReachability, verdictLabel, type Probe } from '../../src/core/iptables/reachability.js';
import { DOCKER28_ROOT, skipDocker28 } from './docker28.js';
import { LAB_ADDRESSES, LAB_SSH_PORT, REPO_ROOT, skipLab, startLab, type DockerOptions, type Lab } from './harness.js';

const skip = skipLab();

/** An unpacked Docker 28 (dpkg -x of sid's docker.io, see docker28.ts); its scenarios skip without it, except where the lab is required. */
const hasDocker28 = !skipDocker28();
/** V6WALL_CAPTURE_IP6TABLES=1 saves each scenario's live ruleset as a fixture for the unit tests. */
const CAPTURE = process.env.V6WALL_CAPTURE_IP6TABLES === '1';
const FIXTURES = join(REPO_ROOT, 'test/fixtures/ip6tables');

const SERVER = LAB_ADDRESSES.server;
const WEB = '2001:db8:1234:a1:1::ab53'; // -p 8081:80, route rule for 80
const PLAIN = '2001:db8:1234:a1:1::ab54'; // unpublished, listens on 80 and 9000; route rule for 9000
const OTHER = '2001:db8:1234:a1:1::ab55'; // -p 8082:80, no route rule; UFW allows host port 8082
const EXTRA_SSH_PORT = 2223; // sshd listens, UFW does not allow it

interface Scenario {
  name: string;
  docker: DockerOptions;
  gatewayMode?: 'nat' | 'routed' | 'nat-unprotected';
  /** Install v6wall's DOCKER-USER block and `ufw reload` before probing. */
  dockerUserBlock: boolean;
  needsDocker28: boolean;
}

const SCENARIOS: Scenario[] = [
  { name: 'docker20.10-ip6tables-off', docker: {}, dockerUserBlock: false, needsDocker28: false },
  { name: 'docker20.10-ip6tables-on', docker: { ip6tables: true, experimental: true }, dockerUserBlock: false, needsDocker28: false },
  { name: 'docker28-nat', docker: { unpackedRoot: DOCKER28_ROOT }, dockerUserBlock: false, needsDocker28: true },
  { name: 'docker28-nat-v6wall-block', docker: { unpackedRoot: DOCKER28_ROOT }, dockerUserBlock: true, needsDocker28: true },
  { name: 'docker28-routed', docker: { unpackedRoot: DOCKER28_ROOT }, gatewayMode: 'routed', dockerUserBlock: false, needsDocker28: true },
  { name: 'docker28-routed-v6wall-block', docker: { unpackedRoot: DOCKER28_ROOT }, gatewayMode: 'routed', dockerUserBlock: true, needsDocker28: true },
  { name: 'docker28-nat-unprotected', docker: { unpackedRoot: DOCKER28_ROOT }, gatewayMode: 'nat-unprotected', dockerUserBlock: false, needsDocker28: true },
  {
    name: 'docker28-nat-unprotected-v6wall-block',
    docker: { unpackedRoot: DOCKER28_ROOT },
    gatewayMode: 'nat-unprotected',
    dockerUserBlock: true,
    needsDocker28: true,
  },
];

const FIXED_PROBES: Probe[] = [
  { address: SERVER, port: LAB_SSH_PORT, proto: 'tcp' },
  { address: SERVER, port: EXTRA_SSH_PORT, proto: 'tcp' },
  { address: WEB, port: 80, proto: 'tcp' },
  { address: PLAIN, port: 80, proto: 'tcp' },
  { address: PLAIN, port: 9000, proto: 'tcp' },
  { address: OTHER, port: 80, proto: 'tcp' },
];

async function mustOk(what: string, result: Promise<{ exitCode: number; stdout: string; stderr: string }>): Promise<string> {
  const r = await result;
  if (r.exitCode !== 0) throw new Error(`${what} failed (${r.exitCode}): ${r.stderr || r.stdout}`);
  return r.stdout;
}

/**
 * The IPv6 host ports Docker says it publishes, as v6wall's own status would probe them.
 * (In routed mode Docker reports an empty HostPort: there is no host port to probe.)
 */
async function publishedHostProbes(lab: Lab, containers: string[]): Promise<Probe[]> {
  const out = await mustOk('docker inspect', lab.docker(['inspect', '--format', '{{json .NetworkSettings.Ports}}', ...containers]));
  const probes: Probe[] = [];
  for (const line of out.trim().split('\n')) {
    const ports = JSON.parse(line) as Record<string, { HostIp: string; HostPort: string }[] | null>;
    for (const bindings of Object.values(ports)) {
      for (const b of bindings ?? []) {
        if (b.HostIp === '::' && b.HostPort !== '') probes.push({ address: SERVER, port: Number(b.HostPort), proto: 'tcp' });
      }
    }
  }
  return probes;
}

async function hostAddresses(lab: Lab): Promise<string[]> {
  const out = await mustOk('ip addr', lab.inServer(['ip', '-j', '-6', 'addr', 'show']));
  const links = JSON.parse(out) as { addr_info?: { local?: string }[] }[];
  return links.flatMap((l) => (l.addr_info ?? []).flatMap((a) => (a.local ? [a.local] : [])));
}

async function setUp(lab: Lab, scenario: Scenario): Promise<{ bridge: string }> {
  const options = scenario.gatewayMode ? { 'com.docker.network.bridge.gateway_mode_ipv6': scenario.gatewayMode } : undefined;
  await lab.createNetwork({ name: 'v6net', subnet6: LAB_ADDRESSES.containerSubnet, ...(options ? { options } : {}) });
  const id = (await mustOk('network id', lab.docker(['network', 'inspect', '--format', '{{.Id}}', 'v6net']))).trim();
  await lab.runContainer({ name: 'web', network: 'v6net', ip6: WEB, publish: ['8081:80'] });
  await lab.runContainer({
    name: 'plain',
    network: 'v6net',
    ip6: PLAIN,
    expose: ['80', '9000'],
    command: ['sh', '-c', 'httpd -p 9000 -h /www; exec httpd -f -p 80 -h /www'],
  });
  await lab.runContainer({ name: 'other', network: 'v6net', ip6: OTHER, publish: ['8082:80'] });
  const ufw = [
    ['default', 'deny', 'incoming'],
    ['default', 'deny', 'routed'],
    ['allow', 'to', '::/0', 'port', String(LAB_SSH_PORT), 'proto', 'tcp'],
    ['allow', 'to', '::/0', 'port', '8082', 'proto', 'tcp'],
    ['route', 'allow', 'proto', 'tcp', 'from', 'any', 'to', WEB, 'port', '80'],
    ['route', 'allow', 'proto', 'tcp', 'from', 'any', 'to', PLAIN, 'port', '9000'],
    ['--force', 'enable'],
  ];
  for (const args of ufw) await mustOk(`ufw ${args.join(' ')}`, lab.ufw(args));
  return { bridge: `br-${id.slice(0, 12)}` };
}

async function installV6wallBlock(lab: Lab, bridge: string): Promise<void> {
  const rendered = renderDockerUserBlock([LAB_ADDRESSES.containerSubnet], [bridge]);
  if (!rendered.ok) throw new Error(rendered.errors.join('; '));
  const path = join(lab.paths.ufwEtc, 'after6.rules');
  const installed = installBlock(readFileSync(path, 'utf8'), rendered.value);
  if (!installed.ok) throw new Error(installed.error);
  writeFileSync(path, installed.value);
  await mustOk('ufw reload', lab.ufw(['reload']));
}

describe.skipIf(skip)('reachability analysis agrees with real connections', () => {
  let lab: Lab | undefined;
  afterEach(async () => {
    const problems = await lab?.teardown();
    lab = undefined;
    expect(problems ?? []).toEqual([]);
  });

  for (const scenario of SCENARIOS) {
    it.skipIf(scenario.needsDocker28 && !hasDocker28)(`${scenario.name}: every probed port`, async () => {
      lab = await startLab({ docker: scenario.docker, sshd: { ports: [LAB_SSH_PORT, EXTRA_SSH_PORT] } });
      const { bridge } = await setUp(lab, scenario);
      if (scenario.dockerUserBlock) {
        await installV6wallBlock(lab, bridge);
        // Reloading twice must not double the block's rules (the chain is declared, so it is flushed first).
        await mustOk('ufw reload', lab.ufw(['reload']));
        const chain = await mustOk('ip6tables -S DOCKER-USER', lab.inServer(['ip6tables', '-S', 'DOCKER-USER']));
        expect(chain.split('\n').filter((l) => l.includes('-j ufw6-user-forward'))).toHaveLength(1);
      }

      const save = await mustOk('ip6tables-save', lab.inServer(['ip6tables-save']));
      const version = (await mustOk('docker version', lab.docker(['version', '--format', '{{.Server.Version}}']))).trim();
      const ruleset = parseIptablesSave(save);
      expect(ruleset.warnings).toEqual([]);
      const context = {
        publicInterface: 'eth0',
        hostAddresses: await hostAddresses(lab),
        dockerSubnets: [{ subnet: LAB_ADDRESSES.containerSubnet, bridge }],
      };
      const probes = [...FIXED_PROBES, ...(await publishedHostProbes(lab, ['web', 'other']))];
      const results = analyzeReachability(ruleset, context, probes);
      const rows: string[] = [];
      const mismatches: string[] = [];
      const reals: string[] = [];
      for (const result of results) {
        const real = await lab.probeTcp(result.probe.address, result.probe.port);
        reals.push(real);
        const row = `[${result.probe.address}]:${result.probe.port} real=${real} analysis=${verdictLabel(result)}`;
        rows.push(row);
        if (result.verdict !== real) mismatches.push(`${row}\n    ${result.reason}\n    ${result.trail.join('\n    ')}`);
      }
      console.log(`${scenario.name} (Docker ${version}):\n  ${rows.join('\n  ')}`);
      if (CAPTURE) {
        // The ruleset plus what real connections showed: the unit tests replay it without a lab.
        const file = `${scenario.name}-ufw-active.v6wall-lab.ip6tables-save`;
        writeFileSync(join(FIXTURES, file), save);
        const metaPath = join(FIXTURES, 'v6wall-lab-captures.json');
        const meta = existsSync(metaPath) ? (JSON.parse(readFileSync(metaPath, 'utf8')) as Record<string, unknown>) : {};
        meta[file] = {
          argv: ['ip6tables-save'],
          dockerVersion: version,
          scenario: scenario.name,
          capturedAt: new Date().toISOString(),
          context,
          real: results.map((r, i) => ({ ...r.probe, real: reals[i] })),
        };
        writeFileSync(metaPath, `${JSON.stringify(meta, null, 2)}\n`);
      }
      expect(mismatches).toEqual([]);
    });
  }
});

// What an operator lives with once the block is in: `ufw disable`, and taking the block out again.
describe.skipIf(skip || !hasDocker28)('the v6wall DOCKER-USER block on Docker 28 (nat), over its life', () => {
  let lab: Lab | undefined;
  afterEach(async () => {
    const problems = await lab?.teardown();
    lab = undefined;
    expect(problems ?? []).toEqual([]);
  });

  it('fails closed on ufw disable, and stays live after removal from after6.rules until DOCKER-USER is flushed', async () => {
    lab = await startLab({ docker: { unpackedRoot: DOCKER28_ROOT }, sshd: { ports: [LAB_SSH_PORT] } });
    const { bridge } = await setUp(lab, { name: 'lifecycle', docker: {}, dockerUserBlock: true, needsDocker28: true });
    const l = lab;
    const context = async () => ({
      publicInterface: 'eth0',
      hostAddresses: await hostAddresses(l),
      dockerSubnets: [{ subnet: LAB_ADDRESSES.containerSubnet, bridge }],
    });
    const probes: Probe[] = [
      { address: SERVER, port: 8081, proto: 'tcp' }, // web: route rule to WEB:80
      { address: SERVER, port: 8082, proto: 'tcp' }, // other: no route rule
    ];
    /** Real connections, checked against the analysis of the live ruleset at the same moment. */
    const observe = async (): Promise<string[]> => {
      const ruleset = parseIptablesSave(await mustOk('ip6tables-save', l.inServer(['ip6tables-save'])));
      const results = analyzeReachability(ruleset, await context(), probes);
      const seen: string[] = [];
      for (const r of results) {
        const real = await l.probeTcp(r.probe.address, r.probe.port);
        expect(`${r.probe.port} analysis=${r.verdict}`).toBe(`${r.probe.port} analysis=${real}`);
        seen.push(`${r.probe.port} ${real}`);
      }
      return seen;
    };

    expect(await observe()).toEqual(['8081 open', '8082 open']); // Docker's own accepts, UFW bypassed
    await installV6wallBlock(l, bridge);
    expect(await observe()).toEqual(['8081 open', '8082 blocked']);

    await mustOk('ufw disable', l.ufw(['disable']));
    // ufw's stop flushes its own chains but not DOCKER-USER: the block's final DROP still stands.
    expect(await observe()).toEqual(['8081 blocked', '8082 blocked']);
    await mustOk('ufw enable', l.ufw(['--force', 'enable']));
    expect(await observe()).toEqual(['8081 open', '8082 blocked']);

    const path = join(l.paths.ufwEtc, 'after6.rules');
    const removed = removeBlock(readFileSync(path, 'utf8'));
    if (!removed.ok) throw new Error(removed.error);
    writeFileSync(path, removed.value);
    await mustOk('ufw reload', l.ufw(['reload']));
    // Nothing declares DOCKER-USER any more, so nothing flushes it: the live rules stay until flushed.
    expect(await observe()).toEqual(['8081 open', '8082 blocked']);
    await mustOk('ip6tables -F DOCKER-USER', l.inServer(['ip6tables', '-F', 'DOCKER-USER']));
    expect(await observe()).toEqual(['8081 open', '8082 open']);
  });
});
