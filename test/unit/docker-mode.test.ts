import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dockerFirewallMode, exposureSupport, ipv6HostPorts, parseDockerVersion, type NetworkFirewallMode } from '../../src/core/docker-mode.js';
import { parseDockerInspect } from '../../src/core/parse/docker-containers.js';
import { parseDaemonJson, parseDockerVersion as parseVersionJson, parseIp6tablesChains } from '../../src/core/parse/docker-daemon.js';
import { parseDockerNetworks } from '../../src/core/parse/docker-networks.js';
import type { ContainerPort, DaemonConfig, DockerFacts, DockerNetwork, GatewayMode } from '../../src/core/types/facts.js';

const FIXTURES = join(import.meta.dirname, '../fixtures');
const read = (path: string): string => readFileSync(join(FIXTURES, path), 'utf8');

/** DockerFacts from a captured lab (Docker 20.10), read with the project's own parsers. */
function labFacts(folder: 'v20.10-ip6tables-on' | 'v20.10-ip6tables-off', ip6save: string): DockerFacts {
  const chains = parseIp6tablesChains(read(`ip6tables/${ip6save}`));
  return {
    available: true,
    reason: null,
    serverVersion: parseVersionJson(read(`docker/${folder}/version.json`)),
    daemonConfig: parseDaemonJson(read(`docker/${folder}/daemon.json`)).value.config,
    daemonConfigError: null,
    ip6tablesChainsLive: chains.dockerChains,
    ip6DockerUserChain: chains.dockerUser,
    ip6tablesSave: null,
    nftRuleset: null,
    containers: parseDockerInspect(read(`docker/${folder}/inspect.json`)).value,
    networks: parseDockerNetworks(read(`docker/${folder}/network-inspect.json`)).value,
    warnings: [],
  };
}

function network(gatewayModeIpv6: GatewayMode, name = 'web'): DockerNetwork {
  return { id: 'f00d', name, driver: 'bridge', ipv6: true, subnets: ['172.20.0.0/16', '2001:db8:1234:a1:2::/80'], gatewayModeIpv6, bridge: 'br-f00d' };
}

function facts(serverVersion: string, daemonConfig: DaemonConfig, live: { chains: boolean; dockerUser: boolean }, networks: DockerNetwork[]): DockerFacts {
  return {
    available: true,
    reason: null,
    serverVersion,
    daemonConfig,
    daemonConfigError: null,
    ip6tablesChainsLive: live.chains,
    ip6DockerUserChain: live.dockerUser,
    ip6tablesSave: null,
    nftRuleset: null,
    containers: [],
    networks,
    warnings: [],
  };
}

const published: ContainerPort = {
  port: 80,
  proto: 'tcp',
  published: [
    { hostIp: '0.0.0.0', hostPort: 8081 },
    { hostIp: '::', hostPort: 8081 },
  ],
};
const unpublished: ContainerPort = { port: 9000, proto: 'tcp', published: [] };
const v4only: ContainerPort = { port: 80, proto: 'tcp', published: [{ hostIp: '0.0.0.0', hostPort: 8082 }] };

const netOf = (mode: ReturnType<typeof dockerFirewallMode>, name = 'web'): NetworkFirewallMode => {
  const n = mode.networks.find((x) => x.name === name);
  if (n === undefined) throw new Error(`no network ${name}`);
  return n;
};

describe('dockerFirewallMode on the captured Docker 20.10 labs', () => {
  it('ip6tables off: UFW alone decides, published ports go through docker-proxy', () => {
    const mode = dockerFirewallMode(labFacts('v20.10-ip6tables-off', 'docker20.10-ip6tables-off-ufw-active.ip6tables-save'), 'ufw');
    expect(mode.kind).toBe('ip6tables-off');
    expect(mode.userlandProxy).toBe(true);
    expect(mode.needsDockerUserBlock).toBe(false);
    expect(mode.networks.map((n) => n.name)).toEqual(['v6net']);
    expect(mode.explanation.join('\n')).toContain('UFW alone decides');
    expect(mode.warnings).toEqual([]);
  });

  it('ip6tables on (experimental): Docker bypasses UFW and there is no DOCKER-USER to hook into', () => {
    const mode = dockerFirewallMode(labFacts('v20.10-ip6tables-on', 'docker20.10-ip6tables-on-ufw-active.ip6tables-save'), 'ufw');
    expect(mode.kind).toBe('ip6tables-on-no-docker-user');
    expect(mode.needsDockerUserBlock).toBe(false);
    expect(mode.explanation[0]).toContain('accept published ports before UFW sees them: UFW rules alone do not protect');
    expect(mode.warnings).toEqual([]);
  });
});

