// fast-check generators of whole hosts for the planner's convergence properties: Docker networks
// with IPv6 subnets and bridges, containers on them (running or stopped), two firewall modes
// (Docker 20.10 with ip6tables off; Docker 28 with DOCKER-USER, where v6wall adds its block),
// and valid choices with sources.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import type { Choices, ExposureChoice } from '../../src/core/types/choices.js';
import type { Container, DockerNetwork, Facts, GatewayMode } from '../../src/core/types/facts.js';
import { dockerFirewallMode, exposureSupport } from '../../src/core/docker-mode.js';
import { exposureOptions } from '../../src/ui/exposure-rows.js';
import { containerIpv6Addresses } from '../../src/core/container-addresses.js';

const PRISTINE_AFTER6 = readFileSync(new URL('../fixtures/ip6tables/ufw-0.36.2-after6.rules', import.meta.url), 'utf8');

export const SOURCES = ['2001:db8:abcd::/48', '2001:db8:beef::5'] as const;

export type HostMode = 'ip6tables-off' | 'docker-user';

const subnetOf = (index: number): string => `2001:db8:1234:a1:${index + 1}::/80`;
const addressOf = (network: number, host: number): string => `2001:db8:1234:a1:${network + 1}::${(0x10 + host).toString(16)}`;

function network(index: number, gateway: GatewayMode): DockerNetwork {
  return {
    id: `${index}`.repeat(64).slice(0, 64),
    name: `net${index}`,
    driver: 'bridge',
    ipv6: true,
    subnets: [subnetOf(index), `172.${20 + index}.0.0/16`],
    gatewayModeIpv6: gateway,
    bridge: `br-n${index}`,
  };
}

const portPool = [
  { port: 80, proto: 'tcp' as const },
  { port: 443, proto: 'tcp' as const },
  { port: 5353, proto: 'udp' as const },
];

const containerSpec = fc.record({
  network: fc.integer({ min: 0, max: 1 }),
  ports: fc.subarray(portPool, { minLength: 1 }),
  published: fc.boolean(),
});

export const hostArbitrary: fc.Arbitrary<{ facts: Facts; mode: HostMode }> = fc
  .record({
    mode: fc.constantFrom<HostMode>('ip6tables-off', 'docker-user'),
    gateways: fc.tuple(fc.constantFrom<GatewayMode>('nat', 'routed', 'nat-unprotected'), fc.constantFrom<GatewayMode>('nat', 'routed', 'nat-unprotected')),
    containers: fc.array(containerSpec, { maxLength: 4 }),
    enabled: fc.boolean(),
    routed: fc.constantFrom('allow' as const, 'deny' as const, 'disabled' as const),
    hasIpv4: fc.boolean(),
  })
  .map(({ mode, gateways, containers, enabled, routed, hasIpv4 }) => {
    const networks = [network(0, mode === 'docker-user' ? gateways[0] : 'nat'), network(1, mode === 'docker-user' ? gateways[1] : 'nat')];
    const built: Container[] = containers.map((spec, index) => ({
      id: `c${index}`.padEnd(64, '0'),
      name: `c${index}`,
      image: 'v6wall-lab/busybox:1',
      state: 'running',
      networks: [{ name: `net${spec.network}`, ipv6: addressOf(spec.network, index), ipv4: '172.20.0.2' }],
      ports: spec.ports.map((p, at) => ({ ...p, published: spec.published ? [{ hostIp: '::', hostPort: 8000 + index * 10 + at }] : [] })),
    }));
    const facts: Facts = {
      ssh: { evidence: [{ port: 22, source: 'session', detail: 'SSH_CONNECTION' }], sessionPort: 22, ports: [22], warnings: [] },
      ufw: {
        installed: true,
        version: '0.36.2',
        enabled,
        policies: { incoming: 'deny', outgoing: 'allow', routed },
        ipv6: true,
        rules: [],
        after6Rules: PRISTINE_AFTER6,
        installHint: null,
        warnings: [],
      },
      docker: {
        available: true,
        reason: null,
        serverVersion: mode === 'docker-user' ? '28.5.2' : '20.10.24',
        daemonConfig: {},
        daemonConfigError: null,
        ip6tablesChainsLive: mode === 'docker-user',
        ip6DockerUserChain: mode === 'docker-user',
        ip6tablesSave: null,
        nftRuleset: null,
        containers: built,
        networks,
        warnings: [],
      },
      host: {
        root: true,
        hostname: 'lab',
        ipv6Forwarding: true,
        globalIpv6: ['2001:db8:1234:1::2'],
        hasIpv4,
        publicInterface: null,
        onLinkPrefixes: [],
        ndpProxy: null,
        warnings: [],
      },
      nftBoot: { script: null, unit: null, enabled: false },
    };
    return { facts, mode };
  });

/** The ways each running container port can be opened here (route, or publish on a host port). */
export function possibleOpenings(facts: Facts): ExposureChoice[][] {
  const mode = dockerFirewallMode(facts.docker, 'ufw');
  return facts.docker.containers.flatMap((container) => {
    if (container.state !== 'running') return [];
    const joined = mode.networks.find((n) => container.networks.some((c) => c.name === n.name));
    if (joined === undefined || containerIpv6Addresses(container).length === 0) return [];
    return container.ports.map((port) =>
      exposureOptions(exposureSupport(mode, joined, port), port).flatMap((option): ExposureChoice[] => {
        if (option.exposure === 'skip') return [];
        const base: ExposureChoice = { container: container.name, port: port.port, proto: port.proto, exposure: option.exposure };
        if (option.exposure === 'publish') base.hostPort = option.hostPort;
        return [base];
      }),
    );
  });
}

/** Anywhere, or some of the sources of the pool. */
const sourcesArbitrary: fc.Arbitrary<(string | undefined)[]> = fc.oneof(
  fc.constant<(string | undefined)[]>([undefined]),
  fc.subarray<string | undefined>([...SOURCES], { minLength: 1 }),
);

/**
 * Valid choices for the host, as the wizard makes them: every SSH port, and per container port
 * one way to open it (or none), from anywhere or from some sources.
 */
export function choicesArbitrary(facts: Facts, scope: Choices['scope'] = 'exact'): fc.Arbitrary<Choices> {
  const perPort = possibleOpenings(facts).map((ways) =>
    ways.length === 0
      ? fc.constant<ExposureChoice[]>([])
      : fc
          .option(fc.tuple(fc.constantFrom(...ways), sourcesArbitrary), { nil: undefined })
          .map((picked) => (picked === undefined ? [] : picked[1].map((source) => (source === undefined ? picked[0] : { ...picked[0], source })))),
  );
  return fc.tuple(...perPort).map((lists) => ({
    sshPorts: [...facts.ssh.ports],
    exposures: lists.flat(),
    scope,
    removeStale: true,
  }));
}
