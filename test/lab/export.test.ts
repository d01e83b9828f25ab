// Issue 12: the export formats on real hosts.
// - the community.general.ufw playbook that `v6wall export --format ansible` prints, applied by the
//   real ansible-playbook over SSH to a fresh lab host, gives the same UFW ruleset as `v6wall apply`
//   of the same choices on another (rules compared parsed), and a second run reports changed=0;
// - the ip6tables-restore file passes `ip6tables-restore --test` and, loaded in a lab host, lets
//   through exactly what the plan opens (real connections).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { parseUfwRules } from '../../src/core/parse/ufw-rules.js';
import { parseUfwDefaults } from '../../src/core/parse/ufw-config.js';
import { run } from './exec.js';
import { LAB_ADDRESSES, LAB_SSH_PORT, skipLab, startLab, type Lab } from './harness.js';
import { ansibleEnv, parseRecap, runPlaybook, writeInventory } from './fleet.js';

const skip = skipLab();
const ansibleMissing = spawnSync('sh', ['-c', 'command -v ansible-playbook'], { stdio: 'ignore' }).status !== 0;
if (!skip && ansibleMissing && process.env.V6WALL_LAB === 'required') throw new Error('ansible-playbook is missing (apt-get install ansible)');

const web = '2001:db8:1234:a1:1::10';
const api = '2001:db8:1234:a1:1::20';
const db = '2001:db8:1234:a1:1::30';
const SELECTION = ['--route', 'web:80', '--publish', 'api:8081'];

async function withContainers(lab: Lab): Promise<void> {
  await lab.createNetwork({ name: 'v6net', subnet6: LAB_ADDRESSES.containerSubnet });
  await lab.runContainers([
    { name: 'web', network: 'v6net', ip6: web },
    { name: 'api', network: 'v6net', ip6: api, publish: ['8081:80'] },
    { name: 'db', network: 'v6net', ip6: db, expose: ['80'] },
  ]);
}

/** The bridge of the lab's Docker network v6net: br-<network id>, random per daemon. */
async function v6netBridge(lab: Lab): Promise<string> {
  const inspected = await lab.docker(['network', 'inspect', 'v6net', '--format', '{{.Id}}']);
  expect(inspected.exitCode, inspected.stderr).toBe(0);
  return `br-${inspected.stdout.trim().slice(0, 12)}`;
}

/**
 * What UFW enforces, as data: both rule files parsed (the raw line and its spacing left out), the
 * policies, enabled. v6net's bridge is named by its network, since each host's Docker names it by a
 * random id: the rest must match exactly.
 */
async function ufwRuleset(lab: Lab) {
  const bridge = await v6netBridge(lab);
  const byNetwork = (name: string | null) => (name === bridge ? 'bridge of v6net' : name);
  const rules = (file: string, v6: boolean) =>
    parseUfwRules(readFileSync(join(lab.paths.ufwEtc, file), 'utf8'), v6).value.map(({ raw: _raw, ...rule }) => ({
      ...rule,
      inInterface: byNetwork(rule.inInterface),
      outInterface: byNetwork(rule.outInterface),
    }));
  const defaults = parseUfwDefaults(readFileSync(lab.paths.ufwDefault, 'utf8')).value;
  return {
    v4: rules('user.rules', false),
    v6: rules('user6.rules', true),
    defaults,
    enabled: /^ENABLED=yes/m.test(readFileSync(join(lab.paths.ufwEtc, 'ufw.conf'), 'utf8')),
  };
}

