// Who really decides about IPv6 traffic to containers: UFW or Docker's own firewall rules.
// The behaviour per version and gateway mode follows DOMAIN.md's table, checked on real
// Docker 20.10 and 28.5.2 in the lab.
import ipaddr from 'ipaddr.js';
import type { BackendKind, ContainerPort, DockerFacts, DockerNetwork, GatewayMode } from './types/facts.js';

export type DockerFirewallModeKind =
  | 'docker-absent'
  /** Docker writes no IPv6 rules: UFW decides everything. */
  | 'ip6tables-off'
  /** 20.10 to 22: Docker's IPv6 rules accept published ports, and there is no IPv6 DOCKER-USER chain to hook into. */
  | 'ip6tables-on-no-docker-user'
  /** 23+: Docker's rules come first, but DOCKER-USER runs before them: v6wall's after6.rules block hooks in there. */
  | 'ip6tables-on-docker-user'
  /** 29+ with "firewall-backend": "nftables": Docker's rules live in nftables, out of ip6tables' sight. */
  | 'nftables';

export interface DockerVersion {
  major: number;
  minor: number;
  patch: number;
}

export interface NetworkFirewallMode {
  name: string;
  bridge: string | null;
  /** The network's IPv6 subnets. */
  subnets: string[];
  gatewayMode: GatewayMode;
  /** Docker itself drops connections from outside straight to this network's container addresses. */
  directDroppedByDocker: boolean;
  /** One plain sentence for the discovery screen. */
  summary: string;
}

export interface DockerFirewallMode {
  kind: DockerFirewallModeKind;
  /** The firewall v6wall drives: every sentence below names it (UFW's rules, or v6wall's own nftables table). */
  firewall: BackendKind;
  version: DockerVersion | null;
  /** docker-proxy serves published ports on the host (the default). */
  userlandProxy: boolean;
  /** UFW only: v6wall should install its DOCKER-USER block in /etc/ufw/after6.rules so UFW's route rules decide. */
  needsDockerUserBlock: boolean;
  /** IPv6-enabled networks only. */
  networks: NetworkFirewallMode[];
  /** Plain-words lines for the discovery screen: what the mode means for the operator. */
  explanation: string[];
  /** Disagreements between daemon.json, the version and the live chains. */
  warnings: string[];
}

export interface Support {
  works: boolean;
  why: string;
  /** The exact change that would make it work (or give UFW control), when there is one. */
  fix?: string;
}

export function parseDockerVersion(text: string | null): DockerVersion | null {
  const m = text === null ? null : /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(text.trim());
  if (m === null) return null;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3] ?? 0) };
}

const atLeast = (v: DockerVersion | null, major: number, minor = 0): boolean => v !== null && (v.major > major || (v.major === major && v.minor >= minor));

const isIpv6Subnet = (s: string): boolean => s.includes('/') && ipaddr.IPv6.isValidCIDR(s);

/** Whether Docker writes IPv6 rules, and how sure we are. */
function ip6tablesOn(docker: DockerFacts, version: DockerVersion | null, warnings: string[]): boolean {
  const cfg = docker.daemonConfig;
  // Since 27.0.1 on by default; before, it needed "experimental": true as well.
  const configured = atLeast(version, 27) ? cfg.ip6tables !== false : cfg.ip6tables === true && cfg.experimental === true;
  if (docker.ip6tablesChainsLive && !configured) {
    warnings.push(
      "Docker's IPv6 chains are in ip6tables although daemon.json and the version say ip6tables is off: going by the live chains (was dockerd restarted since daemon.json changed?).",
    );
    return true;
  }
  if (!docker.ip6tablesChainsLive && configured) {
    warnings.push(
      'daemon.json and the version say Docker writes IPv6 rules, but its chains are not in ip6tables right now (flushed by a firewall reload?): restart Docker to restore them.',
    );
  }
  return configured;
}

