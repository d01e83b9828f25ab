// Start-up of v6wall as operators run it, measured in one run against `node -e 0`, interleaved so
// the machine's noise hits all alike:
//   - the wizard's first frame through a pty (from spawn until the screen shows step 1),
//   - `--version` through a pty (spawn to exit),
//   - the rollback watchdog's start (spawn until it reports ready; it has no terminal),
// for the single executable (`npm run dist`: release/v6wall-linux-ARCH) and for the Node build
// (`npm run build`: node dist/v6wall.js). Prints numbers; asserts nothing.
// Targets for the executable: first frame 2x or less, --version 1.3x or less.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, spawnCli } from '../test/ui/pty-helpers.js';

const RUNS = Number(process.env.V6WALL_BENCH_RUNS ?? 12);
const MARKER = 'step 1 of 9';
const EXECUTABLE = join(import.meta.dirname, '..', 'release', `v6wall-linux-${process.arch}`);

interface Program {
  name: string;
  argv: string[];
}

const programs: Program[] = [];
if (existsSync(EXECUTABLE)) programs.push({ name: 'executable', argv: [EXECUTABLE] });
else console.log(`startup: ${EXECUTABLE} is missing (run \`npm run dist\`); measuring the Node build only`);
if (existsSync(CLI)) programs.push({ name: 'node dist', argv: [process.execPath, CLI] });
if (programs.length === 0) {
  console.log('startup: nothing to measure; run `npm run build` and `npm run dist` first');
  process.exit(0);
}

const stateDir = mkdtempSync(join(tmpdir(), 'v6wall-startup-bench-'));

async function firstFrame(program: Program): Promise<number> {
  const start = performance.now();
  const [file, ...args] = program.argv;
  const run = spawnCli({ file, args: [...args, '--state-dir', stateDir], columns: 100, rows: 40 });
  await run.waitFor(MARKER, 20_000);
  const elapsed = performance.now() - start;
  run.kill();
  await run.exited;
  return elapsed;
}

async function toExit(argv: string[]): Promise<number> {
  const start = performance.now();
  const [file, ...args] = argv;
  const run = spawnCli({ file, args });
  await run.exited;
  return performance.now() - start;
}

let watchdogs = 0;
/** Spawn until the watchdog writes its ready file (with nothing pending it then exits by itself). */
async function watchdogStart(program: Program): Promise<number> {
  const id = `bench-${(watchdogs += 1)}`;
  const ready = join(stateDir, `watchdog-${id}.ready`);
  const [file, ...args] = program.argv;
  const start = performance.now();
  const child = spawn(file ?? '', [...args, '__watchdog', '--state-dir', stateDir, '--id', id], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  let elapsed = NaN;
  for (;;) {
    if (existsSync(ready)) {
      elapsed = performance.now() - start;
      break;
    }
    if (child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await exited;
  if (Number.isNaN(elapsed)) throw new Error(`the watchdog of ${program.name} exited without reporting ready`);
  return elapsed;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? NaN) : ((sorted[middle - 1] ?? NaN) + (sorted[middle] ?? NaN)) / 2;
};

type Measure = () => Promise<number>;
const measures: [string, Measure][] = [['node -e 0 (baseline)', () => toExit([process.execPath, '-e', '0'])]];
for (const program of programs) {
  measures.push([`${program.name}: wizard first frame`, () => firstFrame(program)]);
  measures.push([`${program.name}: --version`, () => toExit([...program.argv, '--version'])]);
  measures.push([`${program.name}: watchdog ready`, () => watchdogStart(program)]);
}

const samples = new Map<string, number[]>(measures.map(([name]) => [name, []]));
for (const [, measure] of measures) await measure(); // one warm-up of each
for (let round = 0; round < RUNS; round += 1) {
  for (const [name, measure] of measures) samples.get(name)?.push(await measure());
}
rmSync(stateDir, { recursive: true, force: true });

const baseline = median(samples.get('node -e 0 (baseline)') ?? []);
console.log(`start-up, ${RUNS} interleaved rounds, medians; ratio to node -e 0 through the same pty (targets for the executable: first frame <= 2x, --version <= 1.3x)`);
for (const [name, values] of samples) {
  const m = median(values);
  console.log(`${name.padEnd(36)} ${m.toFixed(0).padStart(5)} ms  (min ${Math.min(...values).toFixed(0)}, max ${Math.max(...values).toFixed(0)})  ${(m / baseline).toFixed(2)}x`);
}
