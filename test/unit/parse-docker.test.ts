import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mergeContainers, parseDockerInspect, parseDockerPs } from '../../src/core/parse/docker-containers.js';
import { parseDaemonJson, parseDockerVersion, parseIp6tablesChains } from '../../src/core/parse/docker-daemon.js';
import { parseDockerNetworks } from '../../src/core/parse/docker-networks.js';

const fixture = (path: string): string => readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8');

describe('Docker 20.10 with ip6tables on (lab capture)', () => {
  const dir = 'docker/v20.10-ip6tables-on';
  const ps = parseDockerPs(fixture(`${dir}/ps.jsonl`));
  const inspected = parseDockerInspect(fixture(`${dir}/inspect.json`));
  const containers = mergeContainers(ps.value, inspected.value);
  const byName = (name: string) => containers.value.find((container) => container.name === name);

  it('reads the running containers from docker ps and their details from one inspect array', () => {
    expect(ps.warnings).toEqual([]);
    expect(inspected.warnings).toEqual([]);
    expect(containers.warnings).toEqual([]);
    expect(ps.value.every((entry) => /^[0-9a-f]{64}$/.test(entry.id))).toBe(true);
    // inspect also held a stopped container; docker ps decides which ones count.
    expect(inspected.value.some((container) => container.state !== 'running')).toBe(true);
    expect(containers.value.map((container) => container.state)).toEqual(containers.value.map(() => 'running'));
    expect(containers.value.map((container) => container.name)).toEqual(ps.value.map((entry) => entry.name).sort());
  });

  it('reads the container IPv6 address (GlobalIPv6Address), IPv4 and published ports on both families', () => {
    const web6 = byName('web6');
    expect(web6?.image).toBe('v6wall-lab/busybox:1');
    expect(web6?.networks).toEqual([{ name: 'v6net', ipv6: expect.stringMatching(/^2001:db8:1234:a1:1:/), ipv4: expect.stringMatching(/^172\./) }]);
    expect(web6?.ports).toEqual([
      {
        port: 80,
        proto: 'tcp',
        published: [
          { hostIp: '0.0.0.0', hostPort: 8081 },
          { hostIp: '::', hostPort: 8081 },
        ],
      },
    ]);
  });

  it('reads an exposed but unpublished port (bindings null) as exposed with no bindings', () => {
    expect(byName('exposed-only')?.ports).toEqual([{ port: 9000, proto: 'tcp', published: [] }]);
  });

  it('reads a container without IPv6 as ipv6 null', () => {
    expect(byName('v4only')?.networks.map((network) => network.ipv6)).toEqual([null]);
  });

  it('reads networks: IPv6 flag, both subnets, default gateway mode, bridge names', () => {
    const networks = parseDockerNetworks(fixture(`${dir}/network-inspect.json`));
    expect(networks.warnings).toEqual([]);
    const named = (name: string) => networks.value.find((network) => network.name === name);
    expect(named('bridge')).toMatchObject({ driver: 'bridge', ipv6: false, bridge: 'docker0', gatewayModeIpv6: 'nat' });
    const v6net = named('v6net');
    expect(v6net).toMatchObject({ driver: 'bridge', ipv6: true, gatewayModeIpv6: 'nat', bridge: `br-${v6net?.id.slice(0, 12)}` });
    expect(v6net?.subnets.some((subnet) => subnet.includes(':'))).toBe(true);
    expect(v6net?.subnets.some((subnet) => subnet.includes('.'))).toBe(true);
    expect(named('host')).toMatchObject({ driver: 'host', bridge: null, subnets: [] });
  });

  it('reads daemon.json, the server version and the live ip6tables chains', () => {
    expect(parseDaemonJson(fixture(`${dir}/daemon.json`)).value).toEqual({ config: { experimental: true, ip6tables: true }, error: null });
    expect(parseDockerVersion(fixture(`${dir}/version.json`))).toMatch(/^20\.10\./);
    expect(parseIp6tablesChains(fixture('ip6tables/docker20.10-ip6tables-on-ufw-active.ip6tables-save'))).toEqual({ dockerChains: true, dockerUser: false });
    expect(parseIp6tablesChains(fixture('ip6tables/ufw-0.36.2-netns-no-docker.save'))).toEqual({ dockerChains: false, dockerUser: false });
  });
});