describe('dockerFirewallMode by version, daemon.json and live chains', () => {
  it('Docker 28 with default settings: ip6tables on, DOCKER-USER present, v6wall block needed', () => {
    const mode = dockerFirewallMode(facts('28.5.2', {}, { chains: true, dockerUser: true }, [network('nat'), network('routed', 'direct')]), 'ufw');
    expect(mode.kind).toBe('ip6tables-on-docker-user');
    expect(mode.needsDockerUserBlock).toBe(true);
    expect(netOf(mode).directDroppedByDocker).toBe(true);
    expect(netOf(mode, 'direct').directDroppedByDocker).toBe(false);
    expect(mode.explanation.join('\n')).toContain('after6.rules');
  });

  it('"ip6tables": false turns it off on any version', () => {
    expect(dockerFirewallMode(facts('28.5.2', { ip6tables: false }, { chains: false, dockerUser: false }, [network('nat')]), 'ufw').kind).toBe('ip6tables-off');
  });

  it('before 27, ip6tables needs experimental too', () => {
    expect(dockerFirewallMode(facts('24.0.7', { ip6tables: true }, { chains: false, dockerUser: false }, []), 'ufw').kind).toBe('ip6tables-off');
    expect(dockerFirewallMode(facts('24.0.7', { ip6tables: true, experimental: true }, { chains: true, dockerUser: true }, []), 'ufw').kind).toBe(
      'ip6tables-on-docker-user',
    );
  });

  it('trusts the live chains over daemon.json, and says so', () => {
    const mode = dockerFirewallMode(facts('26.1.0', {}, { chains: true, dockerUser: true }, []), 'ufw');
    expect(mode.kind).toBe('ip6tables-on-docker-user');
    expect(mode.warnings.join('\n')).toContain('going by the live chains');
  });

  it('warns when Docker should have IPv6 chains but they are gone', () => {
    const mode = dockerFirewallMode(facts('28.5.2', {}, { chains: false, dockerUser: false }, [network('nat')]), 'ufw');
    expect(mode.kind).toBe('ip6tables-on-docker-user');
    expect(mode.warnings.join('\n')).toContain('restart Docker');
  });

  it('Docker 29 with the nftables backend', () => {
    const mode = dockerFirewallMode(facts('29.0.0', { firewallBackend: 'nftables' }, { chains: false, dockerUser: false }, [network('routed')]), 'ufw');
    expect(mode.kind).toBe('nftables');
    expect(mode.needsDockerUserBlock).toBe(false);
    expect(mode.explanation.join('\n')).toContain("could not read Docker's nftables rules");
    const read = dockerFirewallMode(
      { ...facts('29.0.0', { firewallBackend: 'nftables' }, { chains: false, dockerUser: false }, [network('routed')]), nftRuleset: '{"nftables": []}' },
      'ufw',
    );
    expect(read.explanation.join('\n')).toContain("v6wall reads Docker's nftables rules");
  });

  it("Docker's nftables backend from the daemon's /info (FirewallBackend, 28.1+) or daemon.json; the explanation names the source", () => {
    const v29 = (config: DaemonConfig, info?: string | null): DockerFacts => ({
      ...facts('29.0.0', config, { chains: false, dockerUser: false }, [network('routed')]),
      ...(info === undefined ? {} : { firewallBackendInfo: info }),
    });
    const words = (docker: DockerFacts): string => dockerFirewallMode(docker, 'ufw').explanation.join('\n');
    // The daemon says so: daemon.json need not (a default set elsewhere, e.g. a --firewall-backend flag).
    expect(dockerFirewallMode(v29({}, 'nftables'), 'ufw').kind).toBe('nftables');
    expect(words(v29({}, 'nftables'))).toContain('(the daemon says so: FirewallBackend "nftables" in the Engine API\'s /info)');
    expect(words(v29({ firewallBackend: 'nftables' }, 'nftables+firewalld'))).toContain(
      'FirewallBackend "nftables+firewalld" in the Engine API\'s /info, as daemon.json\'s "firewall-backend" says',
    );
    // daemon.json alone, /info read without the field, or not read (the CLI was asked).
    expect(words(v29({ firewallBackend: 'nftables' }, null))).toContain(
      '(daemon.json sets "firewall-backend": "nftables"; the daemon\'s /info names no firewall backend)',
    );
    expect(words(v29({ firewallBackend: 'nftables' }))).toContain("the daemon's /info was not read");
    // daemon.json changed, daemon not restarted: the running daemon decides, and the operator is told.
    const stale = dockerFirewallMode(v29({ firewallBackend: 'nftables' }, 'iptables'), 'ufw');
    expect(stale.kind).not.toBe('nftables');
    expect(stale.warnings.join('\n')).toContain('but the running daemon says it uses iptables (Engine API /info): restart Docker');
    // The same on v6wall's own table.
    expect(dockerFirewallMode(v29({}, 'nftables'), 'nftables').explanation.join('\n')).toContain('FirewallBackend "nftables"');
  });

  it('Docker not running', () => {
    const mode = dockerFirewallMode(
      { ...facts('28.5.2', {}, { chains: false, dockerUser: false }, []), available: false, reason: 'the Docker daemon is not running' },
      'ufw',
    );
    expect(mode.kind).toBe('docker-absent');
    expect(mode.explanation[0]).toContain('the Docker daemon is not running');
  });

  it('allow-direct-routing stops Docker dropping direct connections on nat networks', () => {
    const mode = dockerFirewallMode(facts('28.5.2', { allowDirectRouting: true }, { chains: true, dockerUser: true }, [network('nat')]), 'ufw');
    expect(netOf(mode).directDroppedByDocker).toBe(false);
  });

  it('parses versions the way docker prints them', () => {
    expect(parseDockerVersion('20.10.24+dfsg1')).toEqual({ major: 20, minor: 10, patch: 24 });
    expect(parseDockerVersion('28.5.2')).toEqual({ major: 28, minor: 5, patch: 2 });
    expect(parseDockerVersion('garbage')).toBeNull();
  });
});

