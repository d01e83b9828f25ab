/**
 * A disposable lab: a "client" (the internet) and a "server" network namespace joined by a
 * veth, a real dockerd, a real sshd on 2222 and a private UFW inside the server namespace.
 * The machine's own firewall is never touched: ufw (and dockerd, sshd, v6wall) only ever run
 * through serverArgv(), which bind-mounts the lab's private copies over /etc/ufw, /lib/ufw,
 * /etc/default/ufw, /etc/docker and /etc/ssh/sshd_config inside a private mount namespace.
 *
 *   const lab = await startLab();                       // ~1 s; teardown() in afterAll
 *   await lab.createNetwork({ name: 'v6net', subnet6: LAB_ADDRESSES.containerSubnet });
 *   await lab.runContainer({ name: 'web', network: 'v6net', ip6: '2001:db8:1234:a1:1::10', publish: ['8081:80'] });
 *   await lab.runV6wall(['plan', '--json']);
 *   await lab.probeHttp('2001:db8:1234:a1:1::10', 80); // 'open' | 'blocked', from the client namespace
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { busyboxRootfsTar, LAB_IMAGE } from './image.js';
import { must, run, startDetached, waitFor, type LabResult, type LabRunOptions } from './exec.js';
import { labRecordPath, teardownLab, type LabRecord } from './teardown.js';

export { labAvailable, labTitle, skipLab, type LabAvailability } from './availability.js';
export { cleanupStaleLabs } from './teardown.js';
export { LAB_IMAGE } from './image.js';
export type { LabResult, LabRunOptions } from './exec.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const V6WALL_JS = join(REPO_ROOT, 'dist/v6wall.js');

/** Documentation addresses only (2001:db8::/32, 192.0.2.0/24); they never leave the namespaces. */
export const LAB_ADDRESSES = {
  /** The server's WAN address (on eth0 in the server namespace). */
  server: '2001:db8:1234:1::2',
  /** The client's address, on the same /64 as the server. */
  client: '2001:db8:1234:1::100',
  wanPrefixLength: 64,
  /** Routed to the server from the client; Docker IPv6 networks take /80s inside it. */
  containerPrefix: '2001:db8:1234:a1::/64',
  /** A ready-made Docker subnet inside containerPrefix. */
  containerSubnet: '2001:db8:1234:a1:1::/80',
  serverV4: '192.0.2.2',
  clientV4: '192.0.2.100',
} as const;

export const LAB_SSH_PORT = 2222;

export interface DockerOptions {
  /** daemon.json "ip6tables" (Docker 20.10 needs experimental too). Default false. */
  ip6tables?: boolean;
  /** daemon.json "experimental". Default false. */
  experimental?: boolean;
  /** Further daemon.json keys, merged last (e.g. { "userland-proxy": false }). */
  daemonJson?: Record<string, unknown>;
  /** An unpacked Docker (dpkg -x folder): its usr/bin and usr/sbin go first on dockerd's PATH. */
  unpackedRoot?: string;
}

export interface SshdOptions {
  /** Port lines of the lab sshd_config. Default [2222]. */
  ports?: number[];
  /** ListenAddress lines (address or [address]:port). Default none (all addresses). */
  listenAddresses?: string[];
}

export interface LabOptions {
  /** false: no dockerd. Default: the system's Docker (20.10 here) with no daemon.json (ip6tables off). */
  docker?: false | DockerOptions;
  /** false: no sshd. Default: port 2222. */
  sshd?: false | SshdOptions;
  /** IPV6= in the lab's /etc/default/ufw. Default true. */
  ufwIpv6?: boolean;
  /** Also give the WAN link IPv4 documentation addresses (dual stack). Default false (IPv6-only WAN). */
  ipv4?: boolean;
  /**
   * Machine folders the lab host gets a private copy-on-write view of (an overlay), e.g.
   * ['/usr/local/bin', '/var/lib'] for a host that Ansible installs v6wall on: what the lab writes
   * there lands in the lab's folder (paths.private), never in the machine's.
   */
  privateDirs?: string[];
}

export interface NetworkSpec {
  name: string;
  /** IPv6 subnet; omit for an IPv4-only network. */
  subnet6?: string;
  /** Extra -o options, e.g. { 'com.docker.network.bridge.gateway_mode_ipv6': 'routed' }. */
  options?: Record<string, string>;
}