describe('Docker 28.5 with a routed and a nat IPv6 network (lab capture)', () => {
  const dir = 'discovery/docker/v28.5-routed-nat';
  const containers = mergeContainers(parseDockerPs(fixture(`${dir}/ps.jsonl`)).value, parseDockerInspect(fixture(`${dir}/inspect.json`)).value);
  const byName = (name: string) => containers.value.find((container) => container.name === name);
  const networks = parseDockerNetworks(fixture(`${dir}/network-inspect.json`));
  const network = (name: string) => networks.value.find((item) => item.name === name);

  it('reads a routed-mode IPv6 binding with an empty host port as hostPort null', () => {
    expect(byName('routed-web')?.ports).toEqual([
      {
        port: 80,
        proto: 'tcp',
        published: [
          { hostIp: '0.0.0.0', hostPort: 8091 },
          { hostIp: '::', hostPort: null },
        ],
      },
    ]);
    expect(byName('routed-web')?.networks).toEqual([{ name: 'v6routed', ipv6: '2001:db8:1234:a1:2::2', ipv4: expect.stringMatching(/^172\./) }]);
  });

  it('reads the address the container really has (as its own `ip addr` shows)', () => {
    const kernel = /inet6 ([0-9a-f:]+)\//.exec(fixture(`${dir}/ip-addr-nat-web.txt`))?.[1];
    expect(byName('nat-web')?.networks[0]?.ipv6).toBe(kernel);
  });

  it('reads exposed-only, IPv4-only and running-only containers', () => {
    expect(byName('exposed-only')?.ports).toEqual([{ port: 9000, proto: 'tcp', published: [] }]);
    expect(byName('v4only')?.networks[0]?.ipv6).toBeNull();
    expect(byName('stopped')).toBeUndefined();
    expect(containers.warnings).toEqual([]);
  });

  it('reads gateway modes (missing = nat) and bridge names', () => {
    expect(networks.warnings).toEqual([]);
    expect(network('v6routed')).toMatchObject({ ipv6: true, gatewayModeIpv6: 'routed', subnets: expect.arrayContaining(['2001:db8:1234:a1:2::/80']) });
    expect(network('v6nat')).toMatchObject({ ipv6: true, gatewayModeIpv6: 'nat', bridge: `br-${network('v6nat')?.id.slice(0, 12)}` });
    expect(network('bridge')?.bridge).toBe('docker0');
  });

  it('sees the live IPv6 DOCKER-USER chain and the server version', () => {
    expect(parseIp6tablesChains(fixture(`${dir}/ip6tables-save-filter.txt`))).toEqual({ dockerChains: true, dockerUser: true });
    expect(parseDockerVersion(fixture(`${dir}/version.json`))).toBe('28.5.2+dfsg4');
  });
});

describe('Docker 20.10 with ip6tables off (lab capture)', () => {
  it('has no IPv6 chains of Docker', () => {
    expect(parseIp6tablesChains(fixture('ip6tables/docker20.10-ip6tables-off-ufw-active.ip6tables-save')).dockerChains).toBe(false);
  });
});

describe('small Docker readers', () => {
  it('reports an invalid daemon.json as an error a person can act on', () => {
    const parsed = parseDaemonJson('{ "ipv6": true, ', '/etc/docker/daemon.json');
    expect(parsed.value.config).toEqual({});
    expect(parsed.value.error).toMatch(/^\/etc\/docker\/daemon.json is not valid JSON .*dockerd refuses to start/);
  });

  it('reads every key v6wall cares about and warns on wrong types', () => {
    const text = JSON.stringify({
      ipv6: true,
      'fixed-cidr-v6': '2001:db8:1::/64',
      ip6tables: false,
      iptables: true,
      'userland-proxy': false,
      experimental: true,
      'firewall-backend': 'nftables',
      'default-address-pools': [],
    });
    expect(parseDaemonJson(text).value.config).toEqual({
      ipv6: true,
      fixedCidrV6: '2001:db8:1::/64',
      ip6tables: false,
      iptables: true,
      userlandProxy: false,
      experimental: true,
      firewallBackend: 'nftables',
    });
    expect(parseDaemonJson('{"ip6tables":"yes"}').warnings).toEqual(['/etc/docker/daemon.json: "ip6tables" should be true or false.']);
  });

  it('reads the server version as null when the daemon is down', () => {
    expect(parseDockerVersion(fixture('discovery/docker/version-daemon-down.stdout'))).toBeNull();
  });

  it('reads the DOCKER-USER chain from ip6tables -S output too', () => {
    expect(parseIp6tablesChains('-P INPUT ACCEPT\n-N DOCKER-USER\n-N DOCKER-FORWARD\n')).toEqual({ dockerChains: true, dockerUser: true });
  });

  it('keeps what docker ps knew about a container that vanished before inspect', () => {
    const merged = mergeContainers([{ id: 'a'.repeat(64), name: 'gone', image: 'img', state: 'running' }], []);
    expect(merged.value).toEqual([{ id: 'a'.repeat(64), name: 'gone', image: 'img', state: 'running', networks: [], ports: [] }]);
    expect(merged.warnings).toEqual(['Container gone could not be inspected (it may have just stopped).']);
  });
});