describe('exposureSupport: offer only what will work', () => {
  it('Docker 28 nat: direct access is dropped by Docker; the published port works through a route rule', () => {
    const mode = dockerFirewallMode(facts('28.5.2', {}, { chains: true, dockerUser: true }, [network('nat')]), 'ufw');
    const s = exposureSupport(mode, netOf(mode), published);
    expect(s.route.works).toBe(false);
    expect(s.route.why).toContain('drops direct connections');
    expect(s.route.fix).toContain('com.docker.network.bridge.gateway_mode_ipv6=routed web');
    expect(s.route.fix).toContain('--subnet 2001:db8:1234:a1:2::/80');
    expect(s.publish.works).toBe(true);
    expect(s.publish.why).toContain('route rule to the container address and port');
  });

  it('Docker 28 routed: route works for any port; host ports are ignored', () => {
    const mode = dockerFirewallMode(facts('28.5.2', {}, { chains: true, dockerUser: true }, [network('routed')]), 'ufw');
    const s = exposureSupport(mode, netOf(mode), unpublished);
    expect(s.route.works).toBe(true);
    expect(s.publish.works).toBe(false);
    expect(s.publish.why).toContain('routed mode');
  });

  it('isolated networks offer nothing, with the change that would help', () => {
    const mode = dockerFirewallMode(facts('28.5.2', {}, { chains: true, dockerUser: true }, [network('isolated')]), 'ufw');
    const s = exposureSupport(mode, netOf(mode), published);
    expect(s.route.works).toBe(false);
    expect(s.publish.works).toBe(false);
    expect(s.route.fix).toContain('gateway_mode_ipv6');
  });

  it('Docker 27 nat: both work once the DOCKER-USER block is in place', () => {
    const mode = dockerFirewallMode(facts('27.3.1', {}, { chains: true, dockerUser: true }, [network('nat')]), 'ufw');
    const s = exposureSupport(mode, netOf(mode), published);
    expect(s.route.works).toBe(true);
    expect(s.publish.works).toBe(true);
  });

  it('ip6tables off: route rule for the address, INPUT rule for the host port; without the userland proxy the host port is dead', () => {
    const on = dockerFirewallMode(facts('20.10.24', {}, { chains: false, dockerUser: false }, [network('nat')]), 'ufw');
    expect(exposureSupport(on, netOf(on), published)).toMatchObject({ route: { works: true }, publish: { works: true } });
    expect(exposureSupport(on, netOf(on), unpublished).publish).toMatchObject({ works: false, why: '9000/tcp is not published on a host port.' });
    const noProxy = dockerFirewallMode(facts('20.10.24', { userlandProxy: false }, { chains: false, dockerUser: false }, [network('nat')]), 'ufw');
    const s = exposureSupport(noProxy, netOf(noProxy), published);
    expect(s.publish.works).toBe(false);
    expect(s.publish.fix).toContain('"userland-proxy": true');
  });

  it('Docker 20.10 with ip6tables: published ports are open whatever UFW says, and the fix says how to get control back', () => {
    const mode = dockerFirewallMode(labFacts('v20.10-ip6tables-on', 'docker20.10-ip6tables-on-ufw-active.ip6tables-save'), 'ufw');
    const s = exposureSupport(mode, netOf(mode, 'v6net'), published);
    expect(s.publish.works).toBe(true);
    expect(s.publish.why).toContain('a UFW rule changes nothing');
    expect(s.publish.fix).toContain('upgrade Docker to 23');
    expect(exposureSupport(mode, netOf(mode, 'v6net'), unpublished).route).toMatchObject({ works: true });
  });

  it('an IPv4-only binding is not an IPv6 published port', () => {
    expect(ipv6HostPorts(v4only)).toEqual([]);
    expect(ipv6HostPorts(published)).toEqual([8081]);
  });

  it('nftables backend: unpublished ports are dropped by Docker, published ones go through a route rule', () => {
    const mode = dockerFirewallMode(facts('29.0.0', { firewallBackend: 'nftables' }, { chains: false, dockerUser: false }, [network('routed')]), 'ufw');
    expect(exposureSupport(mode, netOf(mode), unpublished).route.works).toBe(false);
    expect(exposureSupport(mode, netOf(mode), published).route.works).toBe(true);
    // As Docker reports a port published on a routed network: the IPv6 binding has no host port.
    const routedPublished: ContainerPort = {
      port: 80,
      proto: 'tcp',
      published: [
        { hostIp: '0.0.0.0', hostPort: 8084 },
        { hostIp: '::', hostPort: null },
      ],
    };
    expect(exposureSupport(mode, netOf(mode), routedPublished).route.works).toBe(true);
  });
});

