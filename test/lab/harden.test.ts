// Issue 5 scenarios 1 and 2: first-time hardening and the guided re-run, on a
// real host (the lab), checked with real connections from the client namespace.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LAB_ADDRESSES, LAB_SSH_PORT, skipLab, startLab, type Lab } from './harness.js';
import { confirmOverNewLogin } from './steps.js';

const skip = skipLab();
const server = LAB_ADDRESSES.server;
const address = { web: '2001:db8:1234:a1:1::10', api: '2001:db8:1234:a1:1::11', db: '2001:db8:1234:a1:1::12', cache: '2001:db8:1234:a1:1::13' };

describe.skipIf(skip)('first-time hardening, then a re-run adding a container', () => {
  let lab: Lab;
  let stateDir: string;

  /** Applies over the real v6wall CLI, then confirms from a NEW SSH session, as an operator would. */
  async function applyAndConfirm(selection: string[]): Promise<string> {
    const applied = await lab.runV6wall(['apply', ...selection, '--yes', '--state-dir', stateDir, '--confirm-timeout', '120']);
    expect(applied.stderr).toBe('');
    expect(applied.exitCode).toBe(0);
    const code = /v6wall confirm (\S+)/.exec(applied.stdout)?.[1];
    expect(code, applied.stdout).toBeDefined();
    await confirmOverNewLogin(lab, code!, stateDir);
    return applied.stdout;
  }

  beforeAll(async () => {
    lab = await startLab();
    stateDir = join(lab.dir, 'v6wall-state');
    await lab.createNetwork({ name: 'v6net', subnet6: LAB_ADDRESSES.containerSubnet });
    await lab.runContainer({ name: 'web', network: 'v6net', ip6: address.web, publish: ['8081:80'] });
    await lab.runContainer({ name: 'api', network: 'v6net', ip6: address.api, publish: ['8082:80'] });
    await lab.runContainer({ name: 'db', network: 'v6net', ip6: address.db, expose: ['80'] });
  });
  afterAll(async () => {
    await lab?.teardown();
  });

  it('before v6wall, every container port is open to the internet', async () => {
    expect(await lab.probeTcp(address.web, 80)).toBe('open');
    expect(await lab.probeTcp(address.db, 80)).toBe('open');
    expect(await lab.probeTcp(server, 8081)).toBe('open');
  });

  it('after apply and confirm: SSH and exactly the chosen ports are reachable', async () => {
    await applyAndConfirm(['--route', 'web:80', '--publish', 'api:8082']);
    expect(await lab.probeTcp(server, LAB_SSH_PORT)).toBe('open');
    expect(await lab.probeHttp(address.web, 80)).toBe('open'); // routed, chosen
    expect(await lab.probeHttp(server, 8082)).toBe('open'); // published, chosen
    expect(await lab.probeTcp(server, 8081)).toBe('blocked'); // published, not chosen
    expect(await lab.probeTcp(address.api, 80)).toBe('blocked'); // api only via its host port
    expect(await lab.probeTcp(address.db, 80)).toBe('blocked'); // exposed, never published, not chosen
    const status = await lab.ufw(['status', 'verbose']);
    expect(status.stdout).toContain('Status: active');
    expect(status.stdout).toContain('Default: deny (incoming), allow (outgoing), deny (routed)');
  });

  it('a re-run adds a container, keeps the earlier rules and duplicates nothing', async () => {
    await lab.runContainer({ name: 'cache', network: 'v6net', ip6: address.cache, expose: ['80'] });
    expect(await lab.probeTcp(address.cache, 80)).toBe('blocked');
    const before = await lab.runV6wall(['plan', '--route', 'web:80', '--publish', 'api:8082', '--route', 'cache:80', '--json']);
    const pending = (JSON.parse(before.stdout) as { steps: { satisfied: boolean; argv: string[] }[] }).steps.filter((s) => !s.satisfied);
    expect(pending.map((step) => step.argv.join(' '))).toEqual([
      `ufw route allow proto tcp from any to ${address.cache} port 80 comment v6wall route cache 80/tcp`,
    ]);

    await applyAndConfirm(['--route', 'web:80', '--publish', 'api:8082', '--route', 'cache:80']);
    expect(await lab.probeHttp(address.cache, 80)).toBe('open');
    expect(await lab.probeHttp(address.web, 80)).toBe('open');
    expect(await lab.probeHttp(server, 8082)).toBe('open');
    expect(await lab.probeTcp(address.db, 80)).toBe('blocked');

    const tuples = readFileSync(join(lab.paths.ufwEtc, 'user6.rules'), 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('### tuple ###'));
    expect(tuples).toHaveLength(5); // ssh, web route, api publish, egress of v6net, cache route: each once
    const again = await lab.runV6wall(['plan', '--route', 'web:80', '--publish', 'api:8082', '--route', 'cache:80']);
    expect(again.stdout).toContain('Nothing to do: every step is already in place.');
  });
});
