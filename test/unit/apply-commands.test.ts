import { afterEach, describe, expect, it } from 'vitest';
import { readFile, rm } from 'node:fs/promises';
import type { Facts } from '../../src/core/types/facts.js';
import type { Choices } from '../../src/core/types/choices.js';
import type { CommandIo } from '../../src/commands/command-io.js';
import * as applyCommand from '../../src/commands/apply.js';
import * as confirmCommand from '../../src/commands/confirm.js';
import * as rollbackCommand from '../../src/commands/rollback.js';
import * as statusCommand from '../../src/commands/status.js';
import * as transcriptCommand from '../../src/commands/transcript.js';
import { readPending } from '../../src/apply/pending.js';
import { fakeUfwRunner, fakeWatchdogCommand, makeFakeHost, type FakeHost } from './apply-fake-ufw.js';

const hosts: FakeHost[] = [];
afterEach(async () => {
  for (const host of hosts.splice(0)) {
    const pending = await readPending(host.stateDir);
    if (pending.kind === 'pending' && pending.pending.watchdogPid !== null) process.kill(pending.pending.watchdogPid, 'SIGTERM');
    await rm(host.root, { recursive: true, force: true, maxRetries: 5 });
  }
});

function facts(): Facts {
  return {
    ssh: { evidence: [{ port: 22, source: 'session', detail: 'SSH_CONNECTION' }], sessionPort: 22, ports: [22], warnings: [] },
    ufw: {
      installed: true,
      version: '0.36.2',
      enabled: false,
      ipv6: true,
      after6Rules: null,
      installHint: null,
      warnings: [],
      policies: { incoming: 'deny', outgoing: 'allow', routed: 'disabled' },
      rules: [
        {
          v6: true,
          route: true,
          action: 'allow',
          log: '',
          proto: 'tcp',
          dport: '443',
          dst: '2001:db8:1::20',
          sport: 'any',
          src: '::/0',
          dapp: null,
          sapp: null,
          direction: 'in',
          inInterface: null,
          outInterface: null,
          comment: 'v6wall route proxy 443/tcp',
          raw: '',
        },
      ],
    },
    docker: {
      available: true,
      reason: null,
      serverVersion: '28.5.2',
      daemonConfig: {},
      daemonConfigError: null,
      ip6tablesChainsLive: true,
      ip6DockerUserChain: true,
      ip6tablesSave: null,
      nftRuleset: null,
      warnings: [],
      networks: [],
      containers: [
        {
          id: 'abc',
          name: 'web',
          image: 'busybox',
          state: 'running',
          networks: [{ name: 'v6net', ipv6: '2001:db8:1::10', ipv4: null }],
          ports: [{ port: 80, proto: 'tcp', published: [] }],
        },
      ],
    },
    host: {
      root: true,
      hostname: 'testhost',
      ipv6Forwarding: true,
      globalIpv6: ['2001:db8::1'],
      hasIpv4: false,
      publicInterface: null,
      onLinkPrefixes: [],
      ndpProxy: null,
      warnings: [],
    },
    nftBoot: { script: null, unit: null, enabled: false },
  };
}

function captureIo(env: NodeJS.ProcessEnv): CommandIo & { out: string; err: string } {
  const io = { out: '', err: '', env, stdout: (s: string) => void (io.out += s), stderr: (s: string) => void (io.err += s) };
  return io;
}

async function setup() {
  const host = await makeFakeHost();
  hosts.push(host);
  const env = { V6WALL_STATE_DIR: host.stateDir, SUDO_USER: 'alice' };
  const run = fakeUfwRunner(host);
  const deps = { discover: async () => facts(), run, watchdogCommand: fakeWatchdogCommand(host), paths: host.paths, isTty: false };
  return { host, env, run, deps };
}