describe('exposureSupport agrees with what real connections showed in the lab', () => {
  // test/fixtures/ip6tables/v6wall-lab-captures.json: per scenario, what the client namespace could reach.
  // In every scenario UFW had a route rule to web (…::ab53) port 80 and to plain (…::ab54) port 9000,
  // web was published as 8081:80, and UFW allowed host port 8082 (other, published 8082:80).
  const captures = JSON.parse(read('ip6tables/v6wall-lab-captures.json')) as Record<
    string,
    { scenario: string; real: { address: string; port: number; real: string }[] }
  >;
  const real = (scenario: string, address: string, port: number): string | undefined =>
    Object.values(captures)
      .find((c) => c.scenario === scenario)
      ?.real.find((p) => p.address === address && p.port === port)?.real;
  const WEB = '2001:db8:1234:a1:1::ab53';
  const PLAIN = '2001:db8:1234:a1:1::ab54';
  const SERVER = '2001:db8:1234:1::2';
  const works = (b: boolean): string => (b ? 'open' : 'blocked');

  it('Docker 20.10, ip6tables off: a route rule for the address, an allow rule for the host port', () => {
    const mode = dockerFirewallMode(facts('20.10.24', {}, { chains: false, dockerUser: false }, [network('nat')]), 'ufw');
    const s = exposureSupport(mode, netOf(mode), published);
    expect(works(s.route.works)).toBe(real('docker20.10-ip6tables-off', WEB, 80));
    expect(works(s.publish.works)).toBe(real('docker20.10-ip6tables-off', SERVER, 8082));
  });

  it.each(['nat', 'routed', 'nat-unprotected'] as const)('Docker 28.5.2 %s with the v6wall block: a route rule for address and port decides', (gatewayMode) => {
    const scenario = `docker28-${gatewayMode}-v6wall-block`;
    const mode = dockerFirewallMode(facts('28.5.2', {}, { chains: true, dockerUser: true }, [network(gatewayMode)]), 'ufw');
    const s = exposureSupport(mode, netOf(mode), published);
    expect(works(s.route.works)).toBe(real(scenario, WEB, 80));
    expect(works(exposureSupport(mode, netOf(mode), unpublished).route.works)).toBe(real(scenario, PLAIN, 9000));
    // Docker reports no IPv6 host port in routed mode, so the lab had no 8081 to probe there.
    expect(works(s.publish.works)).toBe(real(scenario, SERVER, 8081) ?? 'blocked');
  });
});

