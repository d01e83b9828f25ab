// Start-up of v6wall as operators run it, measured in one run against `node -e 0`, interleaved so
// the machine's noise hits all alike:
//   - the wizard's first frame through a pty (from spawn until the screen shows step 1, which is the
//     "Reading the firewall, Docker and sshd…" frame the operator sees first; the host is read after it),
//   - `--version` through a pty (spawn to exit),
//   - the rollback watchdog's start (spawn until it reports ready; it has no terminal),
// for the single executable (`npm run dist`: release/v6wall-linux-ARCH) and for the Node build
// (`npm run build`: node dist/v6wall.js). Wall time, from outside, and CPU time (user + system,
// which a loaded machine disturbs less), recorded inside each process by startup-cpu-hook.cjs
// (preloaded into all, the baseline too): until the wizard hands its first frame to the terminal,
// otherwise the whole run. Prints medians and ratios to `node -e 0`; asserts nothing.
// V6WALL_BENCH_COMPARE=PATH measures another executable alongside ("compared"), V6WALL_BENCH_RUNS the rounds.
// Targets for the executable: first frame 2x or less, --version 1.3x or less.
import { existsSync, mkdtempSync, readFileSync, rmSync, watch } from 'node:fs';
import { spawn } from 'node:child_process';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, spawnCli } from '../test/ui/pty-helpers.js';

const RUNS = Number(process.env.V6WALL_BENCH_RUNS ?? 12);
const MARKER = 'step 1 of 9';
const EXECUTABLE = join(import.meta.dirname, '..', 'release', `v6wall-linux-${process.arch}`);

interface Program {
  name: string;
  argv: string[];
}

interface Sample {
  wallMs: number;
  cpuMs: number;
}

const programs: Program[] = [];
if (existsSync(EXECUTABLE)) programs.push({ name: 'executable', argv: [EXECUTABLE] });
else console.log(`startup: ${EXECUTABLE} is missing (run \`npm run dist\`); measuring the Node build only`);
if (existsSync(CLI)) programs.push({ name: 'node dist', argv: [process.execPath, CLI] });
// Another build of the executable to hold against this one in the same run (say, main's).
const other = process.env.V6WALL_BENCH_COMPARE;
if (other !== undefined && other !== '') programs.push({ name: 'compared', argv: [other] });
if (programs.length === 0) {
  console.log('startup: nothing to measure; run `npm run build` and `npm run dist` first');
  process.exit(0);
}

const stateDir = mkdtempSync(join(tmpdir(), 'v6wall-startup-bench-'));

const cpuLog = join(stateDir, 'cpu.jsonl');
const hookEnv = {
  NODE_OPTIONS: `--require ${join(import.meta.dirname, 'startup-cpu-hook.cjs')}`,
  V6WALL_STARTUP_CPU_LOG: cpuLog,
  V6WALL_STARTUP_MARKER: MARKER,
};

/** The CPU time the hook recorded for that process at that moment. */
function recordedCpuMs(pid: number, at: 'frame' | 'exit'): number {
  const lines = existsSync(cpuLog) ? readFileSync(cpuLog, 'utf8').split('\n') : [];
  for (const line of lines) {
    if (line === '') continue;
    const record = JSON.parse(line) as { pid: number; at: string; cpuMs: number };
    if (record.pid === pid && record.at === at) return record.cpuMs;
  }
  throw new Error(`no CPU time recorded for process ${pid} at ${at}`);
}

async function firstFrame(program: Program): Promise<Sample> {
  const start = performance.now();
  const [file, ...args] = program.argv;
  const run = spawnCli({ file, args: [...args, '--state-dir', stateDir], columns: 100, rows: 40, env: hookEnv });
  await run.waitFor(MARKER, 20_000);
  const wallMs = performance.now() - start;
  run.kill();
  await run.exited;
  return { wallMs, cpuMs: recordedCpuMs(run.pid, 'frame') };
}

async function toExit(argv: string[]): Promise<Sample> {
  const start = performance.now();
  const [file, ...args] = argv;
  const run = spawnCli({ file, args, env: hookEnv });
  await run.exited;
  return { wallMs: performance.now() - start, cpuMs: recordedCpuMs(run.pid, 'exit') };
}