describe('the subcommands', () => {
  it('each has --help and rejects unknown flags with exit 2', async () => {
    for (const command of [applyCommand, confirmCommand, rollbackCommand, statusCommand, transcriptCommand]) {
      const help = captureIo({});
      expect(await command.run(['--help'], help)).toBe(0);
      expect(help.out).toMatch(/^Usage: v6wall \w+/);
      const bad = captureIo({});
      expect(await command.run(['--bogus'], bad)).toBe(2);
      expect(bad.err).toMatch(/Unknown option '--bogus'.*\n.*--help/);
    }
  });

  it('apply without --yes prints the plan, changes nothing, and exits 2 without a TTY', async () => {
    const { env, run, deps } = await setup();
    const io = captureIo(env);
    expect(await applyCommand.run(['--route', 'web:80'], io, deps)).toBe(2);
    expect(io.out).toMatch(/ufw route allow proto tcp from any to 2001:db8:1::10 port 80/);
    expect(io.out).toMatch(/Nothing was changed. Run the same command with --yes/);
    expect(run.calls).toEqual([]);
  });

  it('apply rejects a bad --confirm-timeout and an impossible choice with exit 2', async () => {
    const { env, deps } = await setup();
    const io = captureIo(env);
    expect(await applyCommand.run(['--yes', '--confirm-timeout', '0'], io, deps)).toBe(2);
    expect(io.err).toMatch(/--confirm-timeout 0: expected whole seconds/);
    const io2 = captureIo(env);
    expect(await applyCommand.run(['--yes', '--route', 'nope:80'], io2, deps)).toBe(2);
    expect(io2.err).toMatch(/--route nope:80: no container named "nope"/);
  });

  it('apply --yes → status → transcript → confirm → rollback, end to end on fakes', async () => {
    const { env, run, deps } = await setup();
    const applied = captureIo(env);
    expect(await applyCommand.run(['--route', 'web:80', '--yes', '--confirm-timeout', '90'], applied, deps)).toBe(0);
    const code = /Confirm code: (\w+)/.exec(applied.out)?.[1];
    expect(code).toMatch(/^[A-Z2-9]{6}$/);
    expect(applied.out).toMatch(/Deadline: \d{4}-\d\d-\d\dT/);
    expect(applied.out).toMatch(/sudo v6wall confirm \w{6}/);
    expect(run.calls.filter((c) => c[0] === 'ufw').map((c) => c.slice(0, 3).join(' '))).toEqual([
      'ufw allow proto',
      'ufw route allow',
      'ufw default deny',
      'ufw --force enable',
    ]);

    const status = captureIo(env);
    expect(await statusCommand.run(['--json'], status, { discover: async () => facts() })).toBe(0);
    const report = JSON.parse(status.out) as {
      pending: { secondsLeft: number; watchdogRunning: boolean; phase: string };
      rules: { containers: Record<string, unknown[]> };
      transcripts: { outcome: string }[];
    };
    expect(report.pending.phase).toBe('awaiting-confirmation');
    expect(report.pending.secondsLeft).toBeGreaterThan(80);
    expect(report.pending.watchdogRunning).toBe(true);
    expect(Object.keys(report.rules.containers)).toEqual(['proxy']);
    expect(report.transcripts[0]?.outcome).toBe('pending');
    const statusText = captureIo(env);
    await statusCommand.run([], statusText, { discover: async () => facts() });
    expect(statusText.out).toMatch(/Firewall: UFW 0.36.2 inactive\nPolicies: incoming deny, outgoing allow, routed disabled/);
    expect(statusText.out).toMatch(/Pending confirmation: apply \S+ rolls back in \d+ s/);
    expect(statusText.out).toMatch(/  proxy\n    route allow tcp port 443 to 2001:db8:1::20 \(v6\)  # v6wall route proxy 443\/tcp/);

    const script = captureIo(env);
    expect(await transcriptCommand.run(['--last', '--format', 'sh'], script)).toBe(0);
    expect(script.out).toMatch(/^#!\/bin\/sh\n/);
    expect(script.out).toContain("ufw route allow proto tcp from any to 2001:db8:1::10 port 80 comment 'v6wall route web 80/tcp'");

    const wrong = captureIo(env);
    expect(await confirmCommand.run(['ZZZZZZ'], wrong)).toBe(1);
    expect(wrong.err).toMatch(/not the code of the pending apply/);
    const noCode = captureIo(env);
    expect(await confirmCommand.run([], noCode)).toBe(2);
    const confirmed = captureIo(env);
    expect(await confirmCommand.run([code ?? ''], confirmed)).toBe(0);
    expect(confirmed.out).toMatch(/Confirmed: the changes of apply \S+ are kept/);

    const again = captureIo(env);
    expect(await applyCommand.run(['--route', 'web:80', '--yes'], again, { ...deps, discover: async () => facts() })).toBe(0);
    const second = /Confirm code: (\w+)/.exec(again.out)?.[1];
    expect(second).toBeDefined();

    const notRoot = captureIo(env);
    expect(await rollbackCommand.run([], notRoot, { run, isRoot: false })).toBe(1);
    expect(notRoot.err).toMatch(/needs root/);
    const rolled = captureIo(env);
    expect(await rollbackCommand.run([], rolled, { run, isRoot: true })).toBe(0);
    expect(rolled.out).toMatch(/was awaiting confirmation; its rollback is done now/);
    // The second apply was snapshotted with UFW enabled by the first, confirmed one.
    expect(rolled.out).toMatch(/ran ufw reload \(exit 0\)/);

    const list = captureIo(env);
    expect(await transcriptCommand.run(['--list'], list)).toBe(0);
    const lines = list.out.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines.map((l) => l.split(/\s+/)[2])).toEqual(['confirmed', 'rolled-back', 'rolled-back']);
  }, 20_000);

  it('transcript: a missing or bad id is a clear error', async () => {
    const { env } = await setup();
    const io = captureIo(env);
    expect(await transcriptCommand.run(['20990101T000000Z-ffff'], io)).toBe(1);
    expect(io.err).toMatch(/transcript 20990101T000000Z-ffff cannot be read: not found/);
    const io2 = captureIo(env);
    expect(await transcriptCommand.run(['--format', 'yaml'], io2)).toBe(2);
  });

  it('the check after `apply --backend ufw` holds the result against UFW, not against a table inet v6wall still loaded', async () => {
    // test/fixtures/nftables/v6wall/applied.json: v6wall's table after a real apply, which opens
    // routed-web 80/tcp from 2001:db8:abcd::/48. UFW has no opening for routed-web.
    const table = await readFile(`${import.meta.dirname}/../fixtures/nftables/v6wall/applied.json`, 'utf8');
    const withTable = (): Facts => {
      const base = facts();
      return {
        ...base,
        docker: {
          ...base.docker,
          nftRuleset: table,
          networks: [
            {
              id: 'n1',
              name: 'routednet',
              driver: 'bridge',
              ipv6: true,
              subnets: ['2001:db8:1234:a1:2::/80'],
              gatewayModeIpv6: 'routed',
              bridge: 'br-routed',
            },
          ],
          containers: [
            ...base.docker.containers,
            {
              id: 'def',
              name: 'routed-web',
              image: 'busybox',
              state: 'running',
              networks: [{ name: 'routednet', ipv6: '2001:db8:1234:a1:2::10', ipv4: null }],
              ports: [{ port: 80, proto: 'tcp', published: [] }],
            },
          ],
        },
      };
    };
    const choices: Choices = { sshPorts: [22], exposures: [{ container: 'web', port: 80, proto: 'tcp', exposure: 'route' }], scope: 'additive' };
    const check = await applyCommand.checkAgainstLive({ discover: async () => withTable() }, choices, 'ufw');
    if (typeof check === 'string') throw new Error(check);
    // Read as the nftables backend, the table's opening would count as intended and go unreported.
    expect(check.rows.find((row) => row.container === 'routed-web')?.intent).toEqual({ kind: 'closed' });
    expect(check.rows.find((row) => row.container === 'web')?.intent).toEqual({ kind: 'open', sources: [undefined] });
  });
});
