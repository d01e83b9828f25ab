// The lab itself: routing, a real UFW confined to the server namespace, a real dockerd and sshd.
// No v6wall code here; if this fails, every other lab test is meaningless.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './exec.js';
import { DOCKER28_ROOT, skipDocker28 } from './docker28.js';
import { LAB_ADDRESSES, LAB_SSH_PORT, REPO_ROOT, cleanupStaleLabs, labTitle, skipLab, startLab, type Lab } from './harness.js';

const skip = skipLab();
const web = '2001:db8:1234:a1:1::ab53';
const hidden = '2001:db8:1234:a1:1::ab54';

/** What the machine's own firewall looks like; the lab must leave it exactly so. */
async function hostFirewall(): Promise<string> {
  const status = await run(['ufw', 'status', 'verbose']);
  const files = ['/etc/ufw/user6.rules', '/etc/ufw/user.rules', '/etc/ufw/ufw.conf', '/etc/default/ufw'].map((file) => readFileSync(file, 'utf8'));
  return [status.stdout, ...files, `/etc/docker/key.json exists: ${existsSync('/etc/docker/key.json')}`].join('\n');
}

describe.skipIf(skip)(labTitle('the lab harness'), () => {
  let lab: Lab;
  let hostBefore: string;

  beforeAll(async () => {
    hostBefore = await hostFirewall();
    lab = await startLab();
    await lab.createNetwork({ name: 'v6net', subnet6: LAB_ADDRESSES.containerSubnet });
    await lab.runContainer({ name: 'web', network: 'v6net', ip6: web, publish: ['8081:80'] });
    await lab.runContainer({ name: 'hidden', network: 'v6net', ip6: hidden, expose: ['80'] });
  });
  afterAll(async () => {
    const problems = await lab?.teardown();
    expect(problems ?? []).toEqual([]);
  });

  it('routes the container prefix from the client while ufw is inactive', async () => {
    expect((await lab.ufw(['status'])).stdout).toContain('Status: inactive');
    expect(await lab.probeHttp(web, 80)).toBe('open');
    expect(await lab.probeHttp(hidden, 80)).toBe('open');
    expect(await lab.probeHttp(LAB_ADDRESSES.server, 8081)).toBe('open');
    expect(await lab.probeTcp(LAB_ADDRESSES.server, LAB_SSH_PORT)).toBe('open');
  });

  it('sees its own ufw state, daemon.json and sshd_config inside the server namespace', async () => {
    const seen = await lab.inServer(['sh', '-c', 'grep ^ENABLED /etc/ufw/ufw.conf; ls /etc/docker; grep ^Port /etc/ssh/sshd_config']);
    expect(seen.stdout).toContain('ENABLED=no');
    expect(seen.stdout).toContain('key.json'); // written by the lab's dockerd into the lab's /etc/docker
    expect(seen.stdout).toContain(`Port ${LAB_SSH_PORT}`);
    const version = await lab.docker(['version', '--format', '{{.Server.Version}}']);
    expect(version.stdout).toMatch(/^\d+\.\d+/);
  });

  it('ufw default deny incoming blocks 2222 unless allowed', async () => {
    for (const args of [
      ['default', 'deny', 'incoming'],
      ['default', 'deny', 'routed'],
      ['--force', 'enable'],
    ]) {
      expect((await lab.ufw(args)).exitCode).toBe(0);
    }
    expect(await lab.probeTcp(LAB_ADDRESSES.server, LAB_SSH_PORT)).toBe('blocked');
    expect((await lab.ufw(['allow', 'to', '::/0', 'port', String(LAB_SSH_PORT), 'proto', 'tcp'])).exitCode).toBe(0);
    expect(await lab.probeTcp(LAB_ADDRESSES.server, LAB_SSH_PORT)).toBe('open');
    expect(await lab.probeTcp(hidden, 80)).toBe('blocked'); // Docker 20.10, ip6tables off: UFW's routed deny decides
    expect((await lab.ufw(['route', 'allow', 'proto', 'tcp', 'from', 'any', 'to', hidden, 'port', '80'])).exitCode).toBe(0);
    expect(await lab.probeHttp(hidden, 80)).toBe('open');
    expect(readFileSync(`${lab.paths.ufwEtc}/user6.rules`, 'utf8')).toContain(`### tuple ### route:allow tcp 80 ${hidden} any ::/0 in`);
  });

  it('a real key-based SSH login works and sees the lab, not the machine', async () => {
    const login = await lab.inClient(
      [
        'ssh',
        '-i',
        lab.paths.sshClientKey,
        '-p',
        String(LAB_SSH_PORT),
        '-o',
        'StrictHostKeyChecking=no',
        '-o',
        'UserKnownHostsFile=/dev/null',
        '-o',
        'BatchMode=yes',
        `root@${LAB_ADDRESSES.server}`,
        'grep ^ENABLED /etc/ufw/ufw.conf; echo "$DOCKER_HOST"',
      ],
      { timeoutMs: 20_000 },
    );
    expect(login.exitCode).toBe(0);
    expect(login.stdout).toContain('ENABLED=yes');
    expect(login.stdout).toContain(lab.dockerHost);
  });

  it("leaves the machine's own firewall untouched", async () => {
    expect(await hostFirewall()).toBe(hostBefore);
  });
});

