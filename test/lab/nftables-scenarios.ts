// Lab scenarios for reading nftables: real Docker modes with UFW (iptables-nft, so UFW's rules are
// nftables tables too), and Docker 29's nftables backend EMULATED: Docker 28 started with its own
// firewall off ("iptables": false, "ip6tables": false) and Docker's golden IPv6 ruleset for the
// network's gateway mode (moby's nftabler test data, see nft-golden.ts) loaded with `nft -f` onto
// the real bridge, subnet and container of the lab. Each run reads the live rulesets
// (ip6tables-save and nft -j list ruleset) and what real TCP connections from the client show.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Probe, RoutingContext } from '../../src/core/iptables/reachability.js';
import { DOCKER28_ROOT, docker28Available } from './docker28.js';
import { LAB_ADDRESSES, LAB_SSH_PORT, startLab, type DockerOptions, type Lab, type Reachability } from './harness.js';
import { MOBY_COMMIT, adaptGolden, ip6GoldenFor } from './nft-golden.js';

export const SERVER = LAB_ADDRESSES.server;
export const WEB = '2001:db8:1234:a1:1::ab53'; // -p 8081:80; UFW route rule for 80
export const PLAIN = '2001:db8:1234:a1:1::ab54'; // unpublished 80 and 9000; UFW route rule for 9000
export const OTHER = '2001:db8:1234:a1:1::ab55'; // -p 8082:80 (real Docker only); UFW allows host port 8082
export const EXTRA_SSH_PORT = 2223; // sshd listens, nothing allows it

export type GatewayMode = 'nat' | 'routed' | 'nat-unprotected';

export interface NftScenario {
  name: string;
  docker: DockerOptions;
  /** The network's gateway mode for a real Docker 28. */
  gatewayMode?: GatewayMode;
  /** Docker 29's nftables backend, emulated with Docker's golden ruleset for this gateway mode. */
  emulateDocker29?: GatewayMode;
  ufw: boolean;
  /** A table v6wall could own (table inet v6wall, base chains before Docker's), loaded with nft -f. */
  v6wallTable?: boolean;
  /** A bridge-family table whose output chain drops TCP port 80 on its way into the containers. */
  bridgeTable?: boolean;
  needsDocker28: boolean;
}

const DOCKER28_FIREWALL_OFF: DockerOptions = { unpackedRoot: DOCKER28_ROOT, daemonJson: { iptables: false, ip6tables: false } };

export const NFT_SCENARIOS: NftScenario[] = [
  { name: 'docker20.10-ip6tables-off-ufw', docker: {}, ufw: true, needsDocker28: false },
  { name: 'docker20.10-ip6tables-on-ufw', docker: { ip6tables: true, experimental: true }, ufw: true, needsDocker28: false },
  { name: 'docker28-nat-ufw', docker: { unpackedRoot: DOCKER28_ROOT }, ufw: true, needsDocker28: true },
  { name: 'docker28-routed-ufw', docker: { unpackedRoot: DOCKER28_ROOT }, gatewayMode: 'routed', ufw: true, needsDocker28: true },
  { name: 'docker29-emulated-nat', docker: DOCKER28_FIREWALL_OFF, emulateDocker29: 'nat', ufw: false, needsDocker28: true },
  { name: 'docker29-emulated-nat-ufw', docker: DOCKER28_FIREWALL_OFF, emulateDocker29: 'nat', ufw: true, needsDocker28: true },
  { name: 'docker29-emulated-routed', docker: DOCKER28_FIREWALL_OFF, emulateDocker29: 'routed', ufw: false, needsDocker28: true },
  { name: 'docker29-emulated-routed-ufw', docker: DOCKER28_FIREWALL_OFF, emulateDocker29: 'routed', ufw: true, needsDocker28: true },
  { name: 'docker29-emulated-nat-unprotected-ufw', docker: DOCKER28_FIREWALL_OFF, emulateDocker29: 'nat-unprotected', ufw: true, needsDocker28: true },
  { name: 'docker29-emulated-nat-v6wall-table', docker: DOCKER28_FIREWALL_OFF, emulateDocker29: 'nat', ufw: false, v6wallTable: true, needsDocker28: true },
  {
    name: 'docker29-emulated-routed-bridge-table',
    docker: DOCKER28_FIREWALL_OFF,
    emulateDocker29: 'routed',
    ufw: false,
    bridgeTable: true,
    needsDocker28: true,
  },
];

/** Routed packets leave through the bridge device: the bridge family's output hook sees them. */
export const BRIDGE_TABLE = `table bridge v6wall-test {
	chain out {
		type filter hook output priority 0; policy accept;
		ether type ip6 tcp dport 80 drop
	}
}
`;

export interface ScenarioReading {
  dockerVersion: string;
  /** Live `ip6tables-save`, or null when it failed. */
  ip6tablesSave: string | null;
  /** Live `nft -j list ruleset`. */
  nftJson: string;
  context: RoutingContext;
  probes: Probe[];
  /** What the Docker 29 emulation loaded: Docker's golden, with the lab's names put in. */
  emulated: { golden: string; substitutions: [string, string][]; loaded: string } | null;
  /** Other tables the scenario loaded with nft -f (written for the test; nft renders what is read). */
  loadedTables: string[];
}

