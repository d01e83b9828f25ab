// What discovery reads from the host, once, as plain data: SSH, UFW, Docker, the host's
// addresses, and the firewall v6wall drives here.

export type Proto = 'tcp' | 'udp';

// ---------- SSH ----------

/** Where an SSH port was seen. */
export type SshPortSource =
  | 'sshd-config' // `sshd -T` (effective config, drop-ins included)
  | 'listener' // a live listening socket owned by sshd (`ss -Htnp state listening ...`)
  | 'session'; // the operator's own connection (SSH_CONNECTION or an established sshd socket)

export interface SshPortEvidence {
  port: number;
  source: SshPortSource;
  /** A person-readable detail, e.g. "SSH_CONNECTION" or "sshd pid 812 on [::]:2222". */
  detail: string;
}

export interface SshFacts {
  /** Every sighting, one per (port, source). */
  evidence: SshPortEvidence[];
  /** The port the operator is connected on right now, when known. */
  sessionPort: number | null;
  /** Distinct ports, sorted ascending: the ports v6wall must keep open. */
  ports: number[];
  /** Plain-words problems: disagreements between sources, sources that could not be read. */
  warnings: string[];
}

// ---------- UFW ----------

export type UfwAction = 'allow' | 'deny' | 'reject' | 'limit';
export type UfwPolicy = 'allow' | 'deny' | 'reject' | 'disabled';

/** One `### tuple ###` line from /etc/ufw/user.rules or user6.rules. */
export interface UfwRule {
  /** true for rules from user6.rules. */
  v6: boolean;
  route: boolean;
  action: UfwAction;
  log: '' | 'log' | 'log-all';
  /** 'any', 'tcp', 'udp', or another protocol name as ufw wrote it. */
  proto: string;
  /** 'any', a port, a range "a:b" or a list "a,b". */
  dport: string;
  /** An address or network ("::/0" and "0.0.0.0/0" mean any). */
  dst: string;
  sport: string;
  src: string;
  dapp: string | null;
  sapp: string | null;
  direction: 'in' | 'out';
  inInterface: string | null;
  outInterface: string | null;
  /** Decoded from the hex in the file; null when absent. */
  comment: string | null;
  /** The line as it stood in the file, for the record. */
  raw: string;
}

export interface UfwPolicies {
  incoming: UfwPolicy;
  outgoing: UfwPolicy;
  routed: UfwPolicy;
}

export interface UfwFacts {
  installed: boolean;
  /** e.g. "0.36.2"; null when not installed or unreadable. */
  version: string | null;
  enabled: boolean;
  policies: UfwPolicies;
  /** IPV6= in /etc/default/ufw; null when the file could not be read. */
  ipv6: boolean | null;
  rules: UfwRule[];
  /** /etc/ufw/after6.rules, where v6wall's DOCKER-USER block lives; null when unreadable. */
  after6Rules: string | null;
  /** How to install ufw on this host, when it is missing. */
  installHint: string | null;
  warnings: string[];
}

// ---------- Docker ----------

/** `com.docker.network.bridge.gateway_mode_ipv6`; missing means nat. */
export type GatewayMode = 'nat' | 'routed' | 'nat-unprotected' | 'isolated';

export interface PublishedBinding {
  /** e.g. "::" or "0.0.0.0" or "" (routed IPv6 reports an empty host port). */
  hostIp: string;
  /** null when Docker reports an empty HostPort (routed gateway mode). */
  hostPort: number | null;
}

export interface ContainerPort {
  port: number;
  proto: Proto;
  /** Empty when the port is exposed but not published. */
  published: PublishedBinding[];
  /** false: Docker does not know the port (no EXPOSE, not published), but something listens on it; absent: declared. */
  declared?: boolean;
  /** Whether something inside listens on it over IPv6; absent when not read (needs root, a running container). */
  listening?: boolean;
}

export interface ContainerNetwork {
  name: string;
  /** GlobalIPv6Address, null when the container has none on this network. */
  ipv6: string | null;
  ipv4: string | null;
}