export interface ContainerSpec {
  name: string;
  network?: string;
  ip6?: string;
  /** -p values, e.g. '8081:80' or '[::]:8081:80'. */
  publish?: string[];
  /** --expose values, e.g. '9000'. */
  expose?: string[];
  /** Command; default: the image's httpd on port 80. */
  command?: string[];
  /** Create without starting (docker create). */
  stopped?: boolean;
}

export type Reachability = 'open' | 'blocked';

export interface Lab {
  readonly id: string;
  readonly dir: string;
  readonly serverNs: string;
  readonly clientNs: string;
  /** DOCKER_HOST=unix://... of the lab dockerd (undefined without docker). */
  readonly dockerHost: string | undefined;
  /** Environment for anything that should talk to the lab's dockerd. */
  readonly env: Record<string, string>;
  /** Paths of the lab's private state, for reading fixtures. */
  readonly paths: LabPaths;
  /** argv that runs `argv` inside the server namespace with the lab's ufw/docker/ssh config mounted. */
  serverArgv(argv: readonly string[]): string[];
  /** Runs argv inside the server namespace (mounts as serverArgv). */
  inServer(argv: readonly string[], options?: LabRunOptions): Promise<LabResult>;
  /** Runs argv inside the client namespace. */
  inClient(argv: readonly string[], options?: LabRunOptions): Promise<LabResult>;
  /** `ufw ...args` in the server namespace, C locale. */
  ufw(args: readonly string[], options?: LabRunOptions): Promise<LabResult>;
  /** `docker ...args` against the lab dockerd. */
  docker(args: readonly string[], options?: LabRunOptions): Promise<LabResult>;
  createNetwork(spec: NetworkSpec): Promise<void>;
  /** Starts (or creates) a container from the lab image; resolves with its full id. */
  runContainer(spec: ContainerSpec): Promise<string>;
  /** Many containers at once (e.g. 200 for the discovery benchmark): parallel creates, one batched start. */
  runContainers(specs: readonly ContainerSpec[]): Promise<string[]>;
  /** TCP connect from the client namespace (nc -z -w2). */
  probeTcp(address: string, port: number): Promise<Reachability>;
  /** HTTP GET from the client namespace (curl -6 -m2); open when any HTTP answer came back. */
  probeHttp(address: string, port: number): Promise<Reachability>;
  /** argv for `node dist/v6wall.js ...args` inside the server namespace (for pty tests). */
  v6wallArgv(args: readonly string[]): string[];
  /** Runs v6wall inside the server namespace with DOCKER_HOST set. */
  runV6wall(args: readonly string[], env?: Record<string, string>, options?: LabRunOptions): Promise<LabResult>;
  /** Stops everything and removes namespaces and temp files. Safe to call twice. Resolves with problems seen. */
  teardown(): Promise<string[]>;
}

export interface LabPaths {
  ufwEtc: string;
  ufwLib: string;
  ufwDefault: string;
  dockerEtc: string;
  daemonJson: string;
  sshdConfig: string;
  sshClientKey: string;
  /** v6wall's state (snapshots, transcripts, pending apply) for everything run in this lab: V6WALL_STATE_DIR in lab.env. */
  stateDir: string;
  logs: string;
  /** Machine folder → the lab's folder holding what the lab wrote there (privateDirs). */
  private: Record<string, string>;
}

/**
 * Only shell in the lab: mount pairs given as positional args, then exec the rest ("--" separates).
 * A pair is a bind mount (SOURCE TARGET), or an overlay (overlay:DIR TARGET) whose writes land in
 * DIR/upper while TARGET's own content shows through unchanged.
 */
const MOUNT_THEN_EXEC = [
  'while [ "$1" != -- ]; do',
  '  case "$1" in',
  '    overlay:*) dir="${1#overlay:}"; mount -t overlay overlay -o "lowerdir=$2,upperdir=$dir/upper,workdir=$dir/work" "$2" || exit 125 ;;',
  '    *) mount --bind "$1" "$2" || exit 125 ;;',
  '  esac',
  '  shift 2',
  'done',
  'shift',
  'exec "$@"',
].join('\n');