async function must(what: string, result: Promise<{ exitCode: number; stdout: string; stderr: string }>): Promise<string> {
  const r = await result;
  if (r.exitCode !== 0) throw new Error(`${what} failed (${r.exitCode}): ${r.stderr || r.stdout}`);
  return r.stdout;
}

/**
 * A table v6wall could own: input and forward base chains at priority filter - 10 (before
 * Docker's and UFW's at 0), SSH first, one opening to web:80 through a set, container egress
 * kept. Written for this test; nft itself renders what the analysis reads.
 */
export function v6wallTableText(bridge: string): string {
  return `table inet v6wall {
	set openings {
		type ipv6_addr . inet_proto . inet_service
		elements = { ${WEB} . tcp . 80 }
	}
	chain input {
		type filter hook input priority filter - 10; policy drop;
		ct state vmap { established : accept, related : accept, invalid : drop }
		iif "lo" accept
		tcp dport ${LAB_SSH_PORT} accept
		meta l4proto ipv6-icmp accept
	}
	chain forward {
		type filter hook forward priority filter - 10; policy accept;
		ct state established,related accept
		iifname "${bridge}" accept
		oifname "${bridge}" meta l4proto ipv6-icmp accept
		oifname "${bridge}" ip6 daddr . meta l4proto . th dport @openings accept
		oifname "${bridge}" counter drop
	}
}
`;
}

async function hostAddresses(lab: Lab): Promise<string[]> {
  const out = await must('ip addr', lab.inServer(['ip', '-j', '-6', 'addr', 'show']));
  const links = JSON.parse(out) as { addr_info?: { local?: string }[] }[];
  return links.flatMap((l) => (l.addr_info ?? []).flatMap((a) => (a.local ? [a.local] : [])));
}

/** Brings the scenario up in a started lab and reads the rulesets; probes are not run yet. */
export async function setUpScenario(lab: Lab, scenario: NftScenario): Promise<ScenarioReading> {
  const real = scenario.emulateDocker29 === undefined;
  const options = scenario.gatewayMode ? { 'com.docker.network.bridge.gateway_mode_ipv6': scenario.gatewayMode } : undefined;
  await lab.createNetwork({ name: 'v6net', subnet6: LAB_ADDRESSES.containerSubnet, ...(options ? { options } : {}) });
  const id = (await must('network id', lab.docker(['network', 'inspect', '--format', '{{.Id}}', 'v6net']))).trim();
  const bridge = `br-${id.slice(0, 12)}`;
  await lab.runContainer({ name: 'web', network: 'v6net', ip6: WEB, publish: ['8081:80'] });
  await lab.runContainer({
    name: 'plain',
    network: 'v6net',
    ip6: PLAIN,
    expose: ['80', '9000'],
    command: ['sh', '-c', 'httpd -p 9000 -h /www; exec httpd -f -p 80 -h /www'],
  });
  // The golden shows one published container: the emulation publishes only web.
  if (real) await lab.runContainer({ name: 'other', network: 'v6net', ip6: OTHER, publish: ['8082:80'] });

  let emulated: ScenarioReading['emulated'] = null;
  if (scenario.emulateDocker29 !== undefined) {
    const golden = ip6GoldenFor(scenario.emulateDocker29);
    const adapted = adaptGolden(golden.text, { bridge, subnet: LAB_ADDRESSES.containerSubnet, container: WEB, hostPort: 8081 });
    const file = join(lab.dir, 'docker29-golden.nft');
    writeFileSync(file, adapted.text);
    await must('nft -f (Docker golden)', lab.inServer(['nft', '-f', file]));
    emulated = { golden: golden.source, substitutions: adapted.substitutions, loaded: adapted.text };
  }
  const loadedTables = [...(scenario.v6wallTable === true ? [v6wallTableText(bridge)] : []), ...(scenario.bridgeTable === true ? [BRIDGE_TABLE] : [])];
  for (const [i, text] of loadedTables.entries()) {
    const file = join(lab.dir, `table-${i}.nft`);
    writeFileSync(file, text);
    await must('nft -f (a table for the test)', lab.inServer(['nft', '-f', file]));
  }
  if (scenario.ufw) {
    const ufw = [
      ['default', 'deny', 'incoming'],
      ['default', 'deny', 'routed'],
      ['allow', 'to', '::/0', 'port', String(LAB_SSH_PORT), 'proto', 'tcp'],
      ...(real ? [['allow', 'to', '::/0', 'port', '8082', 'proto', 'tcp']] : []),
      ['route', 'allow', 'proto', 'tcp', 'from', 'any', 'to', WEB, 'port', '80'],
      ['route', 'allow', 'proto', 'tcp', 'from', 'any', 'to', PLAIN, 'port', '9000'],
      ['--force', 'enable'],
    ];
    for (const args of ufw) await must(`ufw ${args.join(' ')}`, lab.ufw(args));
  }

  const save = await lab.inServer(['ip6tables-save']);
  const nftJson = await must('nft -j list ruleset', lab.inServer(['nft', '-j', 'list', 'ruleset']));
  const dockerVersion = (await must('docker version', lab.docker(['version', '--format', '{{.Server.Version}}']))).trim();
  const probes: Probe[] = [
    { address: SERVER, port: LAB_SSH_PORT, proto: 'tcp' },
    { address: SERVER, port: EXTRA_SSH_PORT, proto: 'tcp' },
    { address: WEB, port: 80, proto: 'tcp' },
    { address: PLAIN, port: 80, proto: 'tcp' },
    { address: PLAIN, port: 9000, proto: 'tcp' },
    // A routed network's host ports are ignored by Docker 28 (nothing listens there).
    ...(scenario.gatewayMode === 'routed' ? [] : [{ address: SERVER, port: 8081, proto: 'tcp' as const }]),
    ...(real ? [{ address: OTHER, port: 80, proto: 'tcp' as const }] : []),
    ...(real && scenario.gatewayMode !== 'routed' ? [{ address: SERVER, port: 8082, proto: 'tcp' as const }] : []),
  ];
  return {
    dockerVersion,
    ip6tablesSave: save.exitCode === 0 ? save.stdout : null,
    nftJson,
    context: { publicInterface: 'eth0', hostAddresses: await hostAddresses(lab), dockerSubnets: [{ subnet: LAB_ADDRESSES.containerSubnet, bridge }] },
    probes,
    emulated,
    loadedTables,
  };
}

