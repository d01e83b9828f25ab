// Test doubles for apply's unit tests. Everything here is a FAKE: the real proof with a real
// ufw in network namespaces is test/lab/apply.test.ts. Nothing here touches the machine's firewall.
import { chmod, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plan, PlanStep } from '../../src/core/types/plan.js';
import type { CommandResult, Runner } from '../../src/core/types/runner.js';
import type { UfwPaths } from '../../src/apply/paths.js';

export interface FakeHost {
  root: string;
  stateDir: string;
  paths: UfwPaths;
  /** A bin folder holding fake `ufw`, `ip6tables-save` and `iptables-save` scripts. */
  fakeBin: string;
  /** Every argv the fake ufw script was called with, one line each. */
  fakeUfwLog: string;
}

export const ORIGINAL_USER6 = '*filter\n### RULES ###\n### tuple ### allow tcp 22 ::/0 any ::/0 in\n### END RULES ###\n';
export const ORIGINAL_CONF = 'ENABLED=no\nLOGLEVEL=low\n';
export const ORIGINAL_DEFAULTS = 'IPV6=yes\nDEFAULT_INPUT_POLICY="ACCEPT"\n';

// A POSIX sh stand-in for ufw that edits the temp copies the way ufw edits /etc/ufw.
const FAKE_UFW_SCRIPT = `#!/bin/sh
echo "$*" >> "$FAKE_UFW_LOG"
case "$*" in
  *fail-me*) echo "ERROR: Bad port 'fail-me'" >&2; exit 1 ;;
  *held-me*)
    echo $$ > "$FAKE_UFW_DIR/held-started"
    case "$*" in *kill-parent*) kill -KILL $PPID ;; esac
    while [ ! -e "$FAKE_UFW_DIR/release" ]; do sleep 0.05; done
    echo "### tuple ### fake $*" >> "$FAKE_UFW_DIR/user6.rules"; echo "Rule added (v6)" ;;
  "--force enable") sed -i 's/^ENABLED=.*/ENABLED=yes/' "$FAKE_UFW_DIR/ufw.conf"; echo "Firewall is active and enabled on system startup" ;;
  "--force disable") sed -i 's/^ENABLED=.*/ENABLED=no/' "$FAKE_UFW_DIR/ufw.conf"; echo "Firewall stopped and disabled on system startup" ;;
  reload) echo "Firewall reloaded" ;;
  *) echo "### tuple ### fake $*" >> "$FAKE_UFW_DIR/user6.rules"; echo "Rule added (v6)" ;;
esac
`;

export async function makeFakeHost(): Promise<FakeHost> {
  const root = await mkdtemp(join(tmpdir(), 'v6wall-apply-'));
  const ufwDir = join(root, 'etc-ufw');
  const fakeBin = join(root, 'bin');
  await mkdir(ufwDir);
  await mkdir(fakeBin);
  await writeFile(join(ufwDir, 'user6.rules'), ORIGINAL_USER6, { mode: 0o640 });
  await writeFile(join(ufwDir, 'user.rules'), '*filter\n### RULES ###\n### END RULES ###\n', { mode: 0o640 });
  await writeFile(join(ufwDir, 'before6.rules'), '# before6\n', { mode: 0o640 });
  await writeFile(join(ufwDir, 'ufw.conf'), ORIGINAL_CONF, { mode: 0o644 });
  await writeFile(join(ufwDir, 'sysctl.conf'), '# not saved\n');
  await writeFile(join(root, 'default-ufw'), ORIGINAL_DEFAULTS, { mode: 0o644 });
  const fakeUfwLog = join(root, 'fake-ufw.log');
  await writeFile(fakeUfwLog, '');
  await writeFile(join(fakeBin, 'ufw'), FAKE_UFW_SCRIPT);
  // The fake host has no live firewall to read back: `-t filter` (the rollback's live read) fails, so
  // rollbacks here take ufw's own way (reload or disable), which the fake ufw records.
  await writeFile(join(fakeBin, 'ip6tables-save'), '#!/bin/sh\n[ "$1" = -t ] && { echo "fake: no live ruleset" >&2; exit 1; }\necho "# fake ip6tables-save"\n');
  await writeFile(join(fakeBin, 'iptables-save'), '#!/bin/sh\n[ "$1" = -t ] && { echo "fake: no live ruleset" >&2; exit 1; }\necho "# fake iptables-save"\n');
  for (const name of ['ufw', 'ip6tables-save', 'iptables-save']) await chmod(join(fakeBin, name), 0o755);
  return { root, stateDir: join(root, 'state'), paths: { ufwDir, defaultsFile: join(root, 'default-ufw') }, fakeBin, fakeUfwLog };
}

/** The environment under which the fake scripts come first on PATH. */
export function fakeEnv(host: FakeHost): Record<string, string> {
  return { PATH: `${host.fakeBin}:${process.env['PATH'] ?? '/usr/bin:/bin'}`, FAKE_UFW_LOG: host.fakeUfwLog, FAKE_UFW_DIR: host.paths.ufwDir };
}

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const tsxLoader = import.meta.resolve('tsx');

