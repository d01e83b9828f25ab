// Discovery through the Engine API: the same facts as through the docker CLI (both captured from
// the same lab daemon at the same moment, see test/fixtures/docker/api/), and the CLI whenever the
// API is not the local daemon's or does not answer.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mergeContainers, parseContainerSummaries, parseDockerInspect, parseDockerPs } from '../../src/core/parse/docker-containers.js';
import { parseDockerApiFirewallBackend, parseDockerApiVersion, parseDockerVersion } from '../../src/core/parse/docker-daemon.js';
import { parseDockerNetworks } from '../../src/core/parse/docker-networks.js';
import type { CommandResult, Runner } from '../../src/core/types/runner.js';
import { discoverDocker } from '../../src/host/discover-docker.js';
import { DEFAULT_DOCKER_SOCKET, dockerApiOnSocket, localDockerSocket, type DockerApiGet } from '../../src/host/docker-api.js';

const CAPTURES = ['v20.10-ip6tables-on', 'v28-nat-and-routed'] as const;
const fixture = (capture: string, name: string): string => readFileSync(new URL(`../fixtures/docker/api/${capture}/${name}`, import.meta.url), 'utf8');

/** Replays the captured API bodies (a stand-in for the daemon's socket, named as such). */
function capturedApi(capture: string): DockerApiGet & { paths: string[] } {
  const hidden = JSON.parse(fixture(capture, 'api-container-hidden.json')) as { Id: string };
  const bodies: Record<string, string> = {
    '/version': 'api-version.json',
    '/containers/json?all=1': 'api-containers.json',
    '/networks': 'api-networks.json',
    [`/containers/${hidden.Id}/json`]: 'api-container-hidden.json',
    // GET /info of a Docker 28.5.2 lab daemon (captured apart, see v28-info/captured.json); none for 20.10.
    ...(capture === 'v28-nat-and-routed' ? { '/info': '../v28-info/api-info.json' } : {}),
  };
  const paths: string[] = [];
  const get: DockerApiGet = async (path) => {
    paths.push(path);
    const name = bodies[path];
    return name === undefined ? { ok: true, status: 404, body: '{"message":"page not found"}' } : { ok: true, status: 200, body: fixture(capture, name) };
  };
  return Object.assign(get, { paths });
}

/** The socket tables of `hidden`'s main process, as root reads them; nothing else under /proc. */
function capturedProc(capture: string): (path: string) => Promise<string | null> {
  const pid = (JSON.parse(fixture(capture, 'api-container-hidden.json')) as { State: { Pid: number } }).State.Pid;
  return async (path) =>
    path === `/proc/${pid}/net/tcp6`
      ? fixture(capture, 'proc-net-tcp6-hidden.txt')
      : path === `/proc/${pid}/net/udp6`
        ? fixture(capture, 'proc-net-udp6-hidden.txt')
        : null;
}

/** Replays the captured docker CLI outputs of the same moment, and records what was asked. */
function capturedCli(capture: string): { run: Runner; calls: string[][] } {
  const calls: string[][] = [];
  const run: Runner = async (argv) => {
    calls.push([...argv]);
    const reply = (stdout: string, exitCode = 0): CommandResult => ({ argv: [...argv], exitCode, stdout, stderr: '', durationMs: 1, notFound: false });
    const line = argv.join(' ');
    if (line.startsWith('docker version')) return reply(fixture(capture, 'version.json'));
    if (line.startsWith('docker ps')) return reply(fixture(capture, 'ps.jsonl'));
    if (line.startsWith('docker inspect')) return reply(fixture(capture, 'inspect.json'));
    if (line.startsWith('docker network ls')) {
      const ids = (JSON.parse(fixture(capture, 'network-inspect.json')) as { Id: string }[]).map((network) => network.Id);
      return reply(`${ids.join('\n')}\n`);
    }
    if (line.startsWith('docker network inspect')) return reply(fixture(capture, 'network-inspect.json'));
    return reply('', 1);
  };
  return { run, calls };
}

