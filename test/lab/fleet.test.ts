// Issue 12: the same choices across a fleet, with the real ansible-playbook over real SSH to three
// lab hosts at once, one host at a time (serial: 1, max_fail_percentage: 0).
// - --check shows every host's plan and changes no firewall;
// - the rollout applies and confirms (over a NEW connection) on every host: the chosen openings
//   are reachable and the rest refused, by real connections;
// - a second run reports changed=0 on every host;
// - a host whose SSH is reached on a port v6wall cannot see (a forwarder in front of sshd, like
//   sslh) loses new SSH connections after its apply: the confirmation never comes, the rollout
//   stops there, and that host's own watchdog rolls its firewall back;
// - whatever the playbook wrote on a host stayed in that host's lab folders: the machine's
//   /usr/local/bin, /usr/local/lib, /var/lib/v6wall and /etc/ufw are unchanged.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { startDetached, waitFor } from './exec.js';
import { LAB_ADDRESSES, LAB_SSH_PORT, REPO_ROOT, V6WALL_JS, skipLab } from './harness.js';
import { ansibleEnv, parseRecap, runPlaybook, startFleet, writeInventory, type Fleet, type FleetHost, type InventoryHost } from './fleet.js';

const skip = skipLab();
const ansibleMissing = spawnSync('sh', ['-c', 'command -v ansible-playbook'], { stdio: 'ignore' }).status !== 0;
if (!skip && ansibleMissing && process.env.V6WALL_LAB === 'required') throw new Error('ansible-playbook is missing (apt-get install ansible)');

const PLAYBOOK = join(REPO_ROOT, 'ansible/fleet.yml');
// The role's state directory (its default), inside each host's private view of /var/lib; the lab's
// own shells point V6WALL_STATE_DIR elsewhere, so commands run here name it.
const ROLE_STATE_DIR = '/var/lib/v6wall';
const FORWARDER_PORT = 2200;
const CONFIRM_TIMEOUT_SEC = 30;
const CHOICES = { v6wall_route: ['web:80'], v6wall_publish: ['api:8081'], v6wall_confirm_timeout: CONFIRM_TIMEOUT_SEC };

/** Container addresses differ from host to host: the fleet names containers, each host finds its own. */
const addressesOf = (index: number) => ({
  web: `2001:db8:1234:a1:1::1${index}`,
  api: `2001:db8:1234:a1:1::2${index}`,
  db: `2001:db8:1234:a1:1::3${index}`,
});

/** A TCP forwarder in front of sshd, the way sslh shares a port: v6wall sees no sshd listening on its port. */
const FORWARDER = `
const net = require('node:net');
net.createServer((client) => {
  const upstream = net.connect(${LAB_SSH_PORT}, '::1');
  client.pipe(upstream).pipe(client);
  const close = () => { client.destroy(); upstream.destroy(); };
  client.on('error', close); upstream.on('error', close);
}).listen(${FORWARDER_PORT}, '::');
`;

function machineFingerprint(): string {
  const hash = createHash('sha256');
  for (const dir of ['/usr/local/bin', '/usr/local/lib']) {
    for (const name of readdirSync(dir).sort()) hash.update(`${dir}/${name} ${statSync(join(dir, name)).mtimeMs}\n`);
  }
  for (const path of ['/var/lib/v6wall', '/usr/local/lib/v6wall', '/usr/local/bin/v6wall']) hash.update(`${path} ${existsSync(path)}\n`);
  for (const file of ['/etc/ufw/user6.rules', '/etc/ufw/user.rules', '/etc/ufw/after6.rules', '/etc/ufw/ufw.conf', '/etc/default/ufw']) {
    hash.update(existsSync(file) ? readFileSync(file) : 'missing');
  }
  return hash.digest('hex');
}