export async function startLab(options: LabOptions = {}): Promise<Lab> {
  const id = randomBytes(3).toString('hex');
  const dir = `/tmp/v6wall-lab-${id}`;
  const record: LabRecord = {
    id,
    dir,
    serverNs: `v6wl-${id}-srv`,
    clientNs: `v6wl-${id}-cli`,
    cgroupParent: `/v6wall-lab-${id}`,
    ownerPid: process.pid,
  };
  mkdirSync(dir, { mode: 0o700 });
  writeFileSync(labRecordPath(dir), JSON.stringify(record, null, 2));
  const paths: LabPaths = {
    ufwEtc: join(dir, 'ufw/etc'),
    ufwLib: join(dir, 'ufw/lib'),
    ufwDefault: join(dir, 'ufw/default'),
    dockerEtc: join(dir, 'etc-docker'),
    daemonJson: join(dir, 'etc-docker/daemon.json'),
    sshdConfig: join(dir, 'ssh/sshd_config'),
    sshClientKey: join(dir, 'ssh/client_key'),
    stateDir: join(dir, 'v6wall-state'),
    logs: dir,
    private: Object.fromEntries((options.privateDirs ?? []).map((target, index) => [target, join(dir, `private/${index}/upper`)])),
  };
  for (const upper of Object.values(paths.private)) {
    mkdirSync(upper, { recursive: true });
    mkdirSync(join(dirname(upper), 'work'));
  }
  const dockerHost = options.docker === false ? undefined : `unix://${dir}/docker.sock`;
  // The CLI that ships with the daemon goes first on PATH (the machine may have a newer one in /usr/local/bin,
  // whose JSON output carries fields the old daemon never sends).
  const labBin = join(dir, 'bin');
  mkdirSync(labBin);
  const unpackedRoot = options.docker ? options.docker.unpackedRoot : undefined;
  const dockerCli = unpackedRoot ? join(unpackedRoot, 'usr/bin/docker') : existsSync('/usr/bin/docker') ? '/usr/bin/docker' : undefined;
  if (dockerCli) symlinkSync(dockerCli, join(labBin, 'docker'));
  // `v6wall` in the lab's shells and SSH sessions is the repository's build (its shebang finds node on PATH).
  symlinkSync(V6WALL_JS, join(labBin, 'v6wall'));
  const env: Record<string, string> = {
    PATH: `${labBin}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:${dirname(process.execPath)}`,
    // Every v6wall the lab runs (the wizard, SSH sessions, watchdogs) keeps its state here, never in
    // the machine's /var/lib/v6wall (whose snapshots a later rollback would copy over /etc/ufw).
    V6WALL_STATE_DIR: paths.stateDir,
    ...(dockerHost ? { DOCKER_HOST: dockerHost, DOCKER_CONFIG: join(dir, 'docker-cli') } : {}),
  };
  const serverNsPath = `/var/run/netns/${record.serverNs}`;
  const binds: [string, string][] = [
    // Private overlays first, so the lab's own binds below stay on top of them (an overlay of /etc keeps /etc/ufw the lab's).
    ...Object.entries(paths.private).map(([target, upper]): [string, string] => [`overlay:${dirname(upper)}`, target]),
    [paths.ufwEtc, '/etc/ufw'],
    [paths.ufwLib, '/lib/ufw'],
    [paths.ufwDefault, '/etc/default/ufw'],
    [paths.dockerEtc, '/etc/docker'],
    [paths.sshdConfig, '/etc/ssh/sshd_config'],
  ];
  const serverArgv = (argv: readonly string[]): string[] => [
    'nsenter',
    `--net=${serverNsPath}`,
    'unshare',
    '-m',
    '--propagation',
    'private',
    'sh',
    '-c',
    MOUNT_THEN_EXEC,
    'v6wall-lab-mounts',
    ...binds.flat(),
    '--',
    ...argv,
  ];
  const inServer = (argv: readonly string[], runOptions?: LabRunOptions) => run(serverArgv(argv), { ...runOptions, env: { ...env, ...runOptions?.env } });
  const inClient = (argv: readonly string[], runOptions?: LabRunOptions) => run(['nsenter', `--net=/var/run/netns/${record.clientNs}`, ...argv], runOptions);
  const docker = (args: readonly string[], runOptions?: LabRunOptions) => {
    if (!dockerHost) throw new Error('this lab was started with docker: false');
    return run(['docker', ...args], { ...runOptions, env: { ...env, ...runOptions?.env } });
  };

  let tornDown: Promise<string[]> | undefined;
  const teardown = () => (tornDown ??= teardownLab(record));

  try {
    await createNamespaces(record, options.ipv4 ?? false);
    await copyUfwState(paths, options.ufwIpv6 ?? true);
    mkdirSync(paths.dockerEtc);
    await writeSshConfig(dir, paths, options.sshd === false ? {} : (options.sshd ?? {}), env);
    if (options.sshd !== false) await startSshd(record, serverArgv);
    if (options.docker !== false) {
      await startDockerd(record, paths, options.docker ?? {}, env, serverArgv);
      const tarball = await busyboxRootfsTar();
      await must(['docker', 'import', '--change', 'CMD ["httpd","-f","-p","80","-h","/www"]', tarball, LAB_IMAGE], { env, timeoutMs: 60_000 });
    }
  } catch (error) {
    await teardown();
    throw error;
  }

  const probe = async (argv: string[]): Promise<Reachability> => ((await inClient(argv, { timeoutMs: 10_000 })).exitCode === 0 ? 'open' : 'blocked');

  return {
    id,
    dir,
    serverNs: record.serverNs,
    clientNs: record.clientNs,
    dockerHost,
    env,
    paths,
    serverArgv,
    inServer,
    inClient,
    ufw: (args, runOptions) => inServer(['ufw', ...args], runOptions),
    docker,
    async createNetwork(spec) {
      const argv = ['network', 'create'];
      if (spec.subnet6) argv.push('--ipv6', '--subnet', spec.subnet6);
      for (const [key, value] of Object.entries(spec.options ?? {})) argv.push('-o', `${key}=${value}`);
      await must(['docker', ...argv, spec.name], { env });
    },
    async runContainer(spec) {
      const argv = spec.stopped ? ['create', ...containerArgs(spec)] : ['run', '-d', ...containerArgs(spec)];
      const id = (await must(['docker', ...argv], { env, timeoutMs: 60_000 })).stdout.trim();
      if (!spec.stopped) await waitForDad(record.serverNs);
      return id;
    },
    async runContainers(specs) {
      const ids: string[] = new Array<string>(specs.length);
      let next = 0;
      const worker = async (): Promise<void> => {
        for (let index = next++; index < specs.length; index = next++) {
          const spec = specs[index];
          if (spec) ids[index] = (await must(['docker', 'create', ...containerArgs(spec)], { env, timeoutMs: 60_000 })).stdout.trim();
        }
      };
      await Promise.all(Array.from({ length: Math.min(8, specs.length) }, worker));
      const toStart = ids.filter((_, index) => specs[index]?.stopped !== true);
      if (toStart.length > 0) {
        await must(['docker', 'start', ...toStart], { env, timeoutMs: 600_000 });
        await waitForDad(record.serverNs);
      }
      return ids;
    },
    probeTcp: (address, port) => probe(['nc', '-z', '-w2', address, String(port)]),
    probeHttp: async (address, port) => {
      const ipv6 = address.includes(':');
      const url = `http://${ipv6 ? `[${address}]` : address}:${port}/`;
      const result = await inClient(['curl', ipv6 ? '-6' : '-4', '-s', '-m2', '-o', '/dev/null', '-w', '%{http_code}', url], {
        timeoutMs: 10_000,
      });
      return result.stdout.trim() !== '' && result.stdout.trim() !== '000' ? 'open' : 'blocked';
    },
    v6wallArgv: (args) => serverArgv([process.execPath, V6WALL_JS, ...args]),
    runV6wall: (args, extraEnv = {}, runOptions = {}) => {
      if (!existsSync(V6WALL_JS)) {
        return Promise.resolve({ argv: [V6WALL_JS], exitCode: 127, stdout: '', stderr: `${V6WALL_JS} missing: run npm run build`, durationMs: 0 });
      }
      return inServer([process.execPath, V6WALL_JS, ...args], { ...runOptions, env: { ...extraEnv, ...runOptions.env } });
    },
    teardown,
  };
}

