// Benchmark (not a timed test): v6wall applying 50 route rules against a plain shell loop of the
// same ufw commands, both inside the lab's server namespace, in the same run. Prints the ratio
// (target 1.1x or less). v6wall's side is bench/apply-in-lab.ts bundled like the CLI (no
// TypeScript loader: operators run the bundle). Needs the lab (root, namespaces, ufw) and
// `npm run build` (npm run bench does it); otherwise it says why not.
//   npx tsx bench/apply.bench.ts
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Plan, PlanStep } from '../src/core/types/plan.js';
import { shellJoin } from '../src/core/shell-quote.js';
import type { ApplyRoundReport } from './apply-in-lab.js';

const RULES = 50;
const ROUNDS = 10;
const here = fileURLToPath(import.meta.url);
const repoRoot = join(here, '../..');

function routePlan(): Plan {
  const steps: PlanStep[] = Array.from({ length: RULES }, (_, i) => {
    const address = `2001:db8:1234:a1:1::${(0x100 + i).toString(16)}`;
    return {
      kind: 'route',
      why: `bench rule ${i + 1}`,
      argv: ['ufw', 'route', 'allow', 'proto', 'tcp', 'from', 'any', 'to', address, 'port', '80', 'comment', `v6wall route bench${i} 80/tcp`],
      undoArgv: null,
      satisfied: false,
    };
  });
  return { steps, notes: [] };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

async function main(): Promise<number> {
  const harnessFile = join(repoRoot, 'test/lab/harness.ts');
  if (!existsSync(harnessFile)) {
    process.stdout.write('apply bench: cannot run: the lab harness (test/lab/harness.ts) is missing; ufw must not run outside a lab namespace\n');
    return 0;
  }
  const harness = await import('../test/lab/harness.js');
  const availability = harness.labAvailable();
  if (!availability.ok) {
    process.stdout.write(`apply bench: cannot run: ${availability.reason}\n`);
    return 0;
  }
  if (!existsSync(harness.V6WALL_JS)) {
    process.stdout.write(`apply bench: cannot run: ${harness.V6WALL_JS} is missing (npm run build)\n`);
    return 0;
  }
  const { run, must } = await import('../test/lab/exec.js');
  const work = await mkdtemp(join(tmpdir(), 'v6wall-bench-'));
  const inLabJs = join(work, 'apply-in-lab.mjs');
  const { bundleOptions } = (await import(join(repoRoot, 'scripts/bundle-options.mjs'))) as {
    bundleOptions: (entry: string, out: string) => Parameters<typeof build>[0];
  };
  await build({ ...bundleOptions(join(repoRoot, 'bench/apply-in-lab.ts'), inLabJs), absWorkingDir: repoRoot });
  const lab = await harness.startLab({ docker: false, sshd: false });
  try {
    await must(lab.serverArgv(['ufw', '--force', 'enable']), { env: lab.env });
    const saved = ['user.rules', 'user6.rules'];
    for (const name of saved) await copyFile(join(lab.paths.ufwEtc, name), join(work, name));
    const reset = async () => {
      for (const name of saved) await copyFile(join(work, name), join(lab.paths.ufwEtc, name));
      await must(lab.serverArgv(['ufw', 'reload']), { env: lab.env });
    };
    const plan = routePlan();
    const planFile = join(work, 'plan.json');
    await writeFile(planFile, JSON.stringify(plan));
    const loop = `start=$(date +%s%N); ${plan.steps.map((s) => `${shellJoin(s.argv)} >/dev/null || exit 1`).join('; ')}; end=$(date +%s%N); echo $(( (end - start) / 1000000 ))`;

    const shellMs: number[] = [];
    const v6wallMs: number[] = [];
    const commandsOnlyMs: number[] = [];
    const breakdown: string[] = [];
    const runShell = async () => {
      const r = await must(lab.serverArgv(['sh', '-c', loop]), { env: lab.env, timeoutMs: 300_000 });
      shellMs.push(Number(r.stdout.trim()));
    };
    const runV6wall = async (round: number) => {
      const argv = lab.serverArgv([process.execPath, inLabJs, planFile, join(work, `state-${round}`), harness.V6WALL_JS]);
      const r = await run(argv, { env: lab.env, timeoutMs: 300_000 });
      const report = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as ApplyRoundReport;
      if (!report.ok) throw new Error(`v6wall apply failed in the lab: ${report.error ?? r.stderr}`);
      v6wallMs.push(report.ms);
      commandsOnlyMs.push(report.commandsMs);
      breakdown.push(`snapshot + watchdog ${Math.round(report.beforeFirstStep)} ms, the ufw commands themselves ${Math.round(report.commandsMs)} ms`);
    };
    // Alternate the order so drift on a shared machine hits both sides alike.
    for (let round = 0; round < ROUNDS; round += 1) {
      if (round % 2 === 0) {
        await runShell();
        await reset();
        await runV6wall(round);
      } else {
        await runV6wall(round);
        await reset();
        await runShell();
      }
      await reset();
    }
    const ratio = median(v6wallMs) / median(shellMs);
    process.stdout.write(
      [
        `apply bench: ${RULES} route rules, UFW active, inside the lab's server namespace, ${ROUNDS} rounds`,
        `  shell loop of the same ufw commands: ${shellMs.map((ms) => `${Math.round(ms)} ms`).join(', ')} (median ${Math.round(median(shellMs))} ms)`,
        `  v6wall applyPlan, bundled (snapshot, watchdog, recorded steps): ${v6wallMs.map((ms) => `${Math.round(ms)} ms`).join(', ')} (median ${Math.round(median(v6wallMs))} ms)`,
        `  ratio v6wall / shell loop: ${ratio.toFixed(3)}x (target <= 1.1x)`,
        // Each round ran both sides back to back, so a per-round ratio cancels slow drift on the machine.
        `  median of the ${ROUNDS} per-round ratios: ${median(v6wallMs.map((ms, round) => ms / (shellMs[round] ?? ms))).toFixed(3)}x`,
        `  the same ufw commands started by v6wall alone (median ${Math.round(median(commandsOnlyMs))} ms): ${(median(commandsOnlyMs) / median(shellMs)).toFixed(3)}x the shell loop`,
        ...breakdown.map((line, round) => `  v6wall round ${round + 1}: ${line}`),
        '',
      ].join('\n'),
    );
    return 0;
  } finally {
    await rm(work, { recursive: true, force: true });
    await lab.teardown();
  }
}

process.exitCode = await main();
