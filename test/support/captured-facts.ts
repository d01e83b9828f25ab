// Facts for the UI tests made by the real discovery code from outputs CAPTURED
// in the lab (test/fixtures, see its README): Docker 28.5.2 with a routed and a
// nat IPv6 network, sshd on 2222 with the operator's session, a fresh ufw 0.36.2,
// an IPv6-only host. Only the command runner (a replay of those files) and the
// file system (ufw at /usr/sbin/ufw) are replaced.
// Shared by the planner's tests and the wizard's snapshots.
import { readFileSync } from 'node:fs';
import type { Facts } from '../../src/core/types/facts.js';
import type { CommandResult, Runner } from '../../src/core/types/runner.js';
import { discoverFacts } from '../../src/host/discover.js';
import { buildPlan } from '../../src/core/plan.js';
import { defaultChoices } from '../../src/core/choices.js';
import { NFT_UNIT } from '../../src/core/plan-nftables.js';

const fixture = (path: string): string => readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8');

// Docker's outputs and the live ruleset come from the same lab run (same bridges and addresses).
const DOCKER = 'docker/v28-nat-and-routed';
const NETWORK_INSPECT = fixture(`${DOCKER}/network-inspect.json`);
/** `docker network ls --quiet --no-trunc` prints the full ids: the ones this capture's inspect names. */
const NETWORK_IDS = (JSON.parse(NETWORK_INSPECT) as { Id: string }[]).map((network) => `${network.Id}\n`).join('');

/** argv prefix → the captured stdout it printed. */
const REPLIES: Record<string, string> = {
  'sshd -T': fixture('ssh/sshd-T-port-2222.txt'),
  'ss -Htnp state listening state established': fixture('ssh/ss-Htnp-listening-established.txt'),
  'dpkg-query -W -f=${Status} ${Version} ufw': fixture('ufw/dpkg-query-ufw.txt'),
  'ip -j -6 addr show scope global': fixture('host/ipv6-only/ip-j-6-addr-global.json'),
  'ip -j -4 addr show': fixture('host/ipv6-only/ip-j-4-addr.json'),
  'docker version': fixture(`${DOCKER}/version.json`),
  'docker ps': fixture(`${DOCKER}/ps.jsonl`),
  'docker network ls': NETWORK_IDS,
  'docker inspect': fixture(`${DOCKER}/inspect.json`),
  'docker network inspect': NETWORK_INSPECT,
  'ip6tables-save': fixture('ip6tables/docker28-nat-and-routed-ufw-active.ip6tables-save'),
};

const FILES: Record<string, string> = {
  '/etc/default/ufw': fixture('ufw/fresh/default-ufw'),
  '/etc/ufw/ufw.conf': fixture('ufw/fresh/ufw.conf'),
  '/etc/ufw/user.rules': fixture('ufw/fresh/user.rules'),
  '/etc/ufw/user6.rules': fixture('ufw/fresh/user6.rules'),
  '/etc/ufw/after6.rules': fixture('ip6tables/ufw-0.36.2-after6.rules'),
  '/etc/os-release': fixture('discovery/os/os-release-debian12.txt'),
  '/proc/sys/net/ipv6/conf/all/forwarding': fixture('host/ipv6-only/sysctl-ipv6-all-forwarding.txt'),
  '/proc/sys/net/ipv4/ip_local_port_range': fixture('discovery/proc/ip_local_port_range.txt'),
  '/proc/sys/kernel/hostname': 'v6lab\n',
};

/** A fake Runner replaying the captured outputs; anything not captured is "not installed". */
const replayRunner: Runner = async (argv) => {
  const line = argv.join(' ');
  const key = Object.keys(REPLIES)
    .filter((prefix) => line === prefix || line.startsWith(`${prefix} `))
    .sort((a, b) => b.length - a.length)[0];
  const base: CommandResult = { argv: [...argv], exitCode: 0, stdout: '', stderr: '', durationMs: 1, notFound: false };
  return key === undefined ? { ...base, exitCode: 127, notFound: true, stderr: `${argv[0]}: not found` } : { ...base, stdout: REPLIES[key] ?? '' };
};

let cached: Promise<Facts> | null = null;

export function capturedLabFacts(): Promise<Facts> {
  cached ??= discoverFacts({
    run: replayRunner,
    readFile: async (path) => FILES[path] ?? null,
    exists: async (path) => path === '/usr/sbin/ufw',
    env: { SSH_CONNECTION: fixture('ssh/ssh-connection-env.txt').trim() },
    uid: 0,
    pid: 4242,
  });
  return cached.then((facts) => structuredClone(facts));
}

/**
 * The same host after `v6wall apply --backend nftables --route routed-web:80@2001:db8:abcd::/48
 * --publish web6:8081` and a confirm, in a Docker 28.5 lab with these containers at these
 * addresses: its live ruleset as `nft -j list ruleset` gave it (nftables/v6wall/lab-applied.json:
 * table inet v6wall next to Docker's iptables-nft tables). UFW is still installed, inactive.
 */
export async function capturedNftablesRerunFacts(): Promise<Facts> {
  const facts = await capturedLabFacts();
  facts.docker.nftRuleset = fixture('nftables/v6wall/lab-applied.json');
  return facts;
}

/** That host with the boot files as that apply wrote them (the script its plan loads, the unit, enabled). */
export async function capturedNftablesRerunBootFacts(): Promise<Facts> {
  const facts = await capturedNftablesRerunFacts();
  const plan = buildPlan(facts, defaultChoices(facts));
  if (!plan.ok) throw new Error(JSON.stringify(plan.errors));
  return { ...facts, nftBoot: { script: plan.value.steps[0]?.input ?? null, unit: NFT_UNIT, enabled: true } };
}

/** That host with routed-web stopped (docker stop): Docker gives it no address until it starts again. */
export async function capturedNftablesRerunStoppedFacts(): Promise<Facts> {
  const facts = await capturedNftablesRerunFacts();
  facts.docker.containers = facts.docker.containers.map((c) =>
    c.name === 'routed-web'
      ? { ...c, state: 'exited', networks: c.networks.map((n) => ({ ...n, ipv6: null, ipv4: null })), ports: c.ports.map((p) => ({ ...p, published: [] })) }
      : c,
  );
  return facts;
}

/** That host with routed-web removed (docker rm): the live table still opens its address. */
export async function capturedNftablesRerunRemovedFacts(): Promise<Facts> {
  const facts = await capturedNftablesRerunBootFacts();
  return { ...facts, docker: { ...facts.docker, containers: facts.docker.containers.filter((c) => c.name !== 'routed-web') } };
}
