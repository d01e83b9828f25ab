// Issue 5 scenarios 3 and 4 on a real host (the lab): real ufw, real dockerd, real packets.
// 3. No confirmation: the earlier firewall is back by the deadline, also after SIGKILL and after
//    SIGHUP to the process group v6wall ran in (the detached watchdog lives in its own session).
// 4. A step failing mid-apply: rolled back at once, and the transcript names the step.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyPlan } from '../../src/apply/apply.js';
import { readTranscript } from '../../src/apply/transcript.js';
import type { Plan } from '../../src/core/types/plan.js';
import type { CommandResult, Runner } from '../../src/core/types/runner.js';
import { C_LOCALE, run } from './exec.js';
import { LAB_ADDRESSES, LAB_SSH_PORT, REPO_ROOT, V6WALL_JS, skipLab, startLab, type Lab } from './harness.js';

const skip = skipLab();
const web = '2001:db8:1234:a1:1::10';
const db = '2001:db8:1234:a1:1::12';
const CONFIRM_TIMEOUT_SEC = 10;

/** The real CLI: the bundle when built, else the sources through tsx (same code, slower start). */
function v6wallCommand(): string[] {
  if (existsSync(V6WALL_JS)) return [process.execPath, V6WALL_JS];
  return [process.execPath, '--import', import.meta.resolve('tsx'), join(REPO_ROOT, 'src/cli.tsx')];
}

/** The UFW files apply may change, as the lab holds them. */
function ufwFiles(lab: Lab): Record<string, string> {
  const names = ['user.rules', 'user6.rules', 'ufw.conf'];
  return {
    ...Object.fromEntries(names.map((n) => [n, readFileSync(join(lab.paths.ufwEtc, n), 'utf8')])),
    default: readFileSync(lab.paths.ufwDefault, 'utf8'),
  };
}

interface Applied {
  group: ChildProcess;
  code: string;
  deadline: number;
  transcriptId: string;
}

/**
 * Runs `v6wall apply` like an operator's login shell would, in a process group of its own that
 * then lingers (`exec sleep`), so the test can kill that whole group.
 */
