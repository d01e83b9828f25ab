/**
 * Captures real tool outputs from a lab into test/fixtures/ (re-runnable, needs root):
 *   npx tsx test/lab/capture-fixtures.ts [ufw|docker|ssh|ssh-loopback|dpkg|host|ip6tables|docker28|docker-api ...]
 * With no argument, everything; Docker 28 only when docker28.ts already unpacked it.
 * Each folder gets a captured.json naming, per file, the argv that produced it, its exit
 * code and its stderr, so tests can assert on exit codes and error text too.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LAB_ADDRESSES, LAB_IMAGE, LAB_SSH_PORT, REPO_ROOT, labAvailable, startLab, type Lab, type LabResult } from './harness.js';
import { run, sleep } from './exec.js';
import { docker28Available, docker28Root } from './docker28.js';

const FIXTURES = join(REPO_ROOT, 'test/fixtures');

/**
 * A long container address: overflows ufw's 26-column status field. Docker 20.10 honours --ip6 only in
 * the low 64 bits, so the 5th group stays 0... see README.
 */
export const LONG_CONTAINER_ADDRESS = '2001:db8:1234:a1:1:0:abcd:ab53';
const NON_ASCII_COMMENT = 'v6wall: café web ☕ port 80';

interface CaptureEntry {
  argv: string[];
  exitCode: number;
  stderr: string;
  capturedAt: string;
}

class FixtureFolder {
  private readonly manifest: Record<string, CaptureEntry | { copiedFrom: string; capturedAt: string }> = {};
  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }
  /** Saves stdout of a real command (argv shown without the lab's namespace wrapper). */
  save(name: string, result: LabResult, shownArgv: string[]): LabResult {
    mkdirSync(join(this.dir, name, '..'), { recursive: true });
    writeFileSync(join(this.dir, name), result.stdout);
    this.manifest[name] = { argv: shownArgv, exitCode: result.exitCode, stderr: result.stderr, capturedAt: new Date().toISOString() };
    return result;
  }
  copy(name: string, from: string, label: string): void {
    mkdirSync(join(this.dir, name, '..'), { recursive: true });
    copyFileSync(from, join(this.dir, name));
    this.manifest[name] = { copiedFrom: label, capturedAt: new Date().toISOString() };
  }
  note(name: string, text: string): void {
    this.manifest[name] = { copiedFrom: text, capturedAt: new Date().toISOString() };
  }
  finish(): void {
    const file = join(this.dir, 'captured.json');
    let previous: Record<string, unknown> = {};
    try {
      previous = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch {
      // first capture
    }
    writeFileSync(file, `${JSON.stringify({ ...previous, ...this.manifest }, null, 2)}\n`);
  }
}

/** Runs a command in the server namespace and saves it. */
async function serverCapture(lab: Lab, folder: FixtureFolder, name: string, argv: string[]): Promise<LabResult> {
  return folder.save(name, await lab.inServer(argv, { timeoutMs: 60_000 }), argv);
}

async function ufwExpect(lab: Lab, args: string[]): Promise<LabResult> {
  const result = await lab.ufw(args, { timeoutMs: 60_000 });
  if (result.exitCode !== 0) throw new Error(`ufw ${args.join(' ')} failed: ${result.stderr}${result.stdout}`);
  return result;
}