describe.skipIf(skip || ansibleMissing)('a fleet of three hosts through ansible-playbook', () => {
  let fleet: Fleet;
  let env: Record<string, string>;
  const machineBefore = machineFingerprint();
  const timings: Record<string, number> = {};

  const inventoryHost = (host: FleetHost, port: number): InventoryHost => ({ name: host.name, address: host.address, port, key: host.lab.paths.sshClientKey });
  const playbook = async (inventory: string, extra: string[] = []) => {
    const started = performance.now();
    const result = await runPlaybook(fleet, ['-i', inventory, PLAYBOOK, ...extra], env);
    return { ...result, seconds: (performance.now() - started) / 1000, recap: parseRecap(result.stdout) };
  };
  const ufwActive = async (host: FleetHost) => /Status: active/.test((await host.lab.ufw(['status'])).stdout);

  beforeAll(async () => {
    if (!existsSync(V6WALL_JS)) throw new Error(`${V6WALL_JS} missing: run npm run build`);
    const started = performance.now();
    fleet = await startFleet(3);
    timings.fleetStart = (performance.now() - started) / 1000;
    timings.containers = 0;
    await Promise.all(
      fleet.hosts.map(async ({ lab }, index) => {
        await lab.createNetwork({ name: 'v6net', subnet6: LAB_ADDRESSES.containerSubnet });
        const addresses = addressesOf(index + 1);
        await lab.runContainers([
          { name: 'web', network: 'v6net', ip6: addresses.web },
          { name: 'api', network: 'v6net', ip6: addresses.api, publish: ['8081:80'] },
          { name: 'db', network: 'v6net', ip6: addresses.db, expose: ['80'] },
        ]);
      }),
    );
    timings.containers = (performance.now() - started) / 1000 - timings.fleetStart;
    const second = fleet.hosts[1];
    if (second === undefined) throw new Error('fleet has no second host');
    const forwarder = join(second.lab.dir, 'forwarder.cjs');
    writeFileSync(forwarder, FORWARDER);
    startDetached(second.lab.serverArgv([process.execPath, forwarder]), join(second.lab.dir, 'forwarder.log'));
    env = ansibleEnv(fleet.dir);
    await waitFor(
      "the forwarder in front of host2's sshd",
      async () => (await fleet.inOperator(['nc', '-z', '-w2', second.address, String(FORWARDER_PORT)])).exitCode === 0,
      15_000,
    );
    timings.setup = (performance.now() - started) / 1000;
  }, 300_000);

  afterAll(async () => {
    const problems = await fleet?.teardown();
    if (problems && problems.length > 0) console.warn(problems.join('\n'));
    console.log(`fleet timings (s): ${JSON.stringify(Object.fromEntries(Object.entries(timings).map(([key, value]) => [key, Math.round(value * 10) / 10])))}`);
  }, 120_000);

  it('--check shows the plan of every host and changes no firewall', async () => {
    const inventory = join(fleet.dir, 'check.yml');
    writeInventory(
      inventory,
      fleet.hosts.map((host) => inventoryHost(host, LAB_SSH_PORT)),
      CHOICES,
    );
    const result = await playbook(inventory, ['--check']);
    timings.check3 = result.seconds;
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    for (const [index, host] of fleet.hosts.entries()) {
      expect(result.recap[host.name]?.failed).toBe(0);
      expect(result.stdout).toContain(`ufw route allow proto tcp from any to ${addressesOf(index + 1).web} port 80`);
      expect(await ufwActive(host)).toBe(false);
    }
    expect(result.stdout.match(/ufw allow proto tcp from any to ::\/0 port 8081/g)).toHaveLength(3);
  }, 600_000);

  it('applies to all three hosts: the chosen openings reachable, the rest refused, by real connections', async () => {
    const inventory = join(fleet.dir, 'fleet.yml');
    writeInventory(
      inventory,
      fleet.hosts.map((host) => inventoryHost(host, LAB_SSH_PORT)),
      CHOICES,
    );
    const result = await playbook(inventory);
    timings.apply3 = result.seconds;
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    for (const [index, host] of fleet.hosts.entries()) {
      expect(result.recap[host.name], host.name).toMatchObject({ failed: 0, unreachable: 0 });
      expect(result.recap[host.name]?.changed, host.name).toBeGreaterThan(0);
      const addresses = addressesOf(index + 1);
      expect(await ufwActive(host)).toBe(true);
      expect(await host.lab.probeHttp(addresses.web, 80), `${host.name} web:80`).toBe('open');
      expect(await host.lab.probeHttp(LAB_ADDRESSES.server, 8081), `${host.name} host:8081`).toBe('open');
      expect(await host.lab.probeTcp(LAB_ADDRESSES.server, LAB_SSH_PORT), `${host.name} ssh`).toBe('open');
      expect(await host.lab.probeHttp(addresses.db, 80), `${host.name} db:80`).toBe('blocked');
      expect(await host.lab.probeHttp(addresses.api, 80), `${host.name} api's own address`).toBe('blocked');
      // Confirmed over the new connection: nothing awaits confirmation any more.
      const status = await host.lab.inServer(['/usr/local/bin/v6wall', 'status', '--json', '--state-dir', ROLE_STATE_DIR]);
      expect((JSON.parse(status.stdout) as { pending: unknown }).pending, status.stdout).toBeNull();
    }
    // What each host did, from the apply's JSON.
    expect(result.stdout.match(/"confirmCode": "[A-Z0-9]+"/g)).toHaveLength(3);
  }, 600_000);

  it('a second run changes nothing and says so (changed=0)', async () => {
    const result = await playbook(join(fleet.dir, 'fleet.yml'));
    timings.idempotent3 = result.seconds;
    expect(result.exitCode, result.stdout).toBe(0);
    for (const host of fleet.hosts) expect(result.recap[host.name], host.name).toMatchObject({ changed: 0, failed: 0, unreachable: 0 });
  }, 600_000);

  it('a host whose new SSH connections are cut is rolled back by its own watchdog, and the rollout stops there', async () => {
    const [first, second, third] = fleet.hosts;
    if (!first || !second || !third) throw new Error('fleet needs three hosts');
    // host2 back to where it started, then reached through the forwarder.
    const rollback = await second.lab.inServer(['/usr/local/bin/v6wall', 'rollback', '--state-dir', ROLE_STATE_DIR]);
    expect(rollback.exitCode, rollback.stderr).toBe(0);
    expect(await ufwActive(second)).toBe(false);
    const inventory = join(fleet.dir, 'forwarded.yml');
    writeInventory(inventory, [inventoryHost(first, LAB_SSH_PORT), inventoryHost(second, FORWARDER_PORT), inventoryHost(third, LAB_SSH_PORT)], CHOICES);
    const result = await playbook(inventory);
    timings.failingRun = result.seconds;
    expect(result.exitCode, result.stdout).not.toBe(0);
    expect(result.recap[first.name]).toMatchObject({ changed: 0, failed: 0, unreachable: 0 });
    expect(result.recap[second.name]?.unreachable, result.stdout).toBe(1);
    expect(result.stdout).toMatch(/Apply \(the watchdog[^\n]*\n(changed|ok): \[host2\]/);
    expect(result.stdout).toMatch(/Confirm from a new SSH connection[^\n]*\n(fatal|UNREACHABLE)[^\n]*\[host2\]: UNREACHABLE/);
    // The rollout stopped at host2: host3 was never contacted.
    expect(result.recap[third.name]).toBeUndefined();
    // Until its deadline host2 keeps the applied firewall (the forwarder's port cut), then its watchdog restores it.
    expect(await ufwActive(second)).toBe(true);
    await waitFor('host2 rolled back by its watchdog', async () => !(await ufwActive(second)), (CONFIRM_TIMEOUT_SEC + 30) * 1000);
    expect(await second.lab.probeHttp(addressesOf(2).db, 80)).toBe('open');
    expect((await fleet.inOperator(['nc', '-z', '-w2', second.address, String(FORWARDER_PORT)])).exitCode).toBe(0);
    expect(await ufwActive(first)).toBe(true);
    expect(await ufwActive(third)).toBe(true);
  }, 600_000);

  it("left the machine's own /usr/local, /var/lib/v6wall and /etc/ufw unchanged; each host's files are in its lab folder", () => {
    expect(machineFingerprint()).toBe(machineBefore);
    for (const host of fleet.hosts) {
      expect(existsSync(join(host.lab.paths.private['/usr/local/bin'] ?? '', 'v6wall')), host.name).toBe(true);
      expect(existsSync(join(host.lab.paths.private['/var/lib'] ?? '', 'v6wall')), host.name).toBe(true);
    }
  });
});