export interface Container {
  id: string;
  name: string;
  image: string;
  /** e.g. "running", "exited". */
  state: string;
  networks: ContainerNetwork[];
  ports: ContainerPort[];
}

export interface DockerNetwork {
  id: string;
  name: string;
  driver: string;
  ipv6: boolean;
  /** CIDR subnets from IPAM, both families. */
  subnets: string[];
  gatewayModeIpv6: GatewayMode;
  /** Bridge interface name when known (com.docker.network.bridge.name or br-<id12>). */
  bridge: string | null;
}

/** The keys of /etc/docker/daemon.json v6wall cares about; undefined = not set. */
export interface DaemonConfig {
  ipv6?: boolean;
  fixedCidrV6?: string;
  ip6tables?: boolean;
  iptables?: boolean;
  userlandProxy?: boolean;
  experimental?: boolean;
  firewallBackend?: string;
  /** "allow-direct-routing" (28.2+): Docker stops dropping direct connections to nat-mode containers. */
  allowDirectRouting?: boolean;
}

export interface DockerFacts {
  /** false when the CLI is missing or the daemon is down; `reason` says which. */
  available: boolean;
  reason: string | null;
  serverVersion: string | null;
  daemonConfig: DaemonConfig;
  /** Whether /etc/docker/daemon.json existed and parsed; null when missing. */
  daemonConfigError: string | null;
  /** Docker's IPv6 chains are present in ip6tables right now. */
  ip6tablesChainsLive: boolean;
  /** The IPv6 DOCKER-USER chain exists (Docker 23+ with ip6tables on). */
  ip6DockerUserChain: boolean;
  /** The live `ip6tables-save` output (all tables); null when it could not be read. */
  ip6tablesSave: string | null;
  /** The live `nft -j list ruleset` output; null when nft is missing or could not be read. */
  nftRuleset: string | null;
  /**
   * The daemon's own word on its firewall, FirewallBackend.Driver of the Engine API's GET /info
   * (28.1+: "iptables", "nftables", with "+firewalld" when it goes through firewalld). null: the
   * answer has no such field (before 28.1, or the firewall turned off); absent: /info not read.
   */
  firewallBackendInfo?: string | null;
  containers: Container[];
  networks: DockerNetwork[];
  warnings: string[];
}

// ---------- Host ----------

export interface HostFacts {
  root: boolean;
  hostname: string;
  ipv6Forwarding: boolean;
  /** Global-scope IPv6 addresses of the host, without prefix length. */
  globalIpv6: string[];
  /** The host has a non-loopback IPv4 address (dual stack). */
  hasIpv4: boolean;
  /**
   * The interface internet traffic arrives on: the IPv6 default route's device, else the one
   * carrying the first global address; null when neither is known.
   */
  publicInterface: string | null;
  /** Global IPv6 prefixes on the host's own links (not Docker's bridges), as network/length. */
  onLinkPrefixes: string[];
  /** NDP proxying on the public interface: proxy_ndp on, and the addresses proxied; null when unread. */
  ndpProxy: { enabled: boolean; proxies: string[] } | null;
  /** Plain-words problems reading the host's addresses or sysctls. */
  warnings: string[];
}

export type BackendKind = 'ufw' | 'nftables';

/** Which firewall v6wall drives on this host (chosen in core/backend.ts). */
export interface Backend {
  kind: BackendKind;
  /** One sentence for the discovery screen: why this backend. */
  why: string;
}

export interface Facts {
  ssh: SshFacts;
  ufw: UfwFacts;
  docker: DockerFacts;
  host: HostFacts;
  /** The firewall v6wall drives here (core/backend.ts); absent: chosen automatically. */
  backend?: Backend;
  /** The nftables backend's boot files as they are (null: missing). */
  nftBoot: NftBootFacts;
}

export interface NftBootFacts {
  /** /etc/v6wall/v6wall.nft */
  script: string | null;
  /** /etc/systemd/system/v6wall-nftables.service */
  unit: string | null;
  /** The unit's link in sysinit.target.wants (what systemctl enable makes). */
  enabled: boolean;
}