/** The rule set the ufw fixtures show: every shape of tuple the parser must understand. */
const RULE_COMMANDS: string[][] = [
  ['allow', 'to', '::/0', 'port', String(LAB_SSH_PORT), 'proto', 'tcp'],
  ['route', 'allow', 'proto', 'tcp', 'from', 'any', 'to', LONG_CONTAINER_ADDRESS, 'port', '80', 'comment', NON_ASCII_COMMENT],
  ['allow', '8081/tcp'],
  ['deny', '23/tcp'],
  ['route', 'allow', 'in', 'on', 'veth0', 'out', 'on', 'docker0'],
  ['allow', 'log', 'proto', 'tcp', 'to', '::/0', 'port', '8443'],
  ['deny', 'log-all', 'from', '2001:db8:bad::/48'],
  ['allow', 'to', '::/0', 'port', '51820', 'proto', 'udp'],
  ['allow', '60000:61000/udp'],
  ['limit', 'to', '::/0', 'port', '2200', 'proto', 'tcp'],
  ['allow', 'from', LAB_ADDRESSES.client, 'to', 'any', 'port', '9000', 'proto', 'tcp'],
  ['allow', 'from', '192.0.2.0/24', 'to', 'any', 'port', '5432', 'proto', 'tcp'],
  ['allow', 'OpenSSH'],
  ['deny', 'out', 'to', '2001:db8:dead::/48'],
  ['route', 'allow', 'proto', 'tcp', 'from', 'any', 'to', '2001:db8:1234:a1:1::2', 'port', '443', 'comment', 'v6wall web 443'],
];

async function captureUfwState(lab: Lab, folder: FixtureFolder, sub: string): Promise<void> {
  folder.copy(`${sub}/user6.rules`, join(lab.paths.ufwEtc, 'user6.rules'), '/etc/ufw/user6.rules');
  folder.copy(`${sub}/user.rules`, join(lab.paths.ufwEtc, 'user.rules'), '/etc/ufw/user.rules');
  folder.copy(`${sub}/ufw.conf`, join(lab.paths.ufwEtc, 'ufw.conf'), '/etc/ufw/ufw.conf');
  folder.copy(`${sub}/default-ufw`, lab.paths.ufwDefault, '/etc/default/ufw');
  await serverCapture(lab, folder, `${sub}/status.txt`, ['ufw', 'status']);
  await serverCapture(lab, folder, `${sub}/status-verbose.txt`, ['ufw', 'status', 'verbose']);
  await serverCapture(lab, folder, `${sub}/status-numbered.txt`, ['ufw', 'status', 'numbered']);
}

async function captureUfw(lab: Lab): Promise<void> {
  const folder = new FixtureFolder(join(FIXTURES, 'ufw'));
  await serverCapture(lab, folder, 'version.txt', ['ufw', 'version']);
  await captureUfwState(lab, folder, 'fresh');

  await ufwExpect(lab, ['default', 'deny', 'incoming']);
  await ufwExpect(lab, ['default', 'deny', 'routed']);
  for (const args of RULE_COMMANDS) {
    folder.save(
      `commands/${args
        .join('_')
        .replace(/[^A-Za-z0-9_.:-]/g, '-')
        .slice(0, 80)}.txt`,
      await ufwExpect(lab, args),
      ['ufw', ...args],
    );
  }
  // Same rules, firewall still inactive (rules are written to the files, status says inactive).
  await captureUfwState(lab, folder, 'rules-inactive');
  folder.save('enable.txt', await ufwExpect(lab, ['--force', 'enable']), ['ufw', '--force', 'enable']);
  await captureUfwState(lab, folder, 'rules-active');
  await serverCapture(lab, folder, 'rules-active/show-added.txt', ['ufw', 'show', 'added']);
  await serverCapture(lab, folder, 'dry-run-duplicate.txt', ['ufw', '--dry-run', 'allow', 'to', '::/0', 'port', String(LAB_SSH_PORT), 'proto', 'tcp']);
  await serverCapture(lab, folder, 'dry-run-duplicate-route.txt', [
    'ufw',
    '--dry-run',
    'route',
    'allow',
    'proto',
    'tcp',
    'from',
    'any',
    'to',
    LONG_CONTAINER_ADDRESS,
    'port',
    '80',
    'comment',
    NON_ASCII_COMMENT,
  ]);
  await serverCapture(lab, folder, 'dry-run-new.txt', ['ufw', '--dry-run', 'allow', 'to', '::/0', 'port', '8080', 'proto', 'tcp']);
  await serverCapture(lab, folder, 'duplicate-add.txt', ['ufw', 'allow', 'to', '::/0', 'port', String(LAB_SSH_PORT), 'proto', 'tcp']);
  await serverCapture(lab, folder, 'invalid-port.txt', ['ufw', 'allow', 'to', '::/0', 'port', '70000', 'proto', 'tcp']);
  folder.finish();
}