let watchdogs = 0;
/**
 * Spawn until the watchdog writes its ready file. With nothing pending it then exits at once and
 * removes the file, so the file's creation is watched (inotify) rather than polled for.
 */
async function watchdogStart(program: Program): Promise<Sample> {
  const id = `bench-${(watchdogs += 1)}`;
  const readyName = `watchdog-${id}.ready`;
  const [file, ...args] = program.argv;
  let wallMs = NaN;
  const watcher = watch(stateDir, (_event, name) => {
    if (name === readyName && Number.isNaN(wallMs)) wallMs = performance.now() - start;
  });
  const start = performance.now();
  const child = spawn(file ?? '', [...args, '__watchdog', '--state-dir', stateDir, '--id', id], { stdio: 'ignore', env: { ...process.env, ...hookEnv } });
  await new Promise<void>((resolve) => child.on('exit', () => resolve()));
  // Let the watcher's events that arrived with the exit be handled.
  await new Promise((resolve) => setTimeout(resolve, 20));
  watcher.close();
  if (Number.isNaN(wallMs)) throw new Error(`the watchdog of ${program.name} exited without reporting ready`);
  return { wallMs, cpuMs: recordedCpuMs(child.pid ?? NaN, 'exit') };
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? NaN) : ((sorted[middle - 1] ?? NaN) + (sorted[middle] ?? NaN)) / 2;
};

type Measure = () => Promise<Sample>;
const BASELINE = 'node -e 0 (baseline)';
const measures: [string, Measure][] = [[BASELINE, () => toExit([process.execPath, '-e', '0'])]];
for (const program of programs) {
  measures.push([`${program.name}: wizard first frame`, () => firstFrame(program)]);
  measures.push([`${program.name}: --version`, () => toExit([...program.argv, '--version'])]);
  measures.push([`${program.name}: watchdog ready`, () => watchdogStart(program)]);
}

const loadBefore = loadavg();
const samples = new Map<string, Sample[]>(measures.map(([name]) => [name, []]));
for (const [, measure] of measures) await measure(); // one warm-up of each
for (let round = 0; round < RUNS; round += 1) {
  for (const [name, measure] of measures) samples.get(name)?.push(await measure());
}
const loadAfter = loadavg();
rmSync(stateDir, { recursive: true, force: true });

const baseline = samples.get(BASELINE) ?? [];
/** The median of the round-by-round ratios, so that a drift in the machine's speed cancels out. */
const ratio = (values: Sample[], field: keyof Sample): string =>
  `${median(values.map((sample, round) => sample[field] / (baseline[round]?.[field] ?? NaN))).toFixed(2)}x`;
const load = (values: number[]): string => values.map((value) => value.toFixed(1)).join(' ');
console.log(
  `start-up, ${RUNS} interleaved rounds, medians; ratio: the median of each round's ratio to node -e 0 (targets for the executable: first frame <= 2x, --version <= 1.3x)`,
);
console.log(
  `load average ${load(loadBefore)} before, ${load(loadAfter)} after, on ${process.arch}; CPU = user + system (first frame: until it is written; others: the whole run)`,
);
console.log(`${''.padEnd(36)} ${'wall'.padStart(8)} ${'(min-max)'.padStart(13)} ${'ratio'.padStart(6)} ${'CPU'.padStart(8)} ${'ratio'.padStart(6)}`);
for (const [name, values] of samples) {
  const wall = values.map((sample) => sample.wallMs);
  const cpu = median(values.map((sample) => sample.cpuMs));
  const range = `(${Math.min(...wall).toFixed(0)}-${Math.max(...wall).toFixed(0)})`;
  console.log(
    `${name.padEnd(36)} ${`${median(wall).toFixed(0)} ms`.padStart(8)} ${range.padStart(13)} ${ratio(values, 'wallMs').padStart(6)} ${`${cpu.toFixed(0)} ms`.padStart(8)} ${ratio(values, 'cpuMs').padStart(6)}`,
  );
}
