// HAND-BUILT facts for the UI's edge states (captured-facts.ts has the real lab):
// shaped after the lab of LAB.md (Debian 12's Docker 20.10 with ip6tables off,
// so UFW decides both route and publish; sshd on 2222). Big lists are generated.
import type { Container, Facts } from '../../src/core/types/facts.js';

export function container(
  name: string,
  ipv6: string | null,
  ports: { port: number; hostPort?: number; proto?: 'tcp' | 'udp' }[],
  image = 'v6wall-lab/busybox:1',
): Container {
  return {
    id: `${name}-id`.padEnd(64, '0'),
    name,
    image,
    state: 'running',
    networks: [{ name: ipv6 === null ? 'bridge' : 'web6', ipv6, ipv4: '172.18.0.2' }],
    ports: ports.map((port) => ({
      port: port.port,
      proto: port.proto ?? 'tcp',
      published:
        port.hostPort === undefined
          ? []
          : [
              { hostIp: '::', hostPort: port.hostPort },
              { hostIp: '0.0.0.0', hostPort: port.hostPort },
            ],
    })),
  };
}

export function labFacts(): Facts {
  return {
    ssh: {
      evidence: [
        { port: 2222, source: 'sshd-config', detail: 'sshd -T: port 2222' },
        { port: 2222, source: 'listener', detail: 'sshd pid 812 on [::]:2222' },
        { port: 2222, source: 'session', detail: 'SSH_CONNECTION' },
      ],
      sessionPort: 2222,
      ports: [2222],
      warnings: [],
    },
    ufw: {
      installed: true,
      version: '0.36.2',
      enabled: false,
      policies: { incoming: 'deny', outgoing: 'allow', routed: 'disabled' },
      ipv6: true,
      rules: [],
      after6Rules: null,
      installHint: null,
      warnings: [],
    },
    docker: {
      available: true,
      reason: null,
      serverVersion: '20.10.24',
      daemonConfig: { ipv6: true, fixedCidrV6: '2001:db8:1:2::/80' },
      daemonConfigError: null,
      ip6tablesChainsLive: false,
      ip6DockerUserChain: false,
      ip6tablesSave: null,
      nftRuleset: null,
      containers: [
        container('web', '2001:db8:1:1::10', [{ port: 80, hostPort: 8081 }, { port: 443 }], 'caddy:2'),
        container('api', null, [{ port: 8080, hostPort: 8080 }], 'ghcr.io/example/api:1.4'),
        container('db', '2001:db8:1:1::12', [{ port: 5432 }], 'postgres:16'),
      ],
      networks: [
        { id: 'n1', name: 'web6', driver: 'bridge', ipv6: true, subnets: ['2001:db8:1:1::/80'], gatewayModeIpv6: 'nat', bridge: 'br-web6' },
        { id: 'n2', name: 'bridge', driver: 'bridge', ipv6: false, subnets: ['172.17.0.0/16'], gatewayModeIpv6: 'nat', bridge: 'docker0' },
      ],
      warnings: [],
    },
    host: {
      root: true,
      hostname: 'srv1',
      ipv6Forwarding: true,
      globalIpv6: ['2001:db8::1'],
      hasIpv4: false,
      publicInterface: null,
      onLinkPrefixes: [],
      ndpProxy: null,
      warnings: [],
    },
    nftBoot: { script: null, unit: null, enabled: false },
  };
}

export function withChanges(patch: (facts: Facts) => void): Facts {
  const facts = labFacts();
  patch(facts);
  return facts;
}

export const notRootFacts = (): Facts => withChanges((facts) => void (facts.host.root = false));

export const noDockerFacts = (): Facts =>
  withChanges((facts) => {
    facts.docker = {
      ...facts.docker,
      available: false,
      reason: 'docker: command not found',
      serverVersion: null,
      ip6tablesChainsLive: false,
      ip6DockerUserChain: false,
      ip6tablesSave: null,
      nftRuleset: null,
      containers: [],
      networks: [],
    };
  });

export const ipv6NoFacts = (): Facts => withChanges((facts) => void (facts.ufw.ipv6 = false));

export const unknownSessionFacts = (): Facts =>
  withChanges((facts) => {
    facts.ssh = { ...facts.ssh, sessionPort: null, evidence: facts.ssh.evidence.filter((evidence) => evidence.source !== 'session') };
  });

/** `count` containers, every third without IPv6, some with unpublished ports. */
export function manyContainersFacts(count: number): Facts {
  return withChanges((facts) => {
    facts.docker.containers = Array.from({ length: count }, (_, index) => {
      const hex = (index + 1).toString(16);
      const ipv6 = index % 3 === 2 ? null : `2001:db8:1:1::${hex}`;
      const ports = index % 2 === 0 ? [{ port: 80, hostPort: 10000 + index }] : [{ port: 80 }, { port: 9000 + (index % 100) }];
      return container(`app-${String(index).padStart(4, '0')}`, ipv6, ports, `registry.example/app:${index % 7}`);
    });
  });
}