function networkMode(
  kind: DockerFirewallModeKind,
  firewall: BackendKind,
  version: DockerVersion | null,
  allowDirectRouting: boolean,
  net: DockerNetwork,
): NetworkFirewallMode {
  const subnets = net.subnets.filter(isIpv6Subnet);
  const mode = net.gatewayModeIpv6;
  const dockerFilters = kind === 'ip6tables-on-docker-user' || kind === 'ip6tables-on-no-docker-user' || kind === 'nftables';
  const directDroppedByDocker = dockerFilters && (mode === 'isolated' || (mode === 'nat' && atLeast(version, 28) && !allowDirectRouting));
  let summary: string;
  if (!dockerFilters) {
    const decider = firewall === 'nftables' ? "the openings in v6wall's table decide" : "UFW's route rules decide";
    summary = `${net.name} (${mode}): Docker adds no IPv6 rules; ${decider} who reaches its containers.`;
  } else if (mode === 'isolated') {
    summary = `${net.name} (isolated): Docker lets nothing from outside reach its containers.`;
  } else if (directDroppedByDocker) {
    summary = `${net.name} (nat): Docker drops direct connections to container addresses; only published ports can be reached.`;
  } else if (mode === 'routed') {
    summary = `${net.name} (routed): containers are reached at their own addresses; Docker ignores host ports.`;
  } else if (mode === 'nat-unprotected') {
    summary = `${net.name} (nat-unprotected): Docker lets everything through to its containers; only a firewall rule before Docker's can stop it.`;
  } else {
    summary = `${net.name} (nat): containers are reached at their own addresses and through published host ports.`;
  }
  return { name: net.name, bridge: net.bridge, subnets, gatewayMode: mode, directDroppedByDocker, summary };
}

/** What each mode means when v6wall keeps its own nftables table, before Docker's chains on the same hooks. */
function explainOwnTable(kind: DockerFirewallModeKind, userlandProxy: boolean, v: string, nftRead: boolean, source: string): string[] {
  switch (kind) {
    case 'docker-absent':
      return [];
    case 'ip6tables-off':
      return [
        `${v} writes no IPv6 firewall rules ("ip6tables" is off), so v6wall's table alone decides.`,
        "Expose a container with an opening in v6wall's table to its own address and port.",
        userlandProxy
          ? "Published ports are served by docker-proxy on the host, so an opening for the host port in v6wall's table decides."
          : 'The userland proxy is off: published ports do not work over IPv6 at all.',
      ];
    case 'ip6tables-on-no-docker-user':
    case 'ip6tables-on-docker-user':
      return [
        `${v} writes its own IPv6 rules, which accept published ports. v6wall's table runs before them (priority filter - 10), and a drop there is final: an opening to a container's address and port decides both direct and published access, and every other new connection to the containers is dropped.`,
        "A connection must pass Docker's rules as well: v6wall's table narrows what Docker lets through, never widens it. No DOCKER-USER block is needed.",
      ];
    case 'nftables':
      return [
        `${v} keeps its firewall rules in nftables (${source}).`,
        "Forwarded connections must pass both Docker's rules and v6wall's table, so an opening to a container's address and port still decides for published container ports; unpublished ports are dropped by Docker.",
        nftRead
          ? "v6wall reads Docker's nftables rules (nft -j list ruleset) along with its own table, so its reachability check judges both."
          : "v6wall could not read Docker's nftables rules, so its reachability check says when it cannot judge.",
      ];
  }
}