describe.skipIf(skip || ansibleMissing)('export formats on real hosts', () => {
  let applied: Lab;
  let fresh: Lab;
  let playbook: string;
  let rulesFile: string;

  beforeAll(async () => {
    [applied, fresh] = await Promise.all([startLab(), startLab()]);
    await Promise.all([withContainers(applied), withContainers(fresh)]);
    const exported = await fresh.runV6wall(['export', '--format', 'ansible', ...SELECTION]);
    expect(exported.exitCode, exported.stderr).toBe(0);
    playbook = join(fresh.dir, 'v6wall.yml');
    writeFileSync(playbook, exported.stdout);
    // Exported on the host it is loaded on: the file names that host's Docker bridges (br-<network id>,
    // random per daemon) in its container egress rules, so another host's file would cut this one's egress.
    const restore = await applied.runV6wall(['export', '--format', 'ip6tables-restore', ...SELECTION]);
    expect(restore.exitCode, restore.stderr).toBe(0);
    rulesFile = restore.stdout;
  }, 300_000);

  afterAll(async () => {
    await Promise.all([applied?.teardown(), fresh?.teardown()]);
  }, 120_000);

  it('the exported playbook gives the same parsed UFW ruleset as v6wall apply, and a second run changes nothing', async () => {
    const apply = await applied.runV6wall(['apply', ...SELECTION, '--yes', '--json', '--state-dir', join(applied.dir, 'state'), '--confirm-timeout', '600']);
    expect(apply.exitCode, apply.stderr).toBe(0);
    const code = (JSON.parse(apply.stdout) as { confirmCode: string }).confirmCode;
    expect((await applied.runV6wall(['confirm', code, '--state-dir', join(applied.dir, 'state')])).exitCode).toBe(0);

    const inventory = join(fresh.dir, 'inventory.yml');
    writeInventory(inventory, [{ name: 'fresh', address: LAB_ADDRESSES.server, port: LAB_SSH_PORT, key: fresh.paths.sshClientKey }], {});
    const env = ansibleEnv(fresh.dir);
    // The play's hosts come from an extra variable: inventory variables are not known yet when a play's
    // hosts are chosen (without it the play targets the exported host's hostname, and matches nothing here).
    const ansible = (file: string) => runPlaybook({ inOperator: fresh.inClient, dir: fresh.dir }, ['-i', inventory, '-e', 'v6wall_hosts=fresh', file], env);
    const first = await ansible(playbook);
    expect(first.exitCode, first.stdout + first.stderr).toBe(0);
    expect(parseRecap(first.stdout).fresh?.changed, first.stdout).toBeGreaterThan(0);

    const mine = await ufwRuleset(applied);
    expect(mine.v6.length).toBeGreaterThan(2);
    expect(mine.v6.some((rule) => rule.inInterface === 'bridge of v6net')).toBe(true);
    expect(await ufwRuleset(fresh)).toEqual(mine);
    expect(await fresh.probeHttp(web, 80)).toBe('open');
    expect(await fresh.probeHttp(db, 80)).toBe('blocked');

    const second = await ansible(playbook);
    expect(second.exitCode, second.stdout).toBe(0);
    expect(parseRecap(second.stdout).fresh).toMatchObject({ changed: 0, failed: 0 });
  }, 600_000);

  it('ip6tables-restore: --test accepts the file, and loaded it opens what the plan opens and nothing else', async () => {
    const test = await run(['nsenter', `--net=/var/run/netns/${applied.serverNs}`, 'ip6tables-restore', '--test'], { input: rulesFile });
    expect(test.exitCode, test.stderr).toBe(0);
    // On the host that v6wall configured: UFW off (its chains flushed), then the file instead.
    expect((await applied.ufw(['disable'])).exitCode).toBe(0);
    expect(await applied.probeHttp(db, 80)).toBe('open');
    const load = await run(['nsenter', `--net=/var/run/netns/${applied.serverNs}`, 'ip6tables-restore'], { input: rulesFile });
    expect(load.exitCode, load.stderr).toBe(0);
    expect(await applied.probeTcp(LAB_ADDRESSES.server, LAB_SSH_PORT)).toBe('open');
    expect(await applied.probeHttp(web, 80)).toBe('open');
    expect(await applied.probeHttp(LAB_ADDRESSES.server, 8081)).toBe('open');
    expect(await applied.probeHttp(db, 80)).toBe('blocked');
    expect(await applied.probeHttp(api, 80)).toBe('blocked');
    expect(await applied.probeTcp(LAB_ADDRESSES.server, 9)).toBe('blocked');
    // Containers keep their outbound connections: "refused" means web's SYN reached the client (nothing
    // listens there) and the answer came back; a firewall in the way would make it time out.
    const egress = await applied.docker(['exec', 'web', 'nc', '-w2', LAB_ADDRESSES.client, '2222']);
    expect(egress.stdout + egress.stderr).toMatch(/refused/i);
  }, 300_000);
});
