// Issue 14, part 3: UFW as v6wall's backend over Docker 29's nftables backend, EMULATED (Docker 29
// is not packaged for Debian): a Docker 28.5 daemon started with its own firewall off, Docker's
// golden IPv6 ruleset for a nat network (moby's nftabler test data, nft-golden.ts) loaded onto its
// real bridge, and the daemon's API answers of a Docker 29 with "firewall-backend": "nftables"
// (docker29-answers.ts: version 29, /info's FirewallBackend). v6wall's own discovery, plan, apply,
// confirm and status run as on a real host; real connections from the client namespace judge
// them: SSH open, the chosen opening reachable from its source only, everything else refused,
// containers still connect out, and v6wall's verdicts say the same.
import type { ChildProcess } from 'node:child_process';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOCKER28_ROOT, skipDocker28 } from './docker28.js';
import { serveDocker29Answers } from './docker29-answers.js';
import { LAB_ADDRESSES, LAB_SSH_PORT, skipLab, startLab, type Lab, type Reachability } from './harness.js';
import { PLAIN, SERVER, WEB, setUpScenario } from './nftables-scenarios.js';
import { confirmOverNewLogin, egress, startClientListener } from './steps.js';

const CLIENT = LAB_ADDRESSES.client;
/** A second address of the client, which no opening names: "anyone else on the internet". */
const STRANGER = '2001:db8:1234:1::101';

interface Probe {
  address: string;
  port: number;
}

const PROBES: Probe[] = [
  { address: SERVER, port: LAB_SSH_PORT },
  { address: SERVER, port: 8081 }, // web's published port: the chosen opening, from CLIENT only
  { address: SERVER, port: 8084 }, // nothing there
  { address: WEB, port: 80 }, // web straight at its address (nat: Docker drops it)
  { address: PLAIN, port: 80 }, // unpublished
  { address: PLAIN, port: 9000 }, // unpublished
];

interface StatusJson {
  reachability: { rows: { address: string; port: number; verdict: string }[] };
  proof: { differences: string[]; rows: { address: string; port: number; live: { verdict: string }[] }[] };
}