function containerArgs(spec: ContainerSpec): string[] {
  const argv = ['--name', spec.name];
  if (spec.network) argv.push('--network', spec.network);
  if (spec.ip6) argv.push('--ip6', spec.ip6);
  for (const publish of spec.publish ?? []) argv.push('-p', publish);
  for (const expose of spec.expose ?? []) argv.push('--expose', expose);
  argv.push(LAB_IMAGE, ...(spec.command ?? []));
  return argv;
}

/**
 * A bridge's addresses go through duplicate address detection (~2 s) once its first container
 * attaches, and until then the server cannot forward to that network. The server namespace has
 * accept_dad=0 for new links, so this is normally instant; it stays as a safety net.
 */
async function waitForDad(ns: string): Promise<void> {
  const tentativeOnLiveLinks = async (): Promise<number> => {
    const listed = await run(['ip', '-j', '-n', ns, '-6', 'addr', 'show', 'tentative']);
    const links = JSON.parse(listed.stdout || '[]') as { ifname?: string; operstate?: string; addr_info?: unknown[] }[];
    // Bridge ports (Docker's host-side vethNNN) forward without addresses of their own: not waited for.
    const waitable = (link: (typeof links)[number]) => link.operstate !== 'DOWN' && !link.ifname?.startsWith('veth');
    return links.filter((link) => waitable(link) && (link.addr_info?.length ?? 0) > 0).length;
  };
  await waitFor('IPv6 duplicate address detection', async () => (await tentativeOnLiveLinks()) === 0, 10_000);
}