async function applyInSession(lab: Lab, stateDir: string, selection: string[]): Promise<Applied> {
  const argv = lab.serverArgv([
    'sh',
    '-c',
    '"$@"; echo "apply exited $?"; exec sleep 600',
    'sh',
    ...v6wallCommand(),
    'apply',
    ...selection,
    '--yes',
    '--state-dir',
    stateDir,
    '--confirm-timeout',
    String(CONFIRM_TIMEOUT_SEC),
  ]);
  const group = spawn(argv[0] ?? 'false', argv.slice(1), {
    detached: true,
    env: { ...process.env, ...C_LOCALE, ...lab.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  group.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  await new Promise<void>((resolve, reject) => {
    group.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (/apply exited \d+/.test(out)) resolve();
    });
    group.on('exit', () => reject(new Error(`v6wall apply's shell exited early:\n${out}\n${err}`)));
  });
  expect(out, err).toMatch(/apply exited 0/);
  const code = /Confirm code: (\S+)/.exec(out)?.[1];
  const deadline = /Deadline: (\S+)/.exec(out)?.[1];
  const transcriptId = /Transcript: v6wall transcript (\S+)/.exec(out)?.[1];
  if (!code || !deadline || !transcriptId) throw new Error(`apply printed no code/deadline/transcript:\n${out}\n${err}`);
  return { group, code, deadline: Date.parse(deadline), transcriptId };
}

/** Waits for the watchdog's rollback and checks it finished within 3 s of the deadline. */
async function expectRolledBackByDeadline(stateDir: string, applied: Applied): Promise<void> {
  const limit = applied.deadline + 15_000;
  for (;;) {
    const t = await readTranscript(stateDir, applied.transcriptId);
    if (t.ok && t.value.outcome === 'rolled-back') {
      const last = t.value.entries.at(-1);
      expect(last?.type).toBe('outcome');
      const lateMs = Date.parse(last?.when ?? '') - applied.deadline;
      console.info(`rollback finished ${lateMs} ms after the deadline`);
      expect(lateMs).toBeGreaterThanOrEqual(0);
      expect(lateMs).toBeLessThan(3000);
      return;
    }
    if (Date.now() > limit) throw new Error(`no rollback by ${new Date(limit).toISOString()}: ${t.ok ? t.value.outcome : t.error}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(skip)('commit-confirm on a real host', () => {
  let lab: Lab;
  let stateDir: string;

  beforeAll(async () => {
    lab = await startLab();
    stateDir = join(lab.dir, 'v6wall-state');
    await lab.createNetwork({ name: 'v6net', subnet6: LAB_ADDRESSES.containerSubnet });
    await lab.runContainer({ name: 'web', network: 'v6net', ip6: web, expose: ['80'] });
    await lab.runContainer({ name: 'db', network: 'v6net', ip6: db, expose: ['80'] });
  });
  afterAll(async () => {
    await lab?.teardown();
  });

  it('UFW disabled before, no confirmation, SIGHUP to the process group: UFW is disabled again by the deadline', async () => {
    const before = ufwFiles(lab);
    expect(await lab.probeTcp(db, 80)).toBe('open');
    const applied = await applyInSession(lab, stateDir, ['--route', 'web:80']);
    expect((await lab.ufw(['status'])).stdout).toContain('Status: active');
    expect(await lab.probeHttp(web, 80)).toBe('open');
    expect(await lab.probeTcp(db, 80)).toBe('blocked');

    process.kill(-(applied.group.pid ?? 0), 'SIGHUP');
    await expectRolledBackByDeadline(stateDir, applied);
    expect(ufwFiles(lab)).toEqual(before);
    expect((await lab.ufw(['status'])).stdout).toContain('Status: inactive');
    expect(await lab.probeTcp(db, 80)).toBe('open');
  });

  it('UFW enabled before, no confirmation, SIGKILL of the process group: the earlier rules are back by the deadline', async () => {
    await lab.ufw(['allow', 'proto', 'tcp', 'from', 'any', 'to', '::/0', 'port', String(LAB_SSH_PORT)]);
    await lab.ufw(['default', 'deny', 'routed']);
    expect((await lab.ufw(['--force', 'enable'])).exitCode).toBe(0);
    const before = ufwFiles(lab);
    expect(await lab.probeTcp(web, 80)).toBe('blocked');

    const applied = await applyInSession(lab, stateDir, ['--route', 'web:80']);
    expect(await lab.probeHttp(web, 80)).toBe('open');
    process.kill(-(applied.group.pid ?? 0), 'SIGKILL');
    await expectRolledBackByDeadline(stateDir, applied);
    expect(ufwFiles(lab)).toEqual(before);
    expect((await lab.ufw(['status'])).stdout).toContain('Status: active');
    expect(await lab.probeTcp(web, 80)).toBe('blocked');
    expect(await lab.probeTcp(LAB_ADDRESSES.server, LAB_SSH_PORT)).toBe('open');
  });

  it('a step failing mid-apply is rolled back at once, and the transcript names the step', async () => {
    const before = ufwFiles(lab);
    const inLab: Runner = async (argv, options) => {
      const r = await run(lab.serverArgv(argv), {
        env: lab.env,
        timeoutMs: options?.timeoutMs,
        ...(options?.input === undefined ? {} : { input: options.input }),
      });
      return { argv: [...argv], exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr, durationMs: r.durationMs, notFound: false } satisfies CommandResult;
    };
    const route = (port: string, comment: string[]) => ['ufw', 'route', 'allow', 'proto', 'tcp', 'from', 'any', 'to', web, 'port', port, ...comment];
    const plan: Plan = {
      notes: [],
      steps: [
        { kind: 'route', why: 'Reach web on 80', argv: route('80', ['comment', 'v6wall route web 80/tcp']), undoArgv: null, satisfied: false },
        { kind: 'route', why: 'Reach web on a port ufw refuses', argv: route('99999', []), undoArgv: null, satisfied: false },
        { kind: 'enable', why: 'Turn the firewall on', argv: ['ufw', '--force', 'enable'], undoArgv: ['ufw', 'disable'], satisfied: false },
      ],
    };
    const outcome = await applyPlan(plan, {
      stateDir,
      confirmTimeoutSec: 60,
      run: inLab,
      choices: { sshPorts: [LAB_SSH_PORT], exposures: [] },
      host: { hostname: 'lab', user: 'lab', root: true, ufwInstalled: true, ufwInstallHint: null },
      watchdogCommand: lab.serverArgv(v6wallCommand()),
      paths: { ufwDir: lab.paths.ufwEtc, defaultsFile: lab.paths.ufwDefault },
    });
    expect(outcome.ok).toBe(false);
    expect(outcome.failedStep).toBe(1);
    expect(outcome.rolledBack).toBe(true);
    expect(outcome.records.map((r) => r.exitCode)).toEqual([0, 1]);
    expect(ufwFiles(lab)).toEqual(before);
    expect(await lab.probeTcp(web, 80)).toBe('blocked');

    const shown = await lab.inServer([...v6wallCommand(), 'transcript', outcome.transcriptId, '--state-dir', stateDir]);
    expect(shown.exitCode, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/: failed\n/);
    expect(shown.stdout).toMatch(/failed \(by lab\): step 2 failed: Reach web on a port ufw refuses \(`ufw route allow .* port 99999` exited 1/);
    // UFW's chains put back in place, in one transaction: no `ufw reload`.
    expect(shown.stdout).toMatch(/\[rollback\] Put UFW's IPv6 chains back as they were, in one transaction \(ufw6-user-forward\)/);
    expect(shown.stdout).not.toContain('ufw reload');
  });
});