function explain(
  kind: DockerFirewallModeKind,
  firewall: BackendKind,
  userlandProxy: boolean,
  version: DockerVersion | null,
  reason: string | null,
  nftRead: boolean,
  source: string,
): string[] {
  const v = version === null ? 'this Docker' : `Docker ${version.major}.${version.minor}`;
  if (firewall === 'nftables' && kind !== 'docker-absent') return explainOwnTable(kind, userlandProxy, v, nftRead, source);
  switch (kind) {
    case 'docker-absent':
      return [`Docker is not available${reason === null ? '' : ` (${reason})`}: only the host's own ports matter.`];
    case 'ip6tables-off':
      return [
        `${v} writes no IPv6 firewall rules ("ip6tables" is off), so UFW alone decides.`,
        'Expose a container with a UFW route rule to its own address and port.',
        userlandProxy
          ? 'Published ports are served by docker-proxy on the host, so a UFW allow rule for the host port decides.'
          : 'The userland proxy is off: published ports do not work over IPv6 at all.',
      ];
    case 'ip6tables-on-no-docker-user':
      return [
        `${v} writes its own IPv6 rules, and they accept published ports before UFW sees them: UFW rules alone do not protect published ports or published container addresses.`,
        'This Docker has no IPv6 DOCKER-USER chain, so v6wall cannot put UFW in front of Docker. Publish only what may be public, or upgrade Docker to 23 or later (or set "ip6tables": false).',
        'Unpublished container ports are still decided by UFW route rules.',
      ];
    case 'ip6tables-on-docker-user':
      return [
        `${v} writes its own IPv6 rules, and they accept published ports before UFW sees them: UFW rules alone do not protect your containers.`,
        "v6wall adds a marked block to /etc/ufw/after6.rules that makes Docker ask UFW first (in the DOCKER-USER chain): then a UFW route rule to a container's address and port decides both direct and published access, and everything else to the containers is dropped.",
      ];
    case 'nftables':
      return [
        `${v} keeps its firewall rules in nftables (${source}), where ip6tables does not see them.`,
        "Forwarded connections must pass both Docker's rules and UFW's, so UFW's route rules still decide for published container ports; unpublished ports are dropped by Docker.",
        nftRead
          ? "v6wall reads Docker's nftables rules (nft -j list ruleset) along with UFW's, so its reachability check judges both."
          : "v6wall could not read Docker's nftables rules (is the nftables package installed?), so its reachability check says when it cannot judge.",
      ];
  }
}

/**
 * Which source says Docker keeps its rules in nftables, in words for the discovery screen; null
 * when none does. The running daemon's /info (FirewallBackend, 28.1+) wins over daemon.json,
 * which a daemon not restarted since does not follow; without it, daemon.json on Docker 29+.
 */
function nftablesSource(docker: DockerFacts, version: DockerVersion | null): string | null {
  const info = docker.firewallBackendInfo ?? null;
  const configured = docker.daemonConfig.firewallBackend === 'nftables';
  if (info !== null) {
    if (!info.startsWith('nftables')) return null;
    const also = configured ? ', as daemon.json\'s "firewall-backend" says' : '';
    return `the daemon says so: FirewallBackend "${info}" in the Engine API's /info${also}`;
  }
  if (!configured || (version !== null && !atLeast(version, 29))) return null;
  const unread = docker.firewallBackendInfo === null ? "the daemon's /info names no firewall backend" : "the daemon's /info was not read";
  return `daemon.json sets "firewall-backend": "nftables"; ${unread}`;
}

/** Reads Docker's firewall mode from the facts discovery gathered. */
export function dockerFirewallMode(docker: DockerFacts, firewall: BackendKind): DockerFirewallMode {
  const version = parseDockerVersion(docker.serverVersion);
  const warnings: string[] = [];
  const cfg = docker.daemonConfig;
  const userlandProxy = cfg.userlandProxy !== false;
  let kind: DockerFirewallModeKind;
  if (!docker.available) {
    kind = 'docker-absent';
  } else if (nftablesSource(docker, version) !== null) {
    kind = 'nftables';
  } else {
    const info = docker.firewallBackendInfo ?? null;
    if (cfg.firewallBackend === 'nftables' && info !== null) {
      warnings.push(
        `daemon.json sets "firewall-backend": "nftables", but the running daemon says it uses ${info} (Engine API /info): restart Docker for daemon.json to take effect. Going by the daemon.`,
      );
    } else if (cfg.firewallBackend !== undefined && cfg.firewallBackend !== 'iptables') {
      warnings.push(
        `daemon.json sets "firewall-backend": "${cfg.firewallBackend}", which ${version === null ? 'this Docker' : `Docker ${version.major}.${version.minor}`} does not use.`,
      );
    }
    if (!ip6tablesOn(docker, version, warnings)) kind = 'ip6tables-off';
    else if (docker.ip6DockerUserChain) kind = 'ip6tables-on-docker-user';
    else if (docker.ip6tablesChainsLive || !atLeast(version, 23)) kind = 'ip6tables-on-no-docker-user';
    // Chains not live right now (e.g. flushed): go by the version, DOCKER-USER comes back with them.
    else kind = 'ip6tables-on-docker-user';
  }
  const allowDirectRouting = cfg.allowDirectRouting === true;
  const networks = docker.available ? docker.networks.filter((n) => n.ipv6).map((n) => networkMode(kind, firewall, version, allowDirectRouting, n)) : [];
  const explanation = explain(kind, firewall, userlandProxy, version, docker.reason, docker.nftRuleset !== null, nftablesSource(docker, version) ?? '');
  if (docker.available && networks.length === 0) {
    explanation.push('No Docker network has IPv6 enabled, so containers have no IPv6 addresses of their own.');
  }
  explanation.push(...networks.map((n) => n.summary));
  return {
    kind,
    firewall,
    version,
    userlandProxy,
    needsDockerUserBlock: firewall === 'ufw' && kind === 'ip6tables-on-docker-user' && networks.some((n) => n.subnets.length > 0),
    networks,
    explanation,
    warnings,
  };
}