describe('the Engine API readings', () => {
  for (const capture of CAPTURES) {
    it(`equal the docker CLI's for the same daemon (${capture})`, () => {
      const cli = mergeContainers(parseDockerPs(fixture(capture, 'ps.jsonl')).value, parseDockerInspect(fixture(capture, 'inspect.json')).value);
      const api = parseContainerSummaries(fixture(capture, 'api-containers.json'));
      expect(api.warnings).toEqual([]);
      expect(api.value.length).toBeGreaterThanOrEqual(5);
      expect(api.value).toEqual(cli.value);
      expect(parseDockerNetworks(fixture(capture, 'api-networks.json'))).toEqual(parseDockerNetworks(fixture(capture, 'network-inspect.json')));
      expect(parseDockerApiVersion(fixture(capture, 'api-version.json'))).toBe(parseDockerVersion(fixture(capture, 'version.json')));
    });
  }

  it('read ports as operators mean them: exposed only, published on both families, routed (no host port), udp and ranges', () => {
    const containers = parseContainerSummaries(fixture('v28-nat-and-routed', 'api-containers.json')).value;
    const byName = (name: string) => containers.find((container) => container.name === name);
    expect(byName('exposed-only')?.ports).toEqual([{ port: 9000, proto: 'tcp', published: [] }]);
    expect(byName('routed-web')?.ports).toEqual([
      {
        port: 80,
        proto: 'tcp',
        published: [
          { hostIp: '0.0.0.0', hostPort: 8084 },
          { hostIp: '::', hostPort: null },
        ],
      },
    ]);
    expect(byName('multi')?.ports.map((p) => `${p.port}/${p.proto}:${p.published.map((b) => b.hostPort).join(',')}`)).toEqual([
      '53/udp:5353,5353',
      '80/tcp:8090,8090',
      '7000/udp:',
      '9100/tcp:9100,9100',
      '9101/tcp:9101,9101',
    ]);
    // A legacy link adds "/linker/alias" to the linked container's names: its own name is kept.
    expect(containers.map((container) => container.name)).toContain('linked');
    expect(containers.map((container) => container.name)).not.toContain('linker/alias');
  });

  it('say what they could not read instead of failing', () => {
    expect(parseContainerSummaries('{"message":"oops"}').warnings[0]).toMatch(/something other than a JSON array/);
    expect(parseContainerSummaries('[{"Names":["/x"]}]')).toEqual({
      value: [],
      warnings: ['The Docker API listed a container without an Id; it was skipped.'],
    });
    expect(parseContainerSummaries('[{"Id":"a","Names":["/x"],"Ports":[{"PrivatePort":"80","Type":"tcp"}]}]').warnings[0]).toMatch(/cannot read: "80\/tcp"/);
  });
});

