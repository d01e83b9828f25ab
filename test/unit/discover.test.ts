import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { discoverFacts } from '../../src/host/discover.js';
import { parseSsListeningAndEstablished } from '../../src/core/parse/ss-sockets.js';
import type { CommandResult, Runner } from '../../src/core/types/runner.js';

const fixture = (path: string): string => readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8');

type Reply = Partial<Omit<CommandResult, 'argv' | 'durationMs'>>;

/**
 * A recording fake Runner: replies with captured outputs, chosen by the
 * longest command prefix that matches; anything unknown is "not installed".
 */
function fakeRunner(replies: Record<string, Reply>): { run: Runner; calls: string[][] } {
  const calls: string[][] = [];
  const run: Runner = async (argv) => {
    calls.push([...argv]);
    const line = argv.join(' ');
    const key = Object.keys(replies)
      .filter((prefix) => line === prefix || line.startsWith(`${prefix} `))
      .sort((a, b) => b.length - a.length)[0];
    const reply = key === undefined ? { notFound: true, exitCode: 127, stderr: `${argv[0]}: not found` } : replies[key];
    return { argv: [...argv], exitCode: 0, stdout: '', stderr: '', durationMs: 1, notFound: false, ...reply };
  };
  return { run, calls };
}

const files = (entries: Record<string, string>) => async (path: string) => entries[path] ?? null;

const DPKG_UFW = 'dpkg-query -W -f=${Status} ${Version} ufw';

/** A root shell on a host with sshd on 22, ufw installed and disabled, and Docker's daemon down. */
const baseReplies: Record<string, Reply> = {
  'sshd -T': { stdout: fixture('discovery/sshd/sshd-T-default-port-22.txt') },
  'ss -Htnp state listening state established': { stdout: fixture('discovery/ss/ss-Htnp-listening-established-sshd-2222-loopback-22.txt') },
  [DPKG_UFW]: { stdout: fixture('ufw/dpkg-query-ufw.txt') },
  'ufw version': { stdout: fixture('discovery/ufw/ufw-version-0.36.2.txt') },
  'ip -j -6 addr show scope global': { stdout: fixture('discovery/ip/ip-j-6-addr-scope-global-fd00.json') },
  'ip -j -4 addr show': { stdout: fixture('discovery/ip/ip-j-4-addr-dual-stack.json') },
  'ip -j -6 route show default': { stdout: fixture('discovery/ip/ip-j-6-route-show-default-eth0.json') },
  'docker version': {
    exitCode: 1,
    stdout: fixture('discovery/docker/version-daemon-down.stdout'),
    stderr: fixture('discovery/docker/version-daemon-down.stderr'),
  },
  'docker ps': { exitCode: 1, stderr: fixture('discovery/docker/version-daemon-down.stderr') },
  'docker network ls': { exitCode: 1, stderr: fixture('discovery/docker/version-daemon-down.stderr') },
};
const baseFiles: Record<string, string> = {
  '/etc/default/ufw': fixture('discovery/ufw/etc-default-ufw-package.txt'),
  '/etc/ufw/ufw.conf': fixture('discovery/ufw/ufw.conf-disabled.txt'),
  '/etc/ufw/user.rules': fixture('discovery/ufw/user.rules-empty.txt'),
  '/etc/ufw/user6.rules': fixture('discovery/ufw/user6.rules-empty.txt'),
  '/etc/os-release': fixture('discovery/os/os-release-debian12.txt'),
  '/proc/sys/net/ipv6/conf/all/forwarding': '1\n',
  '/proc/sys/kernel/hostname': 'edge1\n',
  '/proc/sys/net/ipv4/ip_local_port_range': fixture('discovery/proc/ip_local_port_range.txt'),
};

/** Programs on the fake disk: ufw where Debian's package puts it. */
const UFW_ON_DISK = ['/usr/sbin/ufw'];