/** Host ports Docker publishes this container port on for IPv6 ("::" or an IPv6 host address). */
export function ipv6HostPorts(port: ContainerPort): number[] {
  const ports = port.published.flatMap((b) => {
    if (b.hostPort === null) return [];
    const v6 = b.hostIp === '' || b.hostIp === '::' || (ipaddr.isValid(b.hostIp) && ipaddr.parse(b.hostIp).kind() === 'ipv6');
    return v6 ? [b.hostPort] : [];
  });
  return [...new Set(ports)].sort((a, b) => a - b);
}

const routedNetworkFix = (net: NetworkFirewallMode): string => {
  const subnet = net.subnets[0] ?? 'SUBNET';
  return (
    `recreate the network in routed mode: docker network create --ipv6 --subnet ${subnet} ` +
    `-o com.docker.network.bridge.gateway_mode_ipv6=routed ${net.name} (then reattach its containers), ` +
    'or set "allow-direct-routing": true in /etc/docker/daemon.json (Docker 28.2+) and restart Docker'
  );
};

const publishFix = (port: ContainerPort): string =>
  `publish it: ports: ['HOSTPORT:${port.port}'] in compose (or docker run -p HOSTPORT:${port.port}), then recreate the container`;

/** Which exposures of one container port will actually work in this mode, and why not otherwise. */
export function exposureSupport(mode: DockerFirewallMode, network: NetworkFirewallMode, port: ContainerPort): { route: Support; publish: Support } {
  const name = `${port.port}/${port.proto}`;
  const ownTable = mode.firewall === 'nftables';
  // v6wall's own table runs before Docker's chains whatever Docker's version: it needs no DOCKER-USER chain.
  const kind = ownTable && mode.kind === 'ip6tables-on-no-docker-user' ? 'ip6tables-on-docker-user' : mode.kind;
  const hostPorts = ipv6HostPorts(port);
  const hostList = hostPorts.join(', ');
  const notPublished: Support = { works: false, why: `${name} is not published on a host port.`, fix: publishFix(port) };
  const routedIgnoresHostPorts: Support = {
    works: false,
    why: `${network.name} is in routed mode: Docker ignores host ports, the container is reached at its own address.`,
    fix: 'use a route rule to the container address instead',
  };

  switch (kind) {
    case 'docker-absent':
      return {
        route: { works: false, why: 'Docker is not running on this host.' },
        publish: { works: false, why: 'Docker is not running on this host.' },
      };
    case 'ip6tables-off': {
      const route: Support = {
        works: true,
        why: ownTable
          ? `Docker adds no IPv6 rules: an opening in v6wall's table to the container's address and ${name} decides.`
          : `Docker adds no IPv6 rules: a UFW route rule to the container's address and ${name} decides.`,
      };
      if (hostPorts.length === 0) return { route, publish: notPublished };
      if (!mode.userlandProxy) {
        return {
          route,
          publish: {
            works: false,
            why: `With ip6tables and the userland proxy both off, nothing carries IPv6 connections from host port ${hostList} to the container.`,
            fix: 'set "userland-proxy": true in /etc/docker/daemon.json (the default) and restart Docker',
          },
        };
      }
      const decides = ownTable ? "an opening for that port in v6wall's table decides" : 'a UFW allow rule for that port decides';
      return { route, publish: { works: true, why: `docker-proxy listens on host port ${hostList}: ${decides}.` } };
    }
    case 'ip6tables-on-no-docker-user': {
      const control =
        'to let UFW decide, upgrade Docker to 23 or later (v6wall then adds its DOCKER-USER block) or set "ip6tables": false in /etc/docker/daemon.json and restart Docker';
      const route: Support =
        hostPorts.length > 0
          ? {
              works: true,
              why: `${name} is published, so Docker's own rules already accept it at the container's address for everyone: a UFW rule cannot close it.`,
              fix: control,
            }
          : { works: true, why: `${name} is not published, so Docker leaves it to a UFW route rule to the container's address.` };
      if (hostPorts.length === 0) return { route, publish: notPublished };
      return {
        route,
        publish: { works: true, why: `Docker accepts host port ${hostList} for everyone before UFW sees it: a UFW rule changes nothing.`, fix: control },
      };
    }
    case 'ip6tables-on-docker-user':
    case 'nftables': {
      if (network.gatewayMode === 'isolated') {
        const isolated: Support = {
          works: false,
          why: `${network.name} is an isolated network: Docker lets nothing from outside reach it.`,
          fix: `recreate the network with -o com.docker.network.bridge.gateway_mode_ipv6=nat (or routed) and reattach the container`,
        };
        return { route: isolated, publish: isolated };
      }
      const nft = kind === 'nftables';
      let route: Support;
      if (network.directDroppedByDocker) {
        route = {
          works: false,
          why: `Docker drops direct connections from outside to containers on the nat network ${network.name}, ${ownTable ? "whatever v6wall's table allows" : 'before any UFW rule'}.`,
          fix: `publish a host port instead, or ${routedNetworkFix(network)}`,
        };
      } else if (nft && port.published.length === 0) {
        // Any -p counts: on a routed network Docker reports the IPv6 binding with an empty host port.
        route = { works: false, why: `With the nftables backend Docker drops unpublished ports (${name} is not published).`, fix: publishFix(port) };
      } else {
        route = { works: true, why: routeDecides(nft, ownTable, name) };
      }
      if (network.gatewayMode === 'routed') return { route, publish: routedIgnoresHostPorts };
      if (hostPorts.length === 0) return { route, publish: notPublished };
      return {
        route,
        publish: {
          works: true,
          why: `Docker forwards host port ${hostList} to the container's ${name}; ${publishDecides(nft, ownTable, hostList)}`,
        },
      };
    }
  }
}