async function createNamespaces(record: LabRecord, ipv4: boolean): Promise<void> {
  const { serverNs: srv, clientNs: cli, id } = record;
  const a = LAB_ADDRESSES;
  await must(['ip', 'netns', 'add', srv]);
  await must(['ip', 'netns', 'add', cli]);
  // Created in the root namespace under unique names, then moved and renamed eth0 like a real NIC.
  await must(['ip', 'link', 'add', `v6${id}s`, 'type', 'veth', 'peer', 'name', `v6${id}c`]);
  await must(['ip', 'link', 'set', `v6${id}s`, 'netns', srv]);
  await must(['ip', 'link', 'set', `v6${id}c`, 'netns', cli]);
  await must(['ip', '-n', srv, 'link', 'set', `v6${id}s`, 'name', 'eth0']);
  await must(['ip', '-n', cli, 'link', 'set', `v6${id}c`, 'name', 'eth0']);
  for (const ns of [srv, cli]) {
    await must(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
    await must(['ip', '-n', ns, 'link', 'set', 'eth0', 'up']);
  }
  await must(['ip', '-n', srv, '-6', 'addr', 'add', `${a.server}/${a.wanPrefixLength}`, 'dev', 'eth0', 'nodad']);
  await must(['ip', '-n', cli, '-6', 'addr', 'add', `${a.client}/${a.wanPrefixLength}`, 'dev', 'eth0', 'nodad']);
  await must(['ip', '-n', cli, '-6', 'route', 'add', a.containerPrefix, 'via', a.server]);
  if (ipv4) {
    await must(['ip', '-n', srv, '-4', 'addr', 'add', `${a.serverV4}/24`, 'dev', 'eth0']);
    await must(['ip', '-n', cli, '-4', 'addr', 'add', `${a.clientV4}/24`, 'dev', 'eth0']);
  }
  await must(['ip', 'netns', 'exec', srv, 'sysctl', '-q', '-w', 'net.ipv6.conf.all.forwarding=1']);
  // Docker's bridges would otherwise spend ~2 s in duplicate address detection before forwarding works.
  await must(['ip', 'netns', 'exec', srv, 'sysctl', '-q', '-w', 'net.ipv6.conf.default.accept_dad=0']);
}

async function copyUfwState(paths: LabPaths, ipv6: boolean): Promise<void> {
  mkdirSync(dirname(paths.ufwEtc), { recursive: true });
  await must(['cp', '-a', '/etc/ufw', paths.ufwEtc]);
  await must(['cp', '-a', '/lib/ufw', paths.ufwLib]);
  // Start from the package's pristine rules, never from whatever this machine has.
  for (const file of ['user.rules', 'user6.rules', 'before.rules', 'before6.rules', 'after.rules', 'after6.rules']) {
    const pristine = `/usr/share/ufw/iptables/${file}`;
    if (existsSync(pristine)) await must(['cp', pristine, join(paths.ufwEtc, file)]);
  }
  if (existsSync('/usr/share/ufw/ufw.conf')) await must(['cp', '/usr/share/ufw/ufw.conf', join(paths.ufwEtc, 'ufw.conf')]);
  const defaults = readFileSync('/etc/default/ufw', 'utf8').replace(/^IPV6=.*$/m, `IPV6=${ipv6 ? 'yes' : 'no'}`);
  writeFileSync(paths.ufwDefault, defaults);
}

async function writeSshConfig(dir: string, paths: LabPaths, sshd: SshdOptions, env: Record<string, string>): Promise<void> {
  const sshDir = join(dir, 'ssh');
  mkdirSync(sshDir, { mode: 0o700 });
  await must(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'v6wall-lab-host', '-f', join(sshDir, 'ssh_host_ed25519_key')]);
  await must(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'v6wall-lab-client', '-f', paths.sshClientKey]);
  writeFileSync(join(sshDir, 'authorized_keys'), readFileSync(`${paths.sshClientKey}.pub`), { mode: 0o600 });
  const lines = [
    ...(sshd.ports ?? [LAB_SSH_PORT]).map((port) => `Port ${port}`),
    ...(sshd.listenAddresses ?? []).map((address) => `ListenAddress ${address}`),
    `HostKey ${join(sshDir, 'ssh_host_ed25519_key')}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${join(sshDir, 'authorized_keys')}`,
    'PermitRootLogin prohibit-password',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    'StrictModes no',
    // As on a Debian server: Ansible and scp copy files over SFTP.
    'Subsystem sftp internal-sftp',
    // SSH sessions (e.g. a second login running `v6wall confirm`) talk to the lab's dockerd and CLI.
    // One SetEnv line: sshd ignores repeated SetEnv keywords.
    `SetEnv ${Object.entries(env)
      .map(([key, value]) => `${key}=${value}`)
      .join(' ')}`,
  ];
  writeFileSync(paths.sshdConfig, `${lines.join('\n')}\n`);
}