describe('discoverDocker', () => {
  it("asks the local daemon four things through the API (as root, also each running container's main process), and starts no docker process", async () => {
    const api = capturedApi('v28-nat-and-routed');
    const cli = capturedCli('v28-nat-and-routed');
    const viaApi = await discoverDocker({ run: cli.run, readFile: capturedProc('v28-nat-and-routed'), uid: 0, dockerApi: api });
    const running = viaApi.containers.filter((c) => c.state === 'running');
    const FOUR = ['/containers/json?all=1', '/info', '/networks', '/version'];
    expect(api.paths.filter((path) => !/^\/containers\/[0-9a-f]{64}\/json$/.test(path)).sort()).toEqual(FOUR);
    expect(api.paths.length).toBe(4 + running.length);
    expect(cli.calls.filter((argv) => argv[0] === 'docker')).toEqual([]);
    const viaCli = await discoverDocker({ run: capturedCli('v28-nat-and-routed').run, readFile: capturedProc('v28-nat-and-routed'), uid: 0 });
    // The same facts, and from /info the daemon's firewall backend, which the five CLI calls do not ask.
    const { firewallBackendInfo, ...rest } = viaApi;
    expect(firewallBackendInfo).toBe('iptables');
    expect(viaCli.firewallBackendInfo).toBeUndefined();
    expect(rest).toEqual(viaCli);
    expect(viaApi.available).toBe(true);
    // Not root: four requests, whatever the number of containers.
    const unprivileged = capturedApi('v28-nat-and-routed');
    await discoverDocker({ run: cli.run, readFile: async () => null, uid: 1000, dockerApi: unprivileged });
    expect(unprivileged.paths.sort()).toEqual(FOUR);
  });

  it("reads Docker's firewall backend from GET /info as Docker 28.5.2 answers it: FirewallBackend.Driver, or no such field with its firewall off", () => {
    const info = (name: string): string => readFileSync(new URL(`../fixtures/docker/api/v28-info/${name}`, import.meta.url), 'utf8');
    expect(parseDockerApiFirewallBackend(info('api-info.json'))).toBe('iptables');
    // "iptables": false, "ip6tables": false (how the lab emulates Docker 29's nftables backend): the field is missing.
    expect(info('api-info-firewall-off.json')).not.toContain('FirewallBackend');
    expect(parseDockerApiFirewallBackend(info('api-info-firewall-off.json'))).toBeNull();
    expect(parseDockerApiFirewallBackend('not json')).toBeNull();
  });

  it('lists stopped containers too (they keep their openings), with no address and no ports', async () => {
    const facts = await discoverDocker({
      run: capturedCli('v28-nat-and-routed').run,
      readFile: async () => null,
      uid: 0,
      dockerApi: capturedApi('v28-nat-and-routed'),
    });
    const stopped = facts.containers.find((c) => c.name === 'was-running');
    expect(stopped?.state).toBe('exited');
    expect(stopped?.networks.map((n) => n.ipv6)).toEqual([null]);
    expect(stopped?.ports).toEqual([]);
    expect(facts.containers.find((c) => c.name === 'stopped')?.state).toBe('created');
  });

  it('reads what listens inside a running container: undeclared ports are added, loopback-only ones are not', async () => {
    for (const capture of CAPTURES) {
      const facts = await discoverDocker({ run: capturedCli(capture).run, readFile: capturedProc(capture), uid: 0, dockerApi: capturedApi(capture) });
      const hidden = facts.containers.find((c) => c.name === 'hidden');
      expect(hidden?.ports).toEqual([
        { port: 5353, proto: 'udp', published: [], declared: false, listening: true },
        { port: 8088, proto: 'tcp', published: [], declared: false, listening: true },
        { port: 9999, proto: 'tcp', published: [], declared: false, listening: true },
      ]);
      // Containers whose sockets were not read keep Docker's ports as they are.
      expect(facts.containers.find((c) => c.name === 'exposed-only')?.ports).toEqual([{ port: 9000, proto: 'tcp', published: [] }]);
    }
  });

  it('asks the docker CLI when the API does not answer, and gets the same facts', async () => {
    const cli = capturedCli('v20.10-ip6tables-on');
    const silent: DockerApiGet = async () => ({ ok: false, error: 'connect ENOENT /var/run/docker.sock' });
    const facts = await discoverDocker({ run: cli.run, readFile: async () => null, uid: 0, dockerApi: silent });
    expect(cli.calls.filter((argv) => argv[0] === 'docker').map((argv) => argv.slice(0, 3).join(' '))).toEqual(
      expect.arrayContaining(['docker version --format', 'docker ps --all', 'docker inspect --type', 'docker network ls', 'docker network inspect']),
    );
    expect(facts.containers.map((c) => c.name)).toContain('web6');
  });

  it('keeps the facts it has when one API request fails, and says which', async () => {
    const api = capturedApi('v28-nat-and-routed');
    const flaky: DockerApiGet = async (path) => (path === '/networks' ? { ok: true, status: 500, body: '{"message":"boom"}' } : api(path));
    const facts = await discoverDocker({ run: capturedCli('v28-nat-and-routed').run, readFile: async () => null, uid: 0, dockerApi: flaky });
    expect(facts.containers.length).toBeGreaterThan(0);
    expect(facts.networks).toEqual([]);
    expect(facts.warnings).toContain('Could not list Docker networks: the Docker API answered /networks with HTTP 500: {"message":"boom"}');
  });
});

describe('localDockerSocket', () => {
  const noFile = async () => null;
  it('is /var/run/docker.sock by default, and DOCKER_HOST when it names a unix socket', async () => {
    expect(await localDockerSocket({}, noFile)).toEqual({ socket: DEFAULT_DOCKER_SOCKET });
    expect(await localDockerSocket({ DOCKER_HOST: 'unix:///run/lab/docker.sock' }, noFile)).toEqual({ socket: '/run/lab/docker.sock' });
  });

  it('leaves a remote DOCKER_HOST or another docker context to the docker CLI', async () => {
    expect(await localDockerSocket({ DOCKER_HOST: 'tcp://10.0.0.5:2376' }, noFile)).toEqual({ cliOnly: 'DOCKER_HOST is tcp://10.0.0.5:2376' });
    expect(await localDockerSocket({ DOCKER_CONTEXT: 'prod' }, noFile)).toEqual({ cliOnly: 'DOCKER_CONTEXT is prod' });
    const config = async (path: string) => (path === '/root/.docker/config.json' ? '{"currentContext":"remote"}' : null);
    expect(await localDockerSocket({ HOME: '/root' }, config)).toEqual({ cliOnly: 'the docker context is remote' });
    const defaultContext = async () => '{"currentContext":"default","auths":{}}';
    expect(await localDockerSocket({ HOME: '/root' }, defaultContext)).toEqual({ socket: DEFAULT_DOCKER_SOCKET });
  });
});

describe('dockerApiOnSocket', () => {
  it('reports a socket nobody listens on as an answer-less failure, without throwing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'v6wall-api-'));
    try {
      const response = await dockerApiOnSocket(join(dir, 'docker.sock'), 2000)('/version');
      expect(response.ok).toBe(false);
      expect(!response.ok && response.error).toMatch(/ENOENT/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