async function captureUfwIpv6No(): Promise<void> {
  const lab = await startLab({ docker: false, sshd: false, ufwIpv6: false });
  try {
    const folder = new FixtureFolder(join(FIXTURES, 'ufw'));
    folder.copy('ipv6-no/default-ufw', lab.paths.ufwDefault, '/etc/default/ufw');
    await serverCapture(lab, folder, 'ipv6-no/allow-ipv6-only.txt', ['ufw', 'allow', 'to', '::/0', 'port', String(LAB_SSH_PORT), 'proto', 'tcp']);
    await serverCapture(lab, folder, 'ipv6-no/allow-dual.txt', ['ufw', 'allow', '2222/tcp']);
    await serverCapture(lab, folder, 'ipv6-no/enable.txt', ['ufw', '--force', 'enable']);
    await captureUfwState(lab, folder, 'ipv6-no');
    folder.finish();
  } finally {
    await lab.teardown();
  }
}

async function captureDocker(lab: Lab, sub: string): Promise<void> {
  const folder = new FixtureFolder(join(FIXTURES, 'docker', sub));
  const docker = async (name: string, args: string[]) => folder.save(name, await lab.docker(args, { timeoutMs: 60_000 }), ['docker', ...args]);
  const ids = (await lab.docker(['ps', '-aq', '--no-trunc'])).stdout.split(/\s+/).filter(Boolean);
  const networks = (await lab.docker(['network', 'ls', '-q', '--no-trunc'])).stdout.split(/\s+/).filter(Boolean);
  await docker('ps.jsonl', ['ps', '--no-trunc', '--format', '{{json .}}']);
  await docker('ps-all.jsonl', ['ps', '-a', '--no-trunc', '--format', '{{json .}}']);
  await docker('inspect.json', ['inspect', ...ids]);
  await docker('network-inspect.json', ['network', 'inspect', ...networks]);
  await docker('version.json', ['version', '--format', '{{json .}}']);
  await docker('info.json', ['info', '--format', '{{json .}}']);
  if (existsSync(lab.paths.daemonJson)) folder.copy('daemon.json', lab.paths.daemonJson, '/etc/docker/daemon.json');
  else folder.note('daemon.json', 'absent: /etc/docker/daemon.json does not exist (Docker defaults)');
  folder.finish();
}

/**
 * The same moment seen two ways: the Engine API bodies discovery reads (GET /version,
 * /containers/json, /networks, through curl on the lab daemon's socket) and the docker CLI
 * outputs the fallback reads. Tests hold the two readings equal.
 */