function discover(replies: Record<string, Reply>, fileEntries: Record<string, string> = baseFiles, env: NodeJS.ProcessEnv = {}, uid = 0, onDisk = UFW_ON_DISK) {
  const runner = fakeRunner(replies);
  const exists = async (path: string) => onDisk.includes(path);
  return { runner, facts: discoverFacts({ run: runner.run, readFile: files(fileEntries), exists, env, uid, pid: 4242 }) };
}

describe('discoverFacts without Docker', () => {
  it('reads a disabled ufw with empty rule sets and the host facts while the Docker daemon is down', async () => {
    const { facts } = discover(baseReplies);
    const { ufw, docker, host } = await facts;
    expect(ufw).toMatchObject({ installed: true, version: '0.36.2', enabled: false, ipv6: true, rules: [], installHint: null, warnings: [] });
    expect(ufw.policies).toEqual({ incoming: 'deny', outgoing: 'allow', routed: 'deny' });
    expect(docker.available).toBe(false);
    expect(docker.reason).toMatch(/daemon is not answering.*Cannot connect/);
    expect(host).toMatchObject({ root: true, hostname: 'edge1', ipv6Forwarding: true, globalIpv6: ['fd00::2'], hasIpv4: true, publicInterface: 'eth0' });
  });

  it('reads an enabled ufw with IPV6=no and flags it', async () => {
    const ipv6No = {
      ...baseFiles,
      '/etc/default/ufw': fixture('ufw/ipv6-no/default-ufw'),
      '/etc/ufw/ufw.conf': fixture('ufw/ipv6-no/ufw.conf'),
      '/etc/ufw/user.rules': fixture('ufw/ipv6-no/user.rules'),
      '/etc/ufw/user6.rules': fixture('ufw/ipv6-no/user6.rules'),
    };
    const { ufw } = await discover(baseReplies, ipv6No).facts;
    expect(ufw).toMatchObject({ installed: true, enabled: true, ipv6: false });
    expect(ufw.rules.filter((rule) => !rule.v6).map((rule) => rule.dport)).toEqual(['2222']);
    expect(ufw.warnings.join('\n')).toMatch(/IPV6=no in \/etc\/default\/ufw: ufw ignores every IPv6 rule/);
  });

  it('treats a missing docker command as a fact and fills the rest', async () => {
    const replies = Object.fromEntries(Object.entries(baseReplies).filter(([command]) => !command.startsWith('docker')));
    const { ssh, ufw, docker, host } = await discover(replies).facts;
    expect(docker).toMatchObject({ available: false, reason: 'Docker is not installed (no docker command).', containers: [], networks: [] });
    expect(ssh.ports.length).toBeGreaterThan(0);
    expect(ufw.installed).toBe(true);
    expect(host.globalIpv6).toEqual(['fd00::2']);
  });

  it('says how to install ufw when it is missing', async () => {
    const replies = Object.fromEntries(Object.entries(baseReplies).filter(([command]) => !command.startsWith('ufw')));
    const { runner, facts } = discover(replies, baseFiles, { PATH: '/usr/local/bin:/usr/bin:/bin' }, 0, []);
    const { ufw } = await facts;
    expect(ufw).toMatchObject({ installed: false, version: null, enabled: false, installHint: 'apt-get install ufw' });
    // No ufw on PATH, in /usr/sbin or /sbin: nothing was started to find that out.
    expect(runner.calls.filter((argv) => argv[0]?.endsWith('ufw') || argv[0] === 'dpkg-query')).toEqual([]);
  });

  it("reads ufw's version from dpkg without starting ufw (Python)", async () => {
    const { runner, facts } = discover(baseReplies);
    expect((await facts).ufw).toMatchObject({ installed: true, version: '0.36.2', warnings: [] });
    expect(runner.calls.filter((argv) => argv[0]?.endsWith('ufw'))).toEqual([]);
  });

  it('asks ufw itself when dpkg does not have it installed or there is no dpkg-query', async () => {
    const { [DPKG_UFW]: _dpkg, ...noDpkg } = baseReplies;
    const notInstalled = { ...baseReplies, [DPKG_UFW]: { stdout: fixture('ufw/dpkg-query-not-installed.txt') } };
    const captured = JSON.parse(fixture('ufw/captured.json')) as Record<string, { exitCode: number; stderr: string }>;
    const unknownPackage = captured['dpkg-query-unknown-package.txt'];
    const unknown = { ...baseReplies, [DPKG_UFW]: { exitCode: unknownPackage?.exitCode, stderr: unknownPackage?.stderr } };
    for (const replies of [noDpkg, notInstalled, unknown]) {
      // A ufw installed from elsewhere, found on PATH.
      const { runner, facts } = discover(replies, baseFiles, { PATH: '/usr/local/sbin:/usr/bin' }, 0, ['/usr/local/sbin/ufw']);
      expect((await facts).ufw).toMatchObject({ installed: true, version: '0.36.2' });
      expect(runner.calls.filter((argv) => argv[0]?.endsWith('ufw'))).toEqual([['ufw', 'version']]);
    }
  });

  it('takes ufw as missing when dpkg still lists it but its program is gone', async () => {
    const { runner, facts } = discover({ ...baseReplies, [DPKG_UFW]: { stdout: 'deinstall ok config-files 0.36.2-1' } }, baseFiles, {}, 0, []);
    expect((await facts).ufw).toMatchObject({ installed: false, installHint: 'apt-get install ufw' });
    expect(runner.calls.filter((argv) => argv[0]?.endsWith('ufw'))).toEqual([]);
  });

  it('always includes the session port, even when sshd -T fails', async () => {
    const replies: Record<string, Reply> = {
      ...baseReplies,
      'sshd -T': { exitCode: 1, stderr: fixture('discovery/sshd/sshd-T-no-hostkeys.stderr') },
      'ss -Htnp state listening state established': { stdout: '' },
    };
    const fromEnv = await discover(replies, baseFiles, { SSH_CONNECTION: '2001:db8::9 50000 2001:db8::1 2222' }).facts;
    expect(fromEnv.ssh.sessionPort).toBe(2222);
    expect(fromEnv.ssh.ports).toContain(2222);
    expect(fromEnv.ssh.warnings.join('\n')).toMatch(/no hostkeys available/);
  });

  it('reads the session port from the sshd among its ancestors under sudo', async () => {
    const sockets = fixture('discovery/ss/ss-Htnp-listening-established-sshd-2222-loopback-22.txt').replaceAll('[::1]', '[2001:db8::1]');
    const replies: Record<string, Reply> = { ...baseReplies, 'ss -Htnp state listening state established': { stdout: sockets } };
    // The captured sshd child that owns the accepted connection.
    const sshdPid = parseSsListeningAndEstablished(sockets).value.established.find((socket) => socket.localPort === 2222)?.processes[0]?.pid;
    const withTree = {
      ...baseFiles,
      '/proc/4242/stat': '4242 (node) S 4100',
      '/proc/4100/stat': `4100 (sudo) S ${sshdPid}`,
      [`/proc/${sshdPid}/stat`]: `${sshdPid} (sshd) S 1`,
    };
    const { ssh } = await discover(replies, withTree, { SUDO_USER: 'ops' }).facts;
    expect(ssh.sessionPort).toBe(2222);
    expect(ssh.ports).toEqual([22, 2222]);
  });

  it('reports unreadable rule files and sources when not root', async () => {
    const replies: Record<string, Reply> = {
      ...baseReplies,
      'sshd -T': { exitCode: Number(fixture('discovery/sshd/sshd-T-not-root.exitcode')), stderr: fixture('discovery/sshd/sshd-T-not-root.stderr') },
      'ip6tables-save': {
        exitCode: Number(fixture('discovery/ip6tables/ip6tables-save-not-root.exitcode')),
        stderr: fixture('discovery/ip6tables/ip6tables-save-not-root.stderr'),
      },
    };
    const { '/etc/ufw/user.rules': _v4, '/etc/ufw/user6.rules': _v6, ...readable } = baseFiles;
    const { ufw, ssh, docker, host } = await discover(replies, readable, { SSH_CONNECTION: '203.0.113.5 50000 192.0.2.1 22' }, 1000).facts;
    expect(host.root).toBe(false);
    expect(ufw.warnings.join('\n')).toMatch(/Could not read \/etc\/ufw\/user6.rules \(run v6wall as root/);
    expect(ssh.warnings.join('\n')).toMatch(/no hostkeys available -- exiting\. \(run v6wall as root/);
    expect(ssh.ports).toContain(22);
    expect(docker.warnings.join('\n')).toMatch(/Permission denied \(you must be root\)/);
  });
});

describe('discoverFacts with Docker 20.10 running (lab capture)', () => {
  const dir = 'docker/v20.10-ip6tables-on';
  const networkIds = (JSON.parse(fixture(`${dir}/network-inspect.json`)) as { Id: string }[]).map((network) => network.Id);
  const dockerReplies: Record<string, Reply> = {
    ...baseReplies,
    'docker version': { stdout: fixture(`${dir}/version.json`) },
    'docker ps': { stdout: fixture(`${dir}/ps.jsonl`) },
    'docker inspect': { stdout: fixture(`${dir}/inspect.json`) },
    // `docker network ls --quiet --no-trunc` prints one full id a line: the ids of the captured networks.
    'docker network ls': { stdout: `${networkIds.join('\n')}\n` },
    'docker network inspect': { stdout: fixture(`${dir}/network-inspect.json`) },
    'ip6tables-save': { stdout: fixture('ip6tables/docker20.10-ip6tables-on-ufw-active.ip6tables-save') },
  };
  const dockerFiles = { ...baseFiles, '/etc/docker/daemon.json': fixture(`${dir}/daemon.json`) };
  const count = (calls: string[][], prefix: string[]) => calls.filter((argv) => prefix.every((word, index) => argv[index] === word)).length;

  it('asks docker ps, docker inspect and docker network inspect exactly once each', async () => {
    const { runner, facts } = discover(dockerReplies, dockerFiles);
    const { docker } = await facts;
    expect(count(runner.calls, ['docker', 'ps'])).toBe(1);
    expect(count(runner.calls, ['docker', 'inspect'])).toBe(1);
    expect(count(runner.calls, ['docker', 'network', 'inspect'])).toBe(1);
    const psIds = fixture(`${dir}/ps.jsonl`)
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { ID: string }).ID);
    expect(runner.calls.find((argv) => argv[1] === 'inspect')?.slice(-psIds.length)).toEqual(psIds);
    expect(runner.calls.find((argv) => argv[2] === 'inspect')?.slice(3)).toEqual(networkIds);
    expect(docker).toMatchObject({
      available: true,
      reason: null,
      serverVersion: expect.stringMatching(/^20\.10\./),
      ip6tablesChainsLive: true,
      ip6DockerUserChain: false,
    });
    expect(docker.daemonConfig).toEqual({ experimental: true, ip6tables: true });
    expect(docker.containers.map((container) => container.name)).toEqual(['exposed-only', 'v4only', 'web6']);
  });

  it('still asks once each with many containers', async () => {
    const line = fixture(`${dir}/ps.jsonl`).trim().split('\n')[0] ?? '';
    const many = Array.from({ length: 120 }, (_, index) => line.replace(/"ID":"[0-9a-f]+"/, `"ID":"${index.toString(16).padStart(64, '0')}"`)).join('\n');
    const { runner, facts } = discover({ ...dockerReplies, 'docker ps': { stdout: many } }, dockerFiles);
    const { docker } = await facts;
    expect(count(runner.calls, ['docker', 'inspect'])).toBe(1);
    expect(runner.calls.find((argv) => argv[1] === 'inspect')?.length).toBe(4 + 120);
    expect(count(runner.calls, ['docker', 'ps'])).toBe(1);
    expect(count(runner.calls, ['docker', 'network', 'inspect'])).toBe(1);
    expect(docker.containers).toHaveLength(120);
  });

  it('runs only read-only commands', async () => {
    const { runner, facts } = discover(dockerReplies, dockerFiles);
    await facts;
    const commands = runner.calls.map((argv) => argv.filter((word) => !/^[0-9a-f]{64}$/.test(word)).join(' '));
    expect([...new Set(commands)].sort()).toEqual([
      '/usr/sbin/nft --stateless -j list ruleset',
      'docker inspect --type container',
      'docker network inspect',
      'docker network ls --quiet --no-trunc',
      'docker ps --all --no-trunc --format {{json .}}',
      'docker version --format {{json .}}',
      'dpkg-query -W -f=${Status} ${Version} ufw',
      'ip -j -4 addr show',
      'ip -j -6 addr show scope global',
      'ip -j -6 neigh show proxy',
      'ip -j -6 route show default',
      'ip6tables-save',
      // nft is not installed in this replay: discovery looks for it on PATH, then in /usr/sbin.
      'nft --stateless -j list ruleset',
      'ss -Htnp state listening state established',
      'sshd -T',
    ]);
  });
});