/** Real TCP connections from the client namespace, one per probe, in order. */
export async function probeAll(lab: Lab, probes: readonly Probe[]): Promise<Reachability[]> {
  const reals: Reachability[] = [];
  for (const p of probes) reals.push(await lab.probeTcp(p.address, p.port));
  return reals;
}

export interface LabCaptureMeta {
  argv: { nft: string[]; ip6tables: string[] };
  dockerVersion: string;
  capturedAt: string;
  /** How Docker 29's backend was emulated; null for a real Docker. */
  emulatedDocker29: { mobyCommit: string; golden: string; substitutions: [string, string][]; loadedWith: string[] } | null;
  /** Tables written for the test and loaded with nft -f (a v6wall-like table, a bridge table). */
  loadedTables: string[];
  context: RoutingContext;
  real: (Probe & { real: Reachability })[];
}

/** Saves one scenario's two readings and what real connections showed (lab-captures.json). */
export function saveScenarioCapture(dir: string, name: string, reading: ScenarioReading, reals: readonly Reachability[]): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.nft.json`), reading.nftJson);
  if (reading.ip6tablesSave !== null) writeFileSync(join(dir, `${name}.ip6tables-save`), reading.ip6tablesSave);
  const metaPath = join(dir, 'lab-captures.json');
  const all = existsSync(metaPath) ? (JSON.parse(readFileSync(metaPath, 'utf8')) as Record<string, LabCaptureMeta>) : {};
  all[name] = {
    argv: { nft: ['nft', '-j', 'list', 'ruleset'], ip6tables: ['ip6tables-save'] },
    dockerVersion: reading.dockerVersion,
    capturedAt: new Date().toISOString(),
    emulatedDocker29:
      reading.emulated === null
        ? null
        : {
            mobyCommit: MOBY_COMMIT,
            golden: reading.emulated.golden,
            substitutions: reading.emulated.substitutions,
            loadedWith: ['nft', '-f', 'ADAPTED-GOLDEN'],
          },
    loadedTables: reading.loadedTables,
    context: reading.context,
    real: reading.probes.map((p, i) => ({ ...p, real: reals[i] as Reachability })),
  };
  writeFileSync(metaPath, `${JSON.stringify(all, null, 2)}\n`);
}

/** Every scenario in its own lab (those needing Docker 28 only when it is unpacked), saved under dir. */
export async function captureLabScenarios(dir: string): Promise<void> {
  for (const scenario of NFT_SCENARIOS) {
    if (scenario.needsDocker28 && !docker28Available()) {
      console.log(`${scenario.name}: skipped (Docker 28 not unpacked: npx tsx test/lab/docker28.ts)`);
      continue;
    }
    const lab = await startLab({ docker: scenario.docker, sshd: { ports: [LAB_SSH_PORT, EXTRA_SSH_PORT] } });
    try {
      const reading = await setUpScenario(lab, scenario);
      const reals = await probeAll(lab, reading.probes);
      saveScenarioCapture(dir, scenario.name, reading, reals);
      console.log(`${scenario.name}: ${reading.probes.map((p, i) => `[${p.address}]:${p.port} ${reals[i]}`).join(', ')}`);
    } finally {
      console.log(`${scenario.name} teardown problems:`, await lab.teardown());
    }
  }
}
