import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dockerFirewallMode } from '../../src/core/docker-mode.js';
import { parseIptablesSave } from '../../src/core/iptables/parse-save.js';
import { analyzeReachability, verdictLabel } from '../../src/core/iptables/reachability.js';
import { reachabilityInputs } from '../../src/core/iptables/reachability-inputs.js';
import { parseDockerInspect } from '../../src/core/parse/docker-containers.js';
import { parseDaemonJson, parseDockerVersion, parseIp6tablesChains } from '../../src/core/parse/docker-daemon.js';
import { parseDockerNetworks } from '../../src/core/parse/docker-networks.js';
import type { Facts } from '../../src/core/types/facts.js';

const FIXTURES = join(import.meta.dirname, '../fixtures');
const read = (path: string): string => readFileSync(join(FIXTURES, path), 'utf8');
const HOST = '2001:db8:1234:1::2';

/** The captured Docker 20.10 lab with ip6tables on and UFW active (only 2222 allowed). */
function labFacts(): Facts {
  const save = read('ip6tables/docker20.10-ip6tables-on-ufw-active.ip6tables-save');
  const chains = parseIp6tablesChains(save);
  return {
    ssh: { evidence: [], sessionPort: 2222, ports: [2222], warnings: [] },
    ufw: {
      installed: true,
      version: '0.36.2',
      enabled: true,
      policies: { incoming: 'deny', outgoing: 'allow', routed: 'deny' },
      ipv6: true,
      rules: [],
      after6Rules: null,
      installHint: null,
      warnings: [],
    },
    docker: {
      available: true,
      reason: null,
      serverVersion: parseDockerVersion(read('docker/v20.10-ip6tables-on/version.json')),
      daemonConfig: parseDaemonJson(read('docker/v20.10-ip6tables-on/daemon.json')).value.config,
      daemonConfigError: null,
      ip6tablesChainsLive: chains.dockerChains,
      ip6DockerUserChain: chains.dockerUser,
      ip6tablesSave: null,
      nftRuleset: null,
      containers: parseDockerInspect(read('docker/v20.10-ip6tables-on/inspect.json')).value,
      networks: parseDockerNetworks(read('docker/v20.10-ip6tables-on/network-inspect.json')).value,
      warnings: [],
    },
    host: {
      root: true,
      hostname: 'lab',
      ipv6Forwarding: true,
      globalIpv6: [HOST],
      hasIpv4: false,
      publicInterface: null,
      onLinkPrefixes: [],
      ndpProxy: null,
      warnings: [],
    },
    nftBoot: { script: null, unit: null, enabled: false },
  };
}

describe('reachabilityInputs + analyzeReachability on the captured Docker 20.10 (ip6tables on) lab', () => {
  const facts = labFacts();
  const mode = dockerFirewallMode(facts.docker, 'ufw');
  const { context, probes } = reachabilityInputs(facts, mode);
  const results = analyzeReachability(parseIptablesSave(read('ip6tables/docker20.10-ip6tables-on-ufw-active.ip6tables-save')), context, probes);
  const lines = results.map((r, i) => `${probes[i]?.label}: ${verdictLabel(r)}`);

  it('asks about SSH, each running container port at its address and each IPv6 published port', () => {
    expect(probes.map((p) => p.kind).sort()).toEqual(['container', 'container', 'published', 'published', 'ssh']);
    expect(context.dockerSubnets).toEqual([{ subnet: '2001:db8:1234:a1:1::/80', bridge: expect.stringMatching(/^br-[0-9a-f]{12}$/) }]);
  });

  it("shows what Docker's own rules open, and what UFW still blocks", () => {
    expect(lines).toEqual(
      expect.arrayContaining([
        `SSH 2222/tcp at [${HOST}]:2222: open`,
        'exposed-only 9000/tcp at [2001:db8:1234:a1:1::2]:9000: blocked',
        "web6 80/tcp at [2001:db8:1234:a1:1:0:abcd:ab53]:80: open only because of Docker's own rules",
        `web6 80/tcp published at [${HOST}]:8081: open only because of Docker's own rules`,
        // v4only has no IPv6 address: docker-proxy serves [::]:8082 through INPUT, where UFW decides.
        `v4only 80/tcp published at [${HOST}]:8082: blocked`,
      ]),
    );
  });
});