describe('discoverFacts with Docker 28.5 (lab capture, no daemon.json)', () => {
  const dir = 'discovery/docker/v28.5-routed-nat';
  const replies: Record<string, Reply> = {
    ...baseReplies,
    'docker version': { stdout: fixture(`${dir}/version.json`) },
    'docker ps': { stdout: fixture(`${dir}/ps.jsonl`) },
    'docker inspect': { stdout: fixture(`${dir}/inspect.json`) },
    'docker network ls': { stdout: fixture(`${dir}/network-ls.txt`) },
    'docker network inspect': { stdout: fixture(`${dir}/network-inspect.json`) },
    'ip6tables-save': { stdout: fixture(`${dir}/ip6tables-save-filter.txt`) },
    'ip -j -6 addr show scope global': { stdout: fixture('host/ipv6-only/ip-j-6-addr-global.json') },
    'ip -j -4 addr show': { stdout: fixture('host/ipv6-only/ip-j-4-addr.json') },
    // The lab's server namespace has no default route (captured in an empty namespace).
    'ip -j -6 route show default': { stdout: fixture('discovery/ip/ip-j-6-route-show-default-none.json') },
  };

  it('fills every Docker fact from one call of each kind', async () => {
    const { runner, facts } = discover(replies);
    const { docker, host } = await facts;
    expect(docker).toMatchObject({
      available: true,
      serverVersion: '28.5.2+dfsg4',
      daemonConfig: {},
      daemonConfigError: null,
      ip6tablesChainsLive: true,
      ip6DockerUserChain: true,
      warnings: [],
    });
    expect(docker.containers.map((container) => container.name)).toEqual(['exposed-only', 'nat-web', 'routed-web', 'v4only']);
    expect(docker.networks.find((network) => network.name === 'v6routed')?.gatewayModeIpv6).toBe('routed');
    for (const prefix of [
      ['docker', 'ps'],
      ['docker', 'inspect'],
      ['docker', 'network', 'inspect'],
    ]) {
      expect(runner.calls.filter((argv) => prefix.every((word, index) => argv[index] === word))).toHaveLength(1);
    }
    expect(host).toMatchObject({ globalIpv6: ['2001:db8:1234:1::2'], hasIpv4: false, publicInterface: 'eth0' });
  });

  it('reports an invalid daemon.json without failing discovery', async () => {
    const { docker } = await discover(replies, { ...baseFiles, '/etc/docker/daemon.json': '{ "ipv6": true,' }).facts;
    expect(docker.available).toBe(true);
    expect(docker.daemonConfigError).toMatch(/is not valid JSON/);
  });
});
