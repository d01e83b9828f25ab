// `v6wall plan` on a real host (the lab): real sshd on 2222, real UFW, real dockerd.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAB_ADDRESSES, LAB_SSH_PORT, skipLab, startLab, type Lab } from './harness.js';

const skip = skipLab();

describe.skipIf(skip)('v6wall plan on a real host', () => {
  let lab: Lab;
  const web = '2001:db8:1234:a1:1::10';

  beforeAll(async () => {
    lab = await startLab();
    await lab.createNetwork({ name: 'v6net', subnet6: LAB_ADDRESSES.containerSubnet });
    await lab.createNetwork({ name: 'v4only' });
    await lab.runContainer({ name: 'web', network: 'v6net', ip6: web, publish: ['8081:80'] });
    await lab.runContainer({ name: 'legacy', network: 'v4only', expose: ['80'] });
  });
  afterAll(async () => {
    await lab?.teardown();
  });

  it('finds SSH on 2222 and plans it first, then the route rule, the egress rule Docker 20.10 needs, the denies and enable', async () => {
    const result = await lab.runV6wall(['plan', '--route', 'web:80', '--json']);
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    const plan = JSON.parse(result.stdout) as { steps: { kind: string; argv: string[]; satisfied: boolean }[] };
    expect(plan.steps.map((step) => step.argv.join(' '))).toEqual([
      `ufw allow proto tcp from any to ::/0 port ${LAB_SSH_PORT} comment v6wall ssh ${LAB_SSH_PORT}/tcp`,
      `ufw route allow proto tcp from any to ${web} port 80 comment v6wall route web 80/tcp`,
      expect.stringMatching(new RegExp(`^ufw route allow in on br-[0-9a-f]{12} from ${LAB_ADDRESSES.containerSubnet} to ::/0 comment v6wall egress v6net$`)),
      'ufw default deny incoming',
      'ufw default deny routed',
      'ufw --force enable',
    ]);
    // Debian's UFW ships with deny incoming and deny routed already: shown, not run.
    expect(plan.steps.map((step) => step.satisfied)).toEqual([false, false, false, true, true, false]);
  });

  it('marks what the real UFW already has as satisfied', async () => {
    await lab.ufw(['allow', 'proto', 'tcp', 'from', 'any', 'to', '::/0', 'port', String(LAB_SSH_PORT)]);
    const result = await lab.runV6wall(['plan', '--json']);
    const plan = JSON.parse(result.stdout) as { steps: { kind: string; satisfied: boolean }[] };
    expect(plan.steps.find((step) => step.kind === 'ssh')?.satisfied).toBe(true);
    const text = await lab.runV6wall(['plan']);
    expect(text.stdout).toContain('already in place, skipped: Allow SSH on port 2222');
  });

  it('refuses bad choices with exit code 2, naming each', async () => {
    const result = await lab.runV6wall(['plan', '--route', 'nope:80', '--route', 'legacy:80', '--publish', 'web:9999', '--route', 'web:81']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr.split('\n').filter(Boolean)).toEqual([
      'v6wall: --route nope:80: no container named "nope" (known: legacy, web)',
      'v6wall: --route legacy:80: legacy has no global IPv6 address, so there is nothing to route to; use --publish for a published host port',
      'v6wall: --route web:81: web does not expose 81/tcp, and nothing listens on it over IPv6 (exposed or listening: 80/tcp)',
      'v6wall: --publish web:9999: web does not publish host port 9999/tcp (published: 8081/tcp)',
    ]);
  });

  it('rejects malformed flags before touching the host', async () => {
    const result = await lab.runV6wall(['plan', '--ssh-port', '70000']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('--ssh-port 70000: expected a port (1-65535) or "auto"');
  });
});