/** Everything already in place: SSH allowed, denies set, firewall on. */
export const settledFacts = (): Facts =>
  withChanges((facts) => {
    facts.ufw.enabled = true;
    facts.ufw.policies = { incoming: 'deny', outgoing: 'allow', routed: 'deny' };
    facts.ufw.rules = [
      {
        v6: true,
        route: false,
        action: 'allow',
        log: '',
        proto: 'tcp',
        dport: '2222',
        dst: '::/0',
        sport: 'any',
        src: '::/0',
        dapp: null,
        sapp: null,
        direction: 'in',
        inInterface: null,
        outInterface: null,
        comment: 'v6wall ssh 2222/tcp',
        raw: '',
      },
      {
        v6: true,
        route: true,
        action: 'allow',
        log: '',
        proto: 'any',
        dport: 'any',
        dst: '::/0',
        sport: 'any',
        src: '2001:db8:1:1::/80',
        dapp: null,
        sapp: null,
        direction: 'in',
        inInterface: 'br-web6',
        outInterface: null,
        comment: 'v6wall egress web6',
        raw: '',
      },
    ];
  });

export const longAddressFacts = (): Facts =>
  withChanges((facts) => {
    facts.docker.containers = [
      container(
        'very-long-container-name-for-the-reverse-proxy',
        '2001:db8:ffff:ffff:ffff:ffff:ffff:fffe',
        [{ port: 443, hostPort: 44300 }, { port: 80 }],
        'registry.example.com/team/reverse-proxy-with-a-long-name:2026.11.22',
      ),
      container('db', '2001:db8:abcd:ef01:2345:6789:abcd:ef01', [{ port: 5432 }], 'postgres:16'),
    ];
    facts.host.globalIpv6 = ['2001:db8:ffff:ffff:ffff:ffff:ffff:1'];
  });

/** Docker 20.10 with IPv6 rules on and no IPv6 DOCKER-USER chain: its rules let published ports past UFW. */
export const dockerBypassFacts = (): Facts =>
  withChanges((facts) => {
    facts.docker.daemonConfig = { ipv6: true, ip6tables: true, experimental: true };
    facts.docker.ip6tablesChainsLive = true;
  });

/** A re-run: v6wall once routed to a container that has since been removed. */
export const staleRuleFacts = (): Facts =>
  withChanges((facts) => {
    facts.ufw.rules = [
      {
        v6: true,
        route: true,
        action: 'allow',
        log: '',
        proto: 'tcp',
        dport: '80',
        dst: '2001:db8:1:1::99',
        sport: 'any',
        src: '::/0',
        dapp: null,
        sapp: null,
        direction: 'in',
        inInterface: null,
        outInterface: null,
        comment: 'v6wall route old-blog 80/tcp',
        raw: '',
      },
    ];
  });

/** No UFW, nft readable and no table of v6wall's yet: v6wall drives its own nftables table. */
export const nftablesFacts = (): Facts =>
  withChanges((facts) => {
    facts.ufw = { ...facts.ufw, installed: false, enabled: false, version: null, ipv6: null, rules: [], installHint: 'apt-get install ufw' };
    facts.docker = { ...facts.docker, nftRuleset: '{"nftables": []}' };
  });

/** The nftables backend on Docker 28 with its own ip6tables rules (and a DOCKER-USER chain v6wall does not need). */
export const nftablesDocker28Facts = (): Facts =>
  withChanges((facts) => {
    Object.assign(facts, nftablesFacts());
    facts.docker = { ...facts.docker, serverVersion: '28.5.2', daemonConfig: { ipv6: true }, ip6tablesChainsLive: true, ip6DockerUserChain: true };
  });

const v6wallRoute = (address: string, port: string, comment: string): Facts['ufw']['rules'][number] => ({
  v6: true,
  route: true,
  action: 'allow',
  log: '',
  proto: 'tcp',
  dport: port,
  dst: address,
  sport: 'any',
  src: '::/0',
  dapp: null,
  sapp: null,
  direction: 'in',
  inInterface: null,
  outInterface: null,
  comment,
  raw: '',
});

/** A re-run after an apply that opened web's 443 by route: the wizard starts from that opening. */
export const openedBeforeFacts = (): Facts =>
  withChanges((facts) => {
    const settled = settledFacts();
    facts.ufw = { ...settled.ufw, rules: [...settled.ufw.rules, v6wallRoute('2001:db8:1:1::10', '443', 'v6wall route web 443/tcp')] };
  });

/** Someone opened db's 5432 by hand (no v6wall comment). */
export const foreignRuleFacts = (): Facts =>
  withChanges((facts) => {
    facts.ufw.rules = [{ ...v6wallRoute('2001:db8:1:1::12', '5432', ''), comment: null }];
  });

/** web is stopped (docker stop), with the opening v6wall made for it earlier. */
export const stoppedContainerFacts = (): Facts =>
  withChanges((facts) => {
    const opened = openedBeforeFacts();
    facts.ufw = opened.ufw;
    const web = facts.docker.containers.find((c) => c.name === 'web');
    if (web) web.state = 'exited';
  });
