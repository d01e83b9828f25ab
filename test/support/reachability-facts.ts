// Facts for the reachability report's tests, from REAL captured rulesets. Two kinds:
// - capturedRun: discovery replayed from captures of ONE lab run each (docker/<dir> with the
//   ip6tables-save taken in the same lab, see test/fixtures/README.md); ssh and ufw facts from
//   capturedLabFacts();
// - labScenarioFacts: the rulesets test/lab/reachability.test.ts captured together with what real
//   connections showed, with Docker facts describing the containers that test creates (web, plain,
//   other) on the network and bridge the capture recorded.
import { readFileSync } from 'node:fs';
import type { Container, Facts, GatewayMode } from '../../src/core/types/facts.js';
import type { CommandResult, Runner } from '../../src/core/types/runner.js';
import { discoverDocker } from '../../src/host/discover-docker.js';
import { discoverHost } from '../../src/host/discover-host.js';
import { capturedLabFacts } from './captured-facts.js';

const fixture = (path: string): string => readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8');

/** A fake Runner replaying captured outputs by argv prefix; anything else is "not installed". */
function replay(replies: Record<string, string>): Runner {
  return async (argv) => {
    const line = argv.join(' ');
    const key = Object.keys(replies)
      .filter((prefix) => line === prefix || line.startsWith(`${prefix} `))
      .sort((a, b) => b.length - a.length)[0];
    const base: CommandResult = { argv: [...argv], exitCode: 0, stdout: '', stderr: '', durationMs: 1, notFound: false };
    return key === undefined ? { ...base, exitCode: 127, notFound: true } : { ...base, stdout: replies[key] ?? '' };
  };
}

/** Facts of one captured lab run: its Docker, its ruleset, its host addresses. */
export async function capturedRun(dockerDir: string, save: string, hostDir: 'ipv6-only' | 'dual-stack'): Promise<Facts> {
  const facts = await capturedLabFacts();
  const networkIds = (JSON.parse(fixture(`docker/${dockerDir}/network-inspect.json`)) as { Id: string }[]).map((n) => n.Id);
  const run = replay({
    'docker version': fixture(`docker/${dockerDir}/version.json`),
    'docker ps': fixture(`docker/${dockerDir}/ps.jsonl`),
    'docker inspect': fixture(`docker/${dockerDir}/inspect.json`),
    'docker network ls': `${networkIds.join('\n')}\n`,
    'docker network inspect': fixture(`docker/${dockerDir}/network-inspect.json`),
    'ip6tables-save': fixture(`ip6tables/${save}`),
    'ip -j -6 addr show scope global': fixture(`host/${hostDir}/ip-j-6-addr-global.json`),
    'ip -j -4 addr show': fixture(`host/${hostDir}/ip-j-4-addr.json`),
  });
  const daemonJson = (() => {
    try {
      return fixture(`docker/${dockerDir}/daemon.json`);
    } catch {
      return null;
    }
  })();
  const deps = { run, readFile: async (path: string) => (path === '/etc/docker/daemon.json' ? daemonJson : null), env: {}, uid: 0 };
  facts.docker = await discoverDocker(deps);
  facts.host = await discoverHost(deps, Promise.resolve(facts.docker.networks.flatMap((n) => (n.bridge === null ? [] : [n.bridge]))));
  return facts;
}

export interface LabCapture {
  dockerVersion: string;
  scenario: string;
  context: { dockerSubnets: { subnet: string; bridge: string }[] };
  real: { address: string; port: number; proto: 'tcp' | 'udp'; real: 'open' | 'blocked' }[];
}
export const LAB_CAPTURES = JSON.parse(fixture('ip6tables/v6wall-lab-captures.json')) as Record<string, LabCapture>;
const SERVER = '2001:db8:1234:1::2';

/** The lab test's containers: web (-p 8081:80, route rule 80), plain (80 and 9000 unpublished, route rule 9000), other (-p 8082:80). */
function labContainer(name: string, ipv6: string, ports: { port: number; hostPort?: number }[], routed: boolean): Container {
  return {
    id: name.padEnd(64, '0'),
    name,
    image: 'v6wall-lab/busybox:1',
    state: 'running',
    networks: [{ name: 'v6net', ipv6, ipv4: null }],
    ports: ports.map((p) => ({
      port: p.port,
      proto: 'tcp',
      // Docker reports an empty IPv6 HostPort in routed mode.
      published: p.hostPort === undefined ? [] : [{ hostIp: '::', hostPort: routed ? null : p.hostPort }],
    })),
  };
}

export async function labScenarioFacts(file: string): Promise<{ facts: Facts; capture: LabCapture }> {
  const capture = LAB_CAPTURES[file];
  if (capture === undefined) throw new Error(`no capture ${file}`);
  const facts = await capturedLabFacts();
  const net = capture.context.dockerSubnets[0];
  if (net === undefined) throw new Error('capture without a Docker subnet');
  const gateway: GatewayMode = capture.scenario.includes('nat-unprotected') ? 'nat-unprotected' : capture.scenario.includes('routed') ? 'routed' : 'nat';
  const docker28 = capture.dockerVersion.startsWith('28.');
  const ip6tablesOn = docker28 || capture.scenario === 'docker20.10-ip6tables-on';
  const routed = gateway === 'routed';
  facts.ssh = { ...facts.ssh, ports: [2222, 2223] };
  facts.host = { ...facts.host, globalIpv6: [SERVER], publicInterface: 'eth0' };
  facts.docker = {
    ...facts.docker,
    serverVersion: capture.dockerVersion,
    daemonConfig: docker28 ? {} : ip6tablesOn ? { experimental: true, ip6tables: true } : { ip6tables: false },
    ip6tablesChainsLive: ip6tablesOn,
    ip6DockerUserChain: docker28,
    ip6tablesSave: fixture(`ip6tables/${file}`),
    networks: [{ id: 'lab', name: 'v6net', driver: 'bridge', ipv6: true, subnets: [net.subnet], gatewayModeIpv6: gateway, bridge: net.bridge }],
    containers: [
      labContainer('web', '2001:db8:1234:a1:1::ab53', [{ port: 80, hostPort: 8081 }], routed),
      labContainer('plain', '2001:db8:1234:a1:1::ab54', [{ port: 80 }, { port: 9000 }], routed),
      labContainer('other', '2001:db8:1234:a1:1::ab55', [{ port: 80, hostPort: 8082 }], routed),
    ],
  };
  return { facts, capture };
}