/** Starts the watchdog from source, with the fake ufw first on PATH (never the real one). */
export function fakeWatchdogCommand(host: FakeHost): string[] {
  const env = Object.entries(fakeEnv(host)).map(([k, v]) => `${k}=${v}`);
  return ['/usr/bin/env', ...env, process.execPath, '--import', tsxLoader, join(repoRoot, 'src/apply/watchdog-main.ts')];
}

/** An in-process fake ufw Runner: records calls and edits the temp files like the script does. */
export function fakeUfwRunner(host: FakeHost, options: { failOn?: (argv: readonly string[]) => boolean } = {}): Runner & { calls: string[][] } {
  const calls: string[][] = [];
  const runner = async (argv: readonly string[]): Promise<CommandResult> => {
    calls.push([...argv]);
    const done = (exitCode: number, stdout: string, stderr = ''): CommandResult => ({
      argv: [...argv],
      exitCode,
      stdout,
      stderr,
      durationMs: 1,
      notFound: false,
    });
    if ((argv[0] === 'ip6tables-save' || argv[0] === 'iptables-save') && argv[1] === '-t') return done(1, '', 'fake: no live ruleset\n');
    if (argv[0] === 'ip6tables-save' || argv[0] === 'iptables-save') return done(0, `# fake ${argv[0]}\n`);
    if (argv[0] !== 'ufw') return done(127, '', `${argv[0]}: command not found`);
    if (options.failOn?.(argv)) return done(1, '', 'ERROR: Bad port\n');
    const conf = join(host.paths.ufwDir, 'ufw.conf');
    const rest = argv.slice(1).join(' ');
    if (rest === '--force enable') {
      await writeFile(conf, (await readFile(conf, 'utf8')).replace(/^ENABLED=.*$/m, 'ENABLED=yes'));
      return done(0, 'Firewall is active and enabled on system startup\n');
    }
    if (rest === '--force disable') {
      await writeFile(conf, (await readFile(conf, 'utf8')).replace(/^ENABLED=.*$/m, 'ENABLED=no'));
      return done(0, 'Firewall stopped and disabled on system startup\n');
    }
    if (rest === 'reload') return done(0, 'Firewall reloaded\n');
    const user6 = join(host.paths.ufwDir, 'user6.rules');
    await writeFile(user6, `${await readFile(user6, 'utf8')}### tuple ### fake ${rest}\n`);
    return done(0, 'Rule added (v6)\n');
  };
  return Object.assign(runner, { calls });
}

export function step(argv: string[], extra: Partial<PlanStep> = {}): PlanStep {
  return { kind: 'route', why: `run ${argv.join(' ')}`, argv, undoArgv: ['ufw', 'delete', ...argv.slice(1)], satisfied: false, ...extra };
}

/** A small plan shaped like the planner's: SSH, a route rule, a satisfied step, then enable. */
export function samplePlan(): Plan {
  return {
    notes: [],
    steps: [
      step(['ufw', 'allow', 'proto', 'tcp', 'from', 'any', 'to', '::/0', 'port', '22', 'comment', 'v6wall ssh 22/tcp'], {
        kind: 'ssh',
        why: 'Allow SSH on port 22 first',
      }),
      step(['ufw', 'route', 'allow', 'proto', 'tcp', 'from', 'any', 'to', '2001:db8:1::10', 'port', '80', 'comment', 'v6wall route web 80/tcp'], {
        why: "Let the internet reach web's 80/tcp",
      }),
      step(['ufw', 'default', 'deny', 'incoming'], { kind: 'default', why: 'Deny incoming', satisfied: true, undoArgv: null }),
      step(['ufw', '--force', 'enable'], { kind: 'enable', why: 'Turn the firewall on', undoArgv: ['ufw', 'disable'] }),
    ],
  };
}

/**
 * samplePlan with a step whose fake ufw runs until the test creates `release` in the UFW folder,
 * then writes its rule, as ufw writes its files at the end. With `killParent` the command kills
 * v6wall the moment it starts, before v6wall could note anything about it.
 */
export function heldStepPlan(killParent = false): Plan {
  const plan = samplePlan();
  const comment = killParent ? 'held-me kill-parent' : 'held-me';
  plan.steps.splice(
    2,
    0,
    step(['ufw', 'route', 'allow', 'proto', 'tcp', 'from', 'any', 'to', '2001:db8:1::11', 'port', '81', 'comment', comment], {
      why: 'A step that runs until released',
    }),
  );
  return plan;
}

export const sampleChoices = {
  sshPorts: [22],
  exposures: [{ container: 'web', port: 80, proto: 'tcp' as const, exposure: 'route' as const }],
};

export const rootHost = { hostname: 'testhost', user: 'alice', root: true, ufwInstalled: true, ufwInstallHint: null };

export async function waitFor<T>(probe: () => Promise<T | null | undefined | false>, timeoutMs: number, what: string): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== null && value !== undefined && value !== false) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