function routeDecides(dockerNft: boolean, ownTable: boolean, name: string): string {
  if (ownTable) {
    return dockerNft
      ? `Docker's nftables rules and v6wall's table both apply: an opening in v6wall's table to the container's address and ${name} decides.`
      : `v6wall's table runs before Docker's rules: an opening in it to the container's address and ${name} decides.`;
  }
  return dockerNft
    ? `Docker's nftables rules and UFW's both apply: a UFW route rule to the container's address and ${name} decides.`
    : `v6wall's DOCKER-USER block asks UFW first: a UFW route rule to the container's address and ${name} decides.`;
}

function publishDecides(dockerNft: boolean, ownTable: boolean, hostList: string): string {
  if (ownTable) {
    return (
      `v6wall's table sees the connection after Docker's DNAT, so it opens the container's address and port for connections that came in through host port ${hostList}` +
      (dockerNft ? " (Docker's rules must accept it too). Checked in the lab with Docker's own nftables rules for a nat network (Docker 29 emulated)." : '.')
    );
  }
  return dockerNft
    ? "the forwarded connection passes UFW, so v6wall adds a route rule to the container address and port (not an allow rule for the host port). Checked in the lab with Docker's own nftables rules for a nat network (Docker 29 emulated)."
    : "with v6wall's DOCKER-USER block a UFW route rule to the container address and port decides (an allow rule for the host port would never be consulted).";
}