async function captureDockerApi(lab: Lab, sub: string): Promise<void> {
  const folder = new FixtureFolder(join(FIXTURES, 'docker/api', sub));
  const socket = (lab.dockerHost ?? '').replace(/^unix:\/\//, '');
  // all=1, as discovery asks: stopped containers keep their openings, so they are listed too.
  for (const [name, path] of [
    ['api-version.json', '/version'],
    ['api-containers.json', '/containers/json?all=1'],
    ['api-networks.json', '/networks'],
  ] as const) {
    const result = await lab.inServer(['curl', '-sS', '--fail', '--unix-socket', socket, `http://docker${path}`], { timeoutMs: 60_000 });
    if (result.exitCode !== 0) throw new Error(`GET ${path} failed: ${result.stderr}`);
    folder.save(name, result, ['curl', '--unix-socket', '/var/run/docker.sock', `http://docker${path}`]);
  }
  const docker = async (name: string, args: string[]) => folder.save(name, await lab.docker(args, { timeoutMs: 60_000 }), ['docker', ...args]);
  const ids = (await lab.docker(['ps', '-aq', '--no-trunc'])).stdout.split(/\s+/).filter(Boolean);
  const networks = (await lab.docker(['network', 'ls', '-q', '--no-trunc'])).stdout.split(/\s+/).filter(Boolean);
  await docker('ps.jsonl', ['ps', '--all', '--no-trunc', '--format', '{{json .}}']);
  await docker('inspect.json', ['inspect', '--type', 'container', ...ids]);
  await docker('network-inspect.json', ['network', 'inspect', ...networks]);
  await docker('version.json', ['version', '--format', '{{json .}}']);
  await captureListeners(lab, folder, socket);
  folder.finish();
}

/**
 * What listens inside `hidden` (httpd on 8088 and 9999 without EXPOSE, plus a UDP socket bound in its
 * network namespace): the API body that gives its main process, and that process's socket tables.
 */
async function captureListeners(lab: Lab, folder: FixtureFolder, socket: string): Promise<void> {
  const id = (await lab.docker(['inspect', '--format', '{{.Id}}', 'hidden'])).stdout.trim();
  const inspected = await lab.inServer(['curl', '-sS', '--fail', '--unix-socket', socket, `http://docker/containers/${id}/json`]);
  folder.save('api-container-hidden.json', inspected, ['curl', '--unix-socket', '/var/run/docker.sock', 'http://docker/containers/ID/json']);
  const pid = (JSON.parse(inspected.stdout) as { State: { Pid: number } }).State.Pid;
  // busybox has no UDP server: a datagram socket is bound in the container's network namespace from outside.
  const udp = lab.inServer(['nsenter', `--net=/proc/${pid}/ns/net`, 'python3', '-c', UDP_LISTENER], { timeoutMs: 20_000 });
  await sleep(1500);
  await serverCapture(lab, folder, 'proc-net-tcp6-hidden.txt', ['cat', `/proc/${pid}/net/tcp6`]);
  await serverCapture(lab, folder, 'proc-net-udp6-hidden.txt', ['cat', `/proc/${pid}/net/udp6`]);
  await udp;
}

/** Binds UDP 5353 on every IPv6 address and 5354 on loopback only, plus a connected socket, for 5 s. */
const UDP_LISTENER = [
  'import socket, time',
  'a = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); a.bind(("::", 5353))',
  'b = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); b.bind(("::1", 5354))',
  'c = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); c.connect(("2001:db8:1234:1::100", 53))',
  'time.sleep(5)',
].join('\n');

/** More shapes for the API fixtures: several ports, udp, a port range, a name with a legacy link. */
async function createMoreContainers(lab: Lab): Promise<void> {
  await lab.runContainer({ name: 'multi', network: 'v6net', publish: ['8090:80', '5353:53/udp', '9100-9101:9100-9101'], expose: ['7000/udp'] });
  // Listens on ports Docker does not know about (no EXPOSE, nothing published), and on loopback only.
  await lab.runContainer({
    name: 'hidden',
    network: 'v6net',
    ip6: '2001:db8:1234:a1:1::99',
    command: ['sh', '-c', 'httpd -p 9999 -h /www; httpd -p [::1]:7777 -h /www; exec httpd -f -p 8088 -h /www'],
  });
  // Ran once with a fixed address, then stopped: it keeps its name and network, not its address.
  await lab.runContainer({ name: 'was-running', network: 'v6net', ip6: '2001:db8:1234:a1:1::98', publish: ['8091:80'] });
  await lab.docker(['stop', '-t', '1', 'was-running']);
  await lab.docker(['run', '-d', '--name', 'linked', '--network', 'bridge', LAB_IMAGE]);
  await lab.docker(['run', '-d', '--name', 'linker', '--network', 'bridge', '--link', 'linked:alias', LAB_IMAGE]);
}

/** The container mix the docker fixtures show. */
async function createContainers(lab: Lab): Promise<void> {
  await lab.createNetwork({ name: 'v6net', subnet6: LAB_ADDRESSES.containerSubnet });
  await lab.createNetwork({ name: 'v4net' });
  await lab.runContainer({ name: 'web6', network: 'v6net', ip6: LONG_CONTAINER_ADDRESS, publish: ['8081:80'] });
  await lab.runContainer({ name: 'exposed-only', network: 'v6net', expose: ['9000'] });
  await lab.runContainer({ name: 'v4only', network: 'v4net', publish: ['8082:80'] });
  await lab.runContainer({ name: 'stopped', network: 'v6net', stopped: true, publish: ['8083:80'] });
}

async function captureSsh(lab: Lab): Promise<void> {
  const folder = new FixtureFolder(join(FIXTURES, 'ssh'));
  await serverCapture(lab, folder, 'sshd-T-port-2222.txt', ['/usr/sbin/sshd', '-T', '-f', '/etc/ssh/sshd_config']);
  const twoPorts = join(lab.dir, 'ssh/sshd_config.two-ports');
  const base = readFileSync(lab.paths.sshdConfig, 'utf8').replace(/^Port .*\n/m, '');
  writeFileSync(twoPorts, `Port 22\nPort 2222\nListenAddress [${LAB_ADDRESSES.server}]:2222\nListenAddress 0.0.0.0\n${base}`);
  folder.save('sshd-T-two-ports-listen.txt', await lab.inServer(['/usr/sbin/sshd', '-T', '-f', twoPorts]), ['/usr/sbin/sshd', '-T', '-f', 'CONFIG']);
  folder.copy('sshd_config.two-ports', twoPorts, 'the lab sshd_config with two Port lines and ListenAddress');
  folder.copy('sshd_config', lab.paths.sshdConfig, 'the lab sshd_config');
  await serverCapture(lab, folder, 'ss-Hltnp.txt', ['ss', '-Hltnp']);

  // A real key-based login from the client namespace, held open while the sockets are listed.
  const session = lab.inClient(
    [
      'ssh',
      '-i',
      lab.paths.sshClientKey,
      '-o',
      'StrictHostKeyChecking=no',
      '-o',
      'UserKnownHostsFile=/dev/null',
      '-o',
      'BatchMode=yes',
      '-p',
      String(LAB_SSH_PORT),
      `root@${LAB_ADDRESSES.server}`,
      'printf "%s\\n" "$SSH_CONNECTION"; sleep 4',
    ],
    { timeoutMs: 30_000 },
  );
  await sleep(2000);
  await serverCapture(lab, folder, 'ss-Htnp-established.txt', ['ss', '-Htnp', 'state', 'established']);
  // Discovery's one ss call: both states at once, so ss prints the State column on every line.
  await serverCapture(lab, folder, 'ss-Htnp-listening-established.txt', [...SS_LISTENING_AND_ESTABLISHED]);
  await serverCapture(lab, folder, 'ss-Hltnp-with-session.txt', ['ss', '-Hltnp']);
  const finished = await session;
  folder.save('ssh-connection-env.txt', finished, ['ssh', '-p', String(LAB_SSH_PORT), `root@${LAB_ADDRESSES.server}`, 'printf "%s\\n" "$SSH_CONNECTION"']);
  folder.finish();
}

const SS_LISTENING_AND_ESTABLISHED = ['ss', '-Htnp', 'state', 'listening', 'state', 'established'] as const;

/**
 * sshd listening on [::]:2222 and on loopback 127.0.0.1:22, with a local `nc ::1 2222` connected
 * (an sshd child owns the accepted socket): the loopback listener must be ignored.
 */
async function captureSshLoopback(): Promise<void> {
  const lab = await startLab({ docker: false, sshd: { ports: [2222], listenAddresses: ['[::]:2222', '127.0.0.1:22'] } });
  try {
    const folder = new FixtureFolder(join(FIXTURES, 'discovery/ss'));
    const connection = lab.inServer(['timeout', '4', 'nc', '::1', '2222'], { timeoutMs: 30_000 });
    await sleep(1500);
    await serverCapture(lab, folder, 'ss-Htnp-listening-established-sshd-2222-loopback-22.txt', [...SS_LISTENING_AND_ESTABLISHED]);
    await connection;
    folder.finish();
  } finally {
    console.log('ssh-loopback lab teardown problems:', await lab.teardown());
  }
}

/** dpkg-query, which tells ufw's version without starting Python; the machine's dpkg database (the lab shares it). */
async function captureDpkg(): Promise<void> {
  const folder = new FixtureFolder(join(FIXTURES, 'ufw'));
  const format = '-f=${Status} ${Version}';
  // firewalld: known from the archive, not installed (exit 0, empty version); v6wall: no such package (exit 1).
  const packages = [
    ['dpkg-query-ufw.txt', 'ufw'],
    ['dpkg-query-not-installed.txt', 'firewalld'],
    ['dpkg-query-unknown-package.txt', 'v6wall'],
  ] as const;
  for (const [name, pkg] of packages) {
    const argv = ['dpkg-query', '-W', format, pkg];
    folder.save(name, await run(argv), argv);
  }
  folder.finish();
}

async function captureHost(lab: Lab, sub: string): Promise<void> {
  const folder = new FixtureFolder(join(FIXTURES, 'host', sub));
  await serverCapture(lab, folder, 'ip-j-6-addr-global.json', ['ip', '-j', '-6', 'addr', 'show', 'scope', 'global']);
  await serverCapture(lab, folder, 'ip-j-4-addr.json', ['ip', '-j', '-4', 'addr']);
  await serverCapture(lab, folder, 'ip-j-6-route.json', ['ip', '-j', '-6', 'route']);
  await serverCapture(lab, folder, 'sysctl-ipv6-all-forwarding.txt', ['sysctl', '-n', 'net.ipv6.conf.all.forwarding']);
  await serverCapture(lab, folder, 'sysctl-ipv4-ip_forward.txt', ['sysctl', '-n', 'net.ipv4.ip_forward']);
  await serverCapture(lab, folder, 'id-u.txt', ['id', '-u']);
  folder.finish();
}

async function captureIp6tables(lab: Lab, name: string): Promise<void> {
  const folder = new FixtureFolder(join(FIXTURES, 'ip6tables'));
  await serverCapture(lab, folder, `${name}.ip6tables-save`, ['ip6tables-save']);
  await serverCapture(lab, folder, `${name}.ip6tables-S-DOCKER.txt`, ['ip6tables', '-S', 'DOCKER']);
  folder.finish();
}

async function dockerLab(ip6tables: boolean): Promise<Lab> {
  return startLab(ip6tables ? { docker: { experimental: true, ip6tables: true } } : { docker: { ip6tables: false } });
}

async function main(): Promise<void> {
  const availability = labAvailable();
  if (!availability.ok) throw new Error(`cannot capture fixtures: ${availability.reason}`);
  const wanted = new Set(process.argv.slice(2));
  const want = (what: string) => wanted.size === 0 || wanted.has(what);

  // Lab 1: Docker 20.10, ip6tables off (Debian 12 default), IPv6-only WAN.
  if (['docker', 'ssh', 'host', 'ufw', 'ip6tables'].some(want)) {
    const lab = await dockerLab(false);
    try {
      await createContainers(lab);
      if (want('docker')) await captureDocker(lab, 'v20.10-ip6tables-off');
      if (want('ssh')) await captureSsh(lab);
      if (want('host')) await captureHost(lab, 'ipv6-only');
      if (want('ufw') || want('ip6tables')) await captureUfw(lab);
      if (want('ip6tables')) await captureIp6tables(lab, 'docker20.10-ip6tables-off-ufw-active');
    } finally {
      console.log('lab 1 teardown problems:', await lab.teardown());
    }
  }
  if (want('ufw')) await captureUfwIpv6No();
  if (want('ssh-loopback')) await captureSshLoopback();
  if (want('dpkg')) await captureDpkg();

  // Lab 2: Docker 20.10 with experimental + ip6tables on, dual-stack WAN, UFW active.
  if (want('ip6tables') || want('docker') || want('host')) {
    const lab2 = await startLab({ docker: { experimental: true, ip6tables: true }, ipv4: true });
    try {
      await createContainers(lab2);
      if (want('docker')) await captureDocker(lab2, 'v20.10-ip6tables-on');
      if (want('host')) await captureHost(lab2, 'dual-stack');
      for (const args of [
        ['allow', 'to', '::/0', 'port', String(LAB_SSH_PORT), 'proto', 'tcp'],
        ['default', 'deny', 'routed'],
        ['--force', 'enable'],
      ]) {
        await ufwExpect(lab2, args);
      }
      if (want('ip6tables')) await captureIp6tables(lab2, 'docker20.10-ip6tables-on-ufw-active');
    } finally {
      console.log('lab 2 teardown problems:', await lab2.teardown());
    }
  }
  // Lab 3: Docker 28 (sid, unpacked; fetched by docker28.ts), a nat network and a routed one, UFW active.
  if (want('docker28') || (wanted.size === 0 && docker28Available())) {
    const lab3 = await startLab({ docker: { unpackedRoot: await docker28Root() } });
    try {
      await createContainers(lab3);
      await lab3.createNetwork({
        name: 'routednet',
        subnet6: '2001:db8:1234:a1:2::/80',
        options: { 'com.docker.network.bridge.gateway_mode_ipv6': 'routed' },
      });
      await lab3.runContainer({ name: 'routed-web', network: 'routednet', ip6: '2001:db8:1234:a1:2::10', publish: ['8084:80'] });
      await captureDocker(lab3, 'v28-nat-and-routed');
      for (const args of [
        ['allow', 'to', '::/0', 'port', String(LAB_SSH_PORT), 'proto', 'tcp'],
        ['default', 'deny', 'routed'],
        ['--force', 'enable'],
      ]) {
        await ufwExpect(lab3, args);
      }
      await captureIp6tables(lab3, 'docker28-nat-and-routed-ufw-active');
    } finally {
      console.log('lab 3 teardown problems:', await lab3.teardown());
    }
  }
  if (want('docker-api')) {
    const lab4 = await startLab({ docker: { experimental: true, ip6tables: true } });
    try {
      await createContainers(lab4);
      await createMoreContainers(lab4);
      await captureDockerApi(lab4, 'v20.10-ip6tables-on');
    } finally {
      console.log('lab 4 teardown problems:', await lab4.teardown());
    }
    if (docker28Available()) {
      const lab5 = await startLab({ docker: { unpackedRoot: await docker28Root() } });
      try {
        await createContainers(lab5);
        await createMoreContainers(lab5);
        await lab5.createNetwork({
          name: 'routednet',
          subnet6: '2001:db8:1234:a1:2::/80',
          options: { 'com.docker.network.bridge.gateway_mode_ipv6': 'routed' },
        });
        await lab5.runContainer({ name: 'routed-web', network: 'routednet', ip6: '2001:db8:1234:a1:2::10', publish: ['8084:80'] });
        await captureDockerApi(lab5, 'v28-nat-and-routed');
      } finally {
        console.log('lab 5 teardown problems:', await lab5.teardown());
      }
    }
  }
  const hostUfw = await run(['ufw', 'status']);
  console.log(`machine's own ufw: ${hostUfw.stdout.trim()}`);
}

await main();
