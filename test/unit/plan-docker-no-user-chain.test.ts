// The planner on Docker 20.10 with "ip6tables": true (captured lab outputs): Docker accepts
// published ports before UFW and has no IPv6 DOCKER-USER chain, so v6wall must not claim control
// and must name every published port that stays open, chosen or not (the lab measured them open).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildPlan } from '../../src/core/plan.js';
import { parseDockerInspect } from '../../src/core/parse/docker-containers.js';
import { parseDaemonJson, parseDockerVersion, parseIp6tablesChains } from '../../src/core/parse/docker-daemon.js';
import { parseDockerNetworks } from '../../src/core/parse/docker-networks.js';
import type { Facts } from '../../src/core/types/facts.js';

const read = (path: string): string => readFileSync(join(import.meta.dirname, '../fixtures', path), 'utf8');
const DIR = 'docker/v20.10-ip6tables-on';
const WEB6 = '2001:db8:1234:a1:1:0:abcd:ab53';

function facts(): Facts {
  const save = read('ip6tables/docker20.10-ip6tables-on-ufw-active.ip6tables-save');
  const chains = parseIp6tablesChains(save);
  return {
    ssh: { evidence: [], sessionPort: null, ports: [2222], warnings: [] },
    ufw: {
      installed: true,
      version: '0.36.2',
      enabled: false,
      policies: { incoming: 'deny', outgoing: 'allow', routed: 'deny' },
      ipv6: true,
      rules: [],
      after6Rules: read('ip6tables/ufw-0.36.2-after6.rules'),
      installHint: null,
      warnings: [],
    },
    docker: {
      available: true,
      reason: null,
      serverVersion: parseDockerVersion(read(`${DIR}/version.json`)),
      daemonConfig: parseDaemonJson(read(`${DIR}/daemon.json`)).value.config,
      daemonConfigError: null,
      ip6tablesChainsLive: chains.dockerChains,
      ip6DockerUserChain: chains.dockerUser,
      nftRuleset: null,
      ip6tablesSave: save,
      containers: parseDockerInspect(read(`${DIR}/inspect.json`)).value.filter((c) => c.state === 'running'),
      networks: parseDockerNetworks(read(`${DIR}/network-inspect.json`)).value,
      warnings: [],
    },
    host: {
      root: true,
      hostname: 'lab',
      ipv6Forwarding: true,
      globalIpv6: ['2001:db8:1234:1::2'],
      hasIpv4: false,
      publicInterface: null,
      onLinkPrefixes: [],
      ndpProxy: null,
      warnings: [],
    },
    nftBoot: { script: null, unit: null, enabled: false },
  };
}

describe('planning on Docker 20.10 with ip6tables on (no IPv6 DOCKER-USER)', () => {
  it('adds no DOCKER-USER block and names every published IPv6 container port Docker keeps open, chosen or not', () => {
    const result = buildPlan(facts(), { sshPorts: [2222], exposures: [], removeStale: false });
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.value.steps.some((step) => step.kind === 'integration')).toBe(false);
    const note = result.value.notes.find((n) => n.startsWith('Docker accepts these published ports'));
    expect(note).toContain(`web6 80/tcp (host port 8081, and [${WEB6}]:80)`);
    expect(note).toContain('upgrade Docker to 23 or later');
    // v4only publishes on [::]:8082 too, but has no IPv6 address: docker-proxy serves it through INPUT, where UFW decides.
    expect(note).not.toContain('v4only');
  });

  it('says nothing of the kind when Docker writes no IPv6 rules', () => {
    const off = facts();
    off.docker = { ...off.docker, daemonConfig: {}, ip6tablesChainsLive: false };
    const result = buildPlan(off, { sshPorts: [2222], exposures: [], removeStale: false });
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.value.notes.some((n) => n.startsWith('Docker accepts these published ports'))).toBe(false);
  });
});