describe.skipIf(skip)(labTitle('a lab whose run was killed'), () => {
  it('is removed completely by cleanupStaleLabs', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'test/lab/stale-lab-child.ts')], { stdio: ['ignore', 'pipe', 'inherit'] });
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        out += chunk;
        if (out.includes('\n')) resolve(out.split('\n')[0] ?? '');
      });
      child.on('exit', (code) => reject(new Error(`stale-lab-child exited early (${code})`)));
    });
    const started = JSON.parse(line) as { id: string; dir: string; serverNs: string; clientNs: string };
    const sshdPid = Number.parseInt(readFileSync(join(started.dir, 'sshd.pid'), 'utf8'), 10);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    expect(existsSync(`/var/run/netns/${started.serverNs}`)).toBe(true); // left behind, as after a crash

    expect(await cleanupStaleLabs()).toContain(started.id);
    expect(existsSync(started.dir)).toBe(false);
    expect(existsSync(`/var/run/netns/${started.serverNs}`)).toBe(false);
    expect(existsSync(`/var/run/netns/${started.clientNs}`)).toBe(false);
    expect(existsSync(`/proc/${sshdPid}`)).toBe(false);
  });
});

const noDocker28 = skipDocker28();
const docker28Title = noDocker28 ? ` [skipped: no unpacked Docker 28 in ${DOCKER28_ROOT}; run npx tsx test/lab/docker28.ts]` : '';

describe.skipIf(skip || noDocker28)(labTitle(`the lab with Docker 28 from Debian sid${docker28Title}`), () => {
  let lab: Lab;
  const natWeb = '2001:db8:1234:a1:1::10';
  const routedWeb = '2001:db8:1234:a1:2::10';

  beforeAll(async () => {
    lab = await startLab({ docker: { unpackedRoot: DOCKER28_ROOT }, sshd: false });
    await lab.createNetwork({ name: 'natnet', subnet6: LAB_ADDRESSES.containerSubnet });
    await lab.createNetwork({ name: 'routednet', subnet6: '2001:db8:1234:a1:2::/80', options: { 'com.docker.network.bridge.gateway_mode_ipv6': 'routed' } });
    await lab.runContainer({ name: 'nat-web', network: 'natnet', ip6: natWeb, publish: ['8081:80'] });
    await lab.runContainer({ name: 'routed-web', network: 'routednet', ip6: routedWeb, publish: ['8082:80'] });
  });
  afterAll(async () => {
    expect((await lab?.teardown()) ?? []).toEqual([]);
  });

  it('runs dockerd 28 with its own CLI', async () => {
    expect((await lab.docker(['version', '--format', '{{.Server.Version}} {{.Client.Version}}'])).stdout).toMatch(/^28\.\S+ 28\./);
  });

  it('behaves as DOMAIN.md says with UFW inactive: nat drops direct, routed forwards direct', async () => {
    expect(await lab.probeHttp(natWeb, 80)).toBe('blocked');
    expect(await lab.probeHttp(LAB_ADDRESSES.server, 8081)).toBe('open');
    expect(await lab.probeHttp(routedWeb, 80)).toBe('open');
    const ports = await lab.docker(['inspect', '-f', '{{json .NetworkSettings.Ports}}', 'routed-web']);
    expect(ports.stdout).toContain('{"HostIp":"::","HostPort":""}');
  });
});
