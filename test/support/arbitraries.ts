// fast-check generators of host facts and choices for the planner's property tests.
import fc from 'fast-check';
import type { Choices, ExposureChoice } from '../../src/core/types/choices.js';
import type { Container, ContainerPort, Facts, SshPortEvidence, UfwRule } from '../../src/core/types/facts.js';

const port = fc.integer({ min: 1, max: 65535 });
const hextet = fc.integer({ min: 0, max: 0xffff }).map((value) => value.toString(16));
const docIpv6 = fc.tuple(hextet, hextet, hextet, hextet).map(([a, b, c, d]) => `2001:db8:${a}:${b}::${c}:${d}`);
const name = fc.stringMatching(/^[a-z][a-z0-9_.-]{0,20}$/);

const containerPort: fc.Arbitrary<ContainerPort> = fc.record({
  port,
  proto: fc.constantFrom('tcp' as const, 'udp' as const),
  published: fc.array(fc.record({ hostIp: fc.constantFrom('::', '0.0.0.0'), hostPort: fc.option(port, { nil: null }) }), { maxLength: 2 }),
});

const container: fc.Arbitrary<Container> = fc.record({
  id: fc.stringMatching(/^[0-9a-f]{64}$/),
  name,
  image: fc.constantFrom('nginx:latest', 'caddy', 'v6wall-lab/busybox:1'),
  state: fc.constant('running'),
  networks: fc.array(fc.record({ name, ipv6: fc.option(docIpv6, { nil: null }), ipv4: fc.constant('172.18.0.2') }), { minLength: 1, maxLength: 2 }),
  ports: fc.uniqueArray(containerPort, { selector: (p) => `${p.port}/${p.proto}`, maxLength: 4 }),
});

const evidence: fc.Arbitrary<SshPortEvidence> = fc.record({
  port: fc.constantFrom(22, 2222, 8022),
  source: fc.constantFrom('sshd-config' as const, 'listener' as const, 'session' as const),
  detail: fc.constant('generated'),
});

export const factsArbitrary: fc.Arbitrary<Facts> = fc
  .record({
    evidence: fc.array(evidence, { minLength: 1, maxLength: 4 }),
    containers: fc.uniqueArray(container, { selector: (c) => c.name, maxLength: 5 }),
    enabled: fc.boolean(),
    incoming: fc.constantFrom('allow' as const, 'deny' as const, 'reject' as const),
    routed: fc.constantFrom('allow' as const, 'deny' as const, 'disabled' as const),
    hasIpv4: fc.boolean(),
  })
  .map(({ evidence: seen, containers, enabled, incoming, routed, hasIpv4 }) => {
    const session = seen.find((item) => item.source === 'session');
    return {
      ssh: {
        evidence: seen,
        sessionPort: session ? session.port : null,
        ports: [...new Set(seen.map((item) => item.port))].sort((a, b) => a - b),
        warnings: [],
      },
      ufw: {
        installed: true,
        version: '0.36.2',
        enabled,
        policies: { incoming, outgoing: 'allow', routed },
        ipv6: true,
        rules: [] as UfwRule[],
        after6Rules: null,
        installHint: null,
        warnings: [],
      },
      docker: {
        available: true,
        reason: null,
        serverVersion: '28.5.2',
        daemonConfig: {},
        daemonConfigError: null,
        ip6tablesChainsLive: false,
        ip6DockerUserChain: false,
        ip6tablesSave: null,
        nftRuleset: null,
        containers,
        networks: [],
        warnings: [],
      },
      host: {
        root: true,
        hostname: 'lab',
        ipv6Forwarding: true,
        globalIpv6: ['2001:db8::1'],
        hasIpv4,
        publicInterface: null,
        onLinkPrefixes: [],
        ndpProxy: null,
        warnings: [],
      },
      nftBoot: { script: null, unit: null, enabled: false },
    } satisfies Facts;
  });

/** Choices that are valid for the facts: every SSH port, and exposures the containers allow. */
export function validChoicesArbitrary(facts: Facts): fc.Arbitrary<Choices> {
  const options: ExposureChoice[] = facts.docker.containers.flatMap((c) =>
    c.ports.flatMap((p) => {
      const found: ExposureChoice[] = [];
      if (c.networks.some((n) => n.ipv6 !== null)) found.push({ container: c.name, port: p.port, proto: p.proto, exposure: 'route' });
      for (const binding of p.published) {
        if (binding.hostPort !== null) found.push({ container: c.name, port: p.port, proto: p.proto, exposure: 'publish', hostPort: binding.hostPort });
      }
      found.push({ container: c.name, port: p.port, proto: p.proto, exposure: 'skip' });
      return found;
    }),
  );
  return fc.record({
    sshPorts: fc.constant([...facts.ssh.ports]),
    exposures: options.length === 0 ? fc.constant([]) : fc.subarray(options),
  });
}