async function startSshd(record: LabRecord, serverArgv: (argv: readonly string[]) => string[]): Promise<void> {
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  // Inside the lab's mounts, so SSH sessions see the lab's /etc/ufw, /etc/docker and sshd_config, never the
  // machine's. sshd daemonizes itself (fork + setsid), keeps that mount namespace alive and writes its PidFile.
  await must(serverArgv(['/usr/sbin/sshd', '-f', '/etc/ssh/sshd_config', '-E', join(record.dir, 'sshd.log')]));
  await waitFor('sshd pid file', async () => existsSync(join(record.dir, 'sshd.pid')), 10_000);
}

async function startDockerd(
  record: LabRecord,
  paths: LabPaths,
  docker: DockerOptions,
  env: Record<string, string>,
  serverArgv: (argv: readonly string[]) => string[],
): Promise<void> {
  const daemonJson: Record<string, unknown> = {
    ...(docker.experimental ? { experimental: true } : {}),
    ...(docker.ip6tables !== undefined ? { ip6tables: docker.ip6tables } : {}),
    ...docker.daemonJson,
  };
  // Like a fresh Debian install, no daemon.json at all unless some key is asked for.
  if (Object.keys(daemonJson).length > 0) writeFileSync(paths.daemonJson, `${JSON.stringify(daemonJson, null, 2)}\n`);
  const path = docker.unpackedRoot
    ? `${join(docker.unpackedRoot, 'usr/bin')}:${join(docker.unpackedRoot, 'usr/sbin')}:${process.env.PATH ?? ''}`
    : (process.env.PATH ?? '');
  const dockerd = docker.unpackedRoot ? join(docker.unpackedRoot, 'usr/sbin/dockerd') : 'dockerd';
  const logFile = join(record.dir, 'dockerd.log');
  // serverArgv enters with nsenter --net, not `ip netns exec` (which remounts /sys: dockerd then misses the
  // cgroup mounts), and mounts the lab's /etc/docker so dockerd reads its daemon.json and writes its key.json
  // there, never in the host's /etc/docker. Its own mounts (overlays, netns files) stay in that private mount
  // namespace. startDetached gives it its own session (setsid) so it outlives the caller until teardown.
  const pid = startDetached(
    serverArgv([
      dockerd,
      '--data-root',
      join(record.dir, 'docker'),
      '--exec-root',
      join(record.dir, 'run'),
      '--pidfile',
      join(record.dir, 'dockerd.pid'),
      '--host',
      `unix://${record.dir}/docker.sock`,
      '--cgroup-parent',
      record.cgroupParent,
    ]),
    logFile,
    { PATH: path },
  );
  await waitFor(
    'dockerd API',
    async () => {
      if (!isAlive(pid)) throw new Error(`lab: dockerd exited during start-up:\n${tail(logFile)}`);
      return (await run(['docker', 'version', '--format', '{{.Server.Version}}'], { env, timeoutMs: 5_000 })).exitCode === 0;
    },
    60_000,
    () => tail(logFile),
  );
}

function tail(file: string): string {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').slice(-15).join('\n') : '';
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