describe.skipIf(skipLab() || skipDocker28())("UFW over Docker 29's nftables backend (emulated): v6wall's plan judged by real connections", () => {
  let lab: Lab;
  let answers: Server;
  let listener: ChildProcess;
  let env: Record<string, string>;
  let stateDir: string;

  const probeFrom = async (source: string, probe: Probe): Promise<Reachability> =>
    (await lab.inClient(['nc', '-z', '-w2', '-s', source, probe.address, String(probe.port)], { timeoutMs: 15_000 })).exitCode === 0 ? 'open' : 'blocked';
  const status = async (args: string[] = []): Promise<StatusJson> => {
    const result = await lab.runV6wall(['status', '--json', '--state-dir', stateDir, ...args], env);
    expect(result.exitCode, result.stderr).toBe(0);
    return JSON.parse(result.stdout) as StatusJson;
  };

  beforeAll(async () => {
    // /etc is the lab's own (an overlay): the nftables backend writes its boot file and unit there, never on the machine.
    lab = await startLab({ docker: { unpackedRoot: DOCKER28_ROOT, daemonJson: { iptables: false, ip6tables: false } }, privateDirs: ['/etc'] });
    await setUpScenario(lab, { name: 'docker29-emulated-nat', docker: {}, emulateDocker29: 'nat', ufw: false, needsDocker28: true });
    const socket = join(lab.dir, 'docker29.sock');
    answers = await serveDocker29Answers(socket, (lab.dockerHost ?? '').replace(/^unix:\/\//, ''));
    env = { DOCKER_HOST: `unix://${socket}` };
    stateDir = join(lab.dir, 'v6wall-state');
    listener = startClientListener(lab);
    const links = JSON.parse((await lab.inClient(['ip', '-j', '-6', 'addr', 'show'])).stdout) as { ifname: string; addr_info: { local: string }[] }[];
    const device = links.find((link) => link.addr_info.some((a) => a.local === CLIENT))?.ifname ?? 'eth0';
    await lab.inClient(['ip', '-6', 'addr', 'add', `${STRANGER}/64`, 'dev', device, 'nodad']);
  }, 240_000);
  afterAll(async () => {
    listener?.kill();
    answers?.close();
    await lab?.teardown();
  });

  it("discovery reads Docker 29's nftables backend from /info; the plan narrows Docker's policy with route rules, keeps egress, never the DOCKER-USER block", async () => {
    const discovery = await status();
    expect(discovery.reachability.rows.length).toBeGreaterThan(0);
    const planned = await lab.runV6wall(['plan', '--json', '--publish', `web:8081@${CLIENT}`], env);
    expect(planned.stderr).toBe('');
    expect(planned.exitCode, planned.stdout).toBe(0);
    const plan = JSON.parse(planned.stdout) as { steps: { argv: string[] }[]; notes: string[] };
    const commands = plan.steps.map((step) => step.argv.join(' '));
    // The published port is opened where Docker forwards it: a route rule to web's address and container port, from the
    // source. (Taken for Docker 28 with its firewall off, the plan would allow host port 8081 on INPUT instead.)
    expect(commands).toContainEqual(expect.stringMatching(new RegExp(`^ufw route allow proto tcp from ${CLIENT} to ${WEB} port 80 `)));
    expect(commands.filter((c) => /^ufw (allow|route allow)/.test(c) && c.includes('port 8081'))).toEqual([]);
    expect(commands).toContainEqual(expect.stringMatching(/^ufw route allow in on br-\S+ from 2001:db8:1234:a1:1::\/80 /));
    expect(commands.join('\n')).not.toMatch(/DOCKER-USER|after6\.rules/);
  }, 120_000);

  it('after apply and a confirm over a new SSH login: SSH open, the opening from its source only, everything else refused, egress kept; v6wall says the same', async () => {
    const applied = await lab.runV6wall(['apply', '--publish', `web:8081@${CLIENT}`, '--yes', '--state-dir', stateDir, '--confirm-timeout', '120'], env);
    expect(applied.stderr).toBe('');
    expect(applied.exitCode, applied.stdout).toBe(0);
    await confirmOverNewLogin(lab, /Confirm code: (\S+)/.exec(applied.stdout)?.[1] ?? 'none', stateDir);
    expect(readFileSync(join(lab.paths.ufwEtc, 'after6.rules'), 'utf8')).not.toContain('v6wall');

    const fromClient: string[] = [];
    const fromStranger: string[] = [];
    for (const probe of PROBES) {
      fromClient.push(`[${probe.address}]:${probe.port} ${await probeFrom(CLIENT, probe)}`);
      fromStranger.push(`[${probe.address}]:${probe.port} ${await probeFrom(STRANGER, probe)}`);
    }
    expect(fromClient).toEqual([
      `[${SERVER}]:${LAB_SSH_PORT} open`,
      `[${SERVER}]:8081 open`,
      `[${SERVER}]:8084 blocked`,
      `[${WEB}]:80 blocked`,
      `[${PLAIN}]:80 blocked`,
      `[${PLAIN}]:9000 blocked`,
    ]);
    expect(fromStranger).toEqual([
      `[${SERVER}]:${LAB_SSH_PORT} open`,
      `[${SERVER}]:8081 blocked`,
      `[${SERVER}]:8084 blocked`,
      `[${WEB}]:80 blocked`,
      `[${PLAIN}]:80 blocked`,
      `[${PLAIN}]:9000 blocked`,
    ]);
    expect(await egress(lab, 'web')).toBe('open');
    expect(await egress(lab, 'plain')).toBe('open');

    // v6wall's verdicts: from anywhere (the stranger), and from the opening's source.
    const anywhere = await status();
    expect(anywhere.proof.differences).toEqual([]);
    const judged = (rows: { address: string; port: number; verdict: string }[]) =>
      PROBES.flatMap((p) => rows.filter((r) => r.address === p.address && r.port === p.port).map((r) => `[${r.address}]:${r.port} ${r.verdict}`));
    const seenAnywhere = judged(anywhere.reachability.rows);
    expect(seenAnywhere.length).toBeGreaterThanOrEqual(4);
    for (const row of seenAnywhere) expect(fromStranger).toContain(row);
    const fromSource = await status(['--from', CLIENT]);
    expect(fromSource.proof.differences).toEqual([]);
    const seenFromClient = judged(fromSource.proof.rows.map((r) => ({ address: r.address, port: r.port, verdict: r.live[0]?.verdict ?? '?' })));
    expect(seenFromClient.length).toBeGreaterThanOrEqual(4);
    for (const row of seenFromClient) expect(fromClient).toContain(row);
  }, 300_000);

  it("v6wall's own nftables table instead (--backend nftables, after a rollback of the UFW apply): the published port from its source only, by real connections", async () => {
    const rolledBack = await lab.runV6wall(['rollback', '--state-dir', stateDir], env);
    expect(rolledBack.exitCode, rolledBack.stderr + rolledBack.stdout).toBe(0);
    const applied = await lab.runV6wall(
      ['apply', '--backend', 'nftables', '--publish', `web:8081@${CLIENT}`, '--yes', '--state-dir', stateDir, '--confirm-timeout', '120'],
      env,
    );
    expect(applied.stderr).toBe('');
    expect(applied.exitCode, applied.stdout).toBe(0);
    // Opened after Docker's DNAT: web's address and port, for connections that came in through host port 8081.
    expect(applied.stdout).toContain('nft -f /dev/stdin');
    await confirmOverNewLogin(lab, /Confirm code: (\S+)/.exec(applied.stdout)?.[1] ?? 'none', stateDir);
    const table = (await lab.inServer(['nft', 'list', 'table', 'inet', 'v6wall'])).stdout;
    const opening = table.split('\n').find((line) => line.includes('comment "v6wall publish web'));
    expect(opening).toContain(`ip6 saddr ${CLIENT}`);
    expect(opening).toContain(`ip6 daddr ${WEB}`);
    expect(opening).toContain('ct original proto-dst 8081');
    expect(readFileSync(join(lab.paths.private['/etc'] ?? '', 'v6wall/v6wall.nft'), 'utf8')).toContain('table inet v6wall {');
    const fromClient: string[] = [];
    const fromStranger: string[] = [];
    for (const probe of PROBES) {
      fromClient.push(`[${probe.address}]:${probe.port} ${await probeFrom(CLIENT, probe)}`);
      fromStranger.push(`[${probe.address}]:${probe.port} ${await probeFrom(STRANGER, probe)}`);
    }
    expect(fromClient.filter((row) => row.endsWith(' open'))).toEqual([`[${SERVER}]:${LAB_SSH_PORT} open`, `[${SERVER}]:8081 open`]);
    expect(fromStranger.filter((row) => row.endsWith(' open'))).toEqual([`[${SERVER}]:${LAB_SSH_PORT} open`]);
    expect(await egress(lab, 'web')).toBe('open');
    const anywhere = await status();
    expect(anywhere.proof.differences).toEqual([]);
  }, 300_000);
});