describe("with v6wall's own nftables table, every sentence names that table, never UFW", () => {
  const cases: [string, DockerFacts][] = [
    ['20.10, ip6tables off', facts('20.10.24', {}, { chains: false, dockerUser: false }, [network('nat')])],
    ['20.10, proxy off', facts('20.10.24', { userlandProxy: false }, { chains: false, dockerUser: false }, [network('nat')])],
    ['20.10, ip6tables on (no DOCKER-USER)', facts('20.10.24', { ip6tables: true, experimental: true }, { chains: true, dockerUser: false }, [network('nat')])],
    ['28.5 nat', facts('28.5.2', {}, { chains: true, dockerUser: true }, [network('nat')])],
    ['28.5 routed', facts('28.5.2', {}, { chains: true, dockerUser: true }, [network('routed')])],
    ['28.5 nat-unprotected', facts('28.5.2', {}, { chains: true, dockerUser: true }, [network('nat-unprotected')])],
    [
      '29 nftables backend',
      facts('29.0.0', { firewallBackend: 'nftables' }, { chains: false, dockerUser: false }, [network('nat'), network('routed', 'direct')]),
    ],
  ];
  it.each(cases)('%s', (_name, docker) => {
    const mode = dockerFirewallMode(docker, 'nftables');
    expect(mode.needsDockerUserBlock).toBe(false);
    const sentences = [
      ...mode.explanation,
      ...mode.networks.flatMap((network) =>
        [published, unpublished].flatMap((port) => {
          const support = exposureSupport(mode, network, port);
          return [support.route.why, support.route.fix ?? '', support.publish.why, support.publish.fix ?? ''];
        }),
      ),
    ];
    for (const sentence of sentences) expect(sentence).not.toMatch(/UFW|DOCKER-USER block asks|route rule decides/);
    expect(mode.explanation.join(' ')).toContain("v6wall's table");
  });

  it('Docker 20.10 with ip6tables on: the own table runs before Docker, so a published port is decided there', () => {
    const mode = dockerFirewallMode(
      facts('20.10.24', { ip6tables: true, experimental: true }, { chains: true, dockerUser: false }, [network('nat')]),
      'nftables',
    );
    const support = exposureSupport(mode, netOf(mode), published);
    expect(support.publish).toMatchObject({ works: true });
    expect(support.publish.why).toContain("v6wall's table sees the connection after Docker's DNAT");
  });
});
