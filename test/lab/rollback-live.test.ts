// The automatic rollback on a real host (real UFW, real Docker 28 with its own ip6tables rules and
// v6wall's DOCKER-USER block): UFW's chains are put back in place, in one ip6tables-restore
// transaction, without a `ufw reload`, and the live ruleset after the rollback is the one before
// the apply (counters aside). A container Docker started during the confirmation window keeps its
// rules: Docker's chains are never touched.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readTranscript } from '../../src/apply/transcript.js';
import { readFilterTable, sameUfwPart } from '../../src/core/iptables/restore-chains.js';
import { docker28Root, skipDocker28 } from './docker28.js';
import { LAB_ADDRESSES, LAB_SSH_PORT, skipLab, startLab, type Lab } from './harness.js';

const ROUTED_SUBNET = '2001:db8:1234:a1:2::/80';
const WEB = '2001:db8:1234:a1:2::10';
const LATE = '2001:db8:1234:a1:2::20';
const CONFIRM_TIMEOUT_SEC = 10;

/** A whole save output without its comment lines and counters. */
function normalized(save: string): string {
  return save
    .split('\n')
    .filter((line) => !line.startsWith('#'))
    .map((line) => line.replace(/\[\d+:\d+\]/g, '[0:0]'))
    .join('\n');
}

/** Everything but UFW's part of the filter table: other tables whole, and Docker's filter chains. */
function notUfw(save: string, prefix: string): string {
  const tables = normalized(save).split(/^(?=\*)/m);
  const filter = readFilterTable(save);
  const dockerChains =
    filter === null
      ? []
      : [...filter.rules]
          .filter(([chain]) => !chain.startsWith(prefix) && chain !== 'DOCKER-USER')
          .map(([chain, rules]) => [`:${chain}`, ...rules.filter((rule) => !rule.includes(` -j ${prefix}`))].join('\n'));
  return [...tables.filter((t) => !t.startsWith('*filter')), ...dockerChains].join('\n');
}

interface Rulesets {
  v6: string;
  v4: string;
}

async function rulesets(lab: Lab): Promise<Rulesets> {
  const [v6, v4] = await Promise.all([lab.inServer(['ip6tables-save']), lab.inServer(['iptables-save'])]);
  return { v6: v6.stdout, v4: v4.stdout };
}

/** Applies without confirming; resolves with the apply's id and deadline. */
async function applyUnconfirmed(lab: Lab, selection: string[]): Promise<{ id: string; deadline: number }> {
  const applied = await lab.runV6wall(['apply', ...selection, '--yes', '--confirm-timeout', String(CONFIRM_TIMEOUT_SEC)]);
  expect(applied.exitCode, applied.stderr).toBe(0);
  const id = /Transcript: v6wall transcript (\S+)/.exec(applied.stdout)?.[1];
  const deadline = /Deadline: (\S+)/.exec(applied.stdout)?.[1];
  if (id === undefined || deadline === undefined) throw new Error(`apply printed no transcript or deadline:\n${applied.stdout}`);
  return { id, deadline: Date.parse(deadline) };
}

/** Waits for the watchdog's rollback; its transcript, and how long after the deadline it was done. */
async function rolledBack(lab: Lab, applied: { id: string; deadline: number }): Promise<{ lateMs: number; commands: string[] }> {
  for (;;) {
    const t = await readTranscript(lab.paths.stateDir, applied.id);
    if (t.ok && t.value.outcome === 'rolled-back') {
      const outcome = t.value.entries.at(-1);
      const lateMs = Date.parse(outcome?.when ?? '') - applied.deadline;
      const commands = t.value.entries.flatMap((e) => (e.type === 'step' && e.phase === 'rollback' ? [e.record.argv.join(' ')] : []));
      console.info(`rollback done ${lateMs} ms after the deadline: ${commands.join('; ')}`);
      return { lateMs, commands };
    }
    if (Date.now() > applied.deadline + 30_000) {
      const log = readFileSync(join(lab.paths.stateDir, 'watchdog.log'), 'utf8');
      throw new Error(`no rollback 30 s after the deadline: ${t.ok ? JSON.stringify(t.value.entries.slice(-3)) : t.error}\nwatchdog.log:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(skipLab() || skipDocker28())('rollback in place on Docker 28 with ip6tables and DOCKER-USER', () => {
  let lab: Lab;

  beforeAll(async () => {
    lab = await startLab({ docker: { unpackedRoot: await docker28Root() }, ipv4: true });
    await lab.createNetwork({ name: 'routednet', subnet6: ROUTED_SUBNET, options: { 'com.docker.network.bridge.gateway_mode_ipv6': 'routed' } });
    await lab.runContainer({ name: 'web', network: 'routednet', ip6: WEB, publish: ['80'] });
    // UFW as an operator had it before v6wall: SSH allowed, deny routed, enabled.
    await lab.ufw(['allow', 'proto', 'tcp', 'from', 'any', 'to', '::/0', 'port', String(LAB_SSH_PORT)]);
    await lab.ufw(['default', 'deny', 'routed']);
    expect((await lab.ufw(['--force', 'enable'])).exitCode).toBe(0);
  }, 300_000);
  afterAll(async () => {
    await lab?.teardown();
  }, 120_000);

  it('puts back exactly the ruleset before the apply, IPv4 and IPv6, without a ufw reload', async () => {
    const before = await rulesets(lab);
    const applied = await applyUnconfirmed(lab, ['--route', 'web:80']);
    const during = await rulesets(lab);
    expect(normalized(during.v6)).not.toBe(normalized(before.v6));
    expect(during.v6).toContain('-A DOCKER-USER -j ufw6-user-forward');
    expect(await lab.probeHttp(WEB, 80)).toBe('open');

    const done = await rolledBack(lab, applied);
    expect(done.commands.some((c) => c.startsWith('ip6tables-restore --noflush'))).toBe(true);
    expect(done.commands).not.toContain('ufw reload');
    const after = await rulesets(lab);
    expect(normalized(after.v6)).toBe(normalized(before.v6));
    expect(normalized(after.v4)).toBe(normalized(before.v4));
    expect(await lab.probeTcp(LAB_ADDRESSES.server, LAB_SSH_PORT)).toBe('open');
  }, 120_000);

  it('keeps the rules of a container Docker started during the window', async () => {
    const before = await rulesets(lab);
    const applied = await applyUnconfirmed(lab, ['--route', 'web:80']);
    await lab.runContainer({ name: 'late', network: 'routednet', ip6: LATE, publish: ['80'] });
    const withLate = await rulesets(lab);
    expect(withLate.v6).toContain(LATE);

    const done = await rolledBack(lab, applied);
    expect(done.commands).not.toContain('ufw reload');
    const after = await rulesets(lab);
    expect(sameUfwPart(before.v6, after.v6, 'ufw6-', true)).toBe(true);
    expect(sameUfwPart(before.v4, after.v4, 'ufw-', false)).toBe(true);
    expect(notUfw(after.v6, 'ufw6-')).toBe(notUfw(withLate.v6, 'ufw6-'));
    expect(notUfw(after.v4, 'ufw-')).toBe(notUfw(withLate.v4, 'ufw-'));
    expect(after.v6).toContain(LATE);
  }, 180_000);
});
