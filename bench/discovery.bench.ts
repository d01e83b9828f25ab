// Benchmark (not a timed test): v6wall's discovery against one `docker ps` plus one `docker
// inspect` of every container, with 200 containers on the lab's dockerd, both inside the lab's
// server namespace, alternating, in the same run. Prints medians, the ratio (target 1.25x or less)
// and discovery's docker call count (CLI processes and Engine API requests) at 10 and at 200
// containers (it must not grow). Needs the lab (root, namespaces, dockerd).
//   npx tsx bench/discovery.bench.ts
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ContainerSpec, Lab } from '../test/lab/harness.js';
import type { ProbeReport, TracedCall } from './discovery-probe.js';

const CONTAINERS = 200;
const FIRST_STAGE = 10;
const ROUNDS = 9;
const TARGET = 1.25;
const here = fileURLToPath(import.meta.url);
const repoRoot = join(here, '../..');
const probeScript = join(repoRoot, 'bench/discovery-probe.ts');
const NETWORKS = [
  { name: 'bench-v6a', subnet6: '2001:db8:1234:a1:1::/80' },
  { name: 'bench-v6b', subnet6: '2001:db8:1234:a1:2::/80' },
] as const;

/** A mix like a real host: two IPv6 networks and the default bridge, fixed --ip6 on some, published ports on some. */
function containerSpec(index: number): ContainerSpec {
  const kind = index % 4;
  const spec: ContainerSpec = { name: `bench-${index}` };
  if (kind === 0 || kind === 1) spec.network = NETWORKS[0].name;
  if (kind === 2) spec.network = NETWORKS[1].name;
  if (kind === 0) spec.ip6 = `2001:db8:1234:a1:1::${(0x100 + index).toString(16)}`;
  if (index % 5 === 0) spec.publish = [`${20000 + index}:80`];
  if (index % 7 === 0) spec.expose = ['9000'];
  return spec;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

const ms = (value: number): string => `${Math.round(value)} ms`;

async function probe(lab: Lab, rounds: number): Promise<ProbeReport> {
  const argv = [process.execPath, '--import', import.meta.resolve('tsx'), probeScript, String(rounds)];
  const result = await lab.inServer(argv, { timeoutMs: 240_000 });
  const last = result.stdout.trim().split('\n').at(-1) ?? '';
  if (result.exitCode !== 0 || !last.startsWith('{')) throw new Error(`discovery probe failed (exit ${result.exitCode}): ${result.stderr.trim()}`);
  return JSON.parse(last) as ProbeReport;
}

/** Whole processes from outside the namespace: `v6wall plan --json` against a shell doing docker ps + docker inspect. */
async function processRounds(lab: Lab, ids: readonly string[]): Promise<{ shell: number[]; v6wall: number[]; exitCodes: Set<number> }> {
  const script = 'docker ps --no-trunc --format "{{json .}}" >/dev/null && docker inspect --type container "$@" >/dev/null';
  const shell: number[] = [];
  const v6wall: number[] = [];
  const exitCodes = new Set<number>();
  const runShell = async () => {
    const result = await lab.inServer(['sh', '-c', script, 'sh', ...ids], { timeoutMs: 60_000 });
    if (result.exitCode !== 0) throw new Error(`baseline shell failed: ${result.stderr.trim()}`);
    shell.push(result.durationMs);
  };
  const runV6wall = async () => {
    const result = await lab.runV6wall(['plan', '--json'], {}, { timeoutMs: 60_000 });
    exitCodes.add(result.exitCode);
    v6wall.push(result.durationMs);
  };
  await runShell();
  await runV6wall();
  shell.length = 0;
  v6wall.length = 0;
  for (let round = 0; round < ROUNDS; round += 1) {
    if (round % 2 === 0) {
      await runShell();
      await runV6wall();
    } else {
      await runV6wall();
      await runShell();
    }
  }
  return { shell, v6wall, exitCodes };
}

function traceLines(trace: readonly TracedCall[], totalMs: number): string[] {
  const width = Math.max(...trace.map((call) => call.command.length));
  return [
    `  one warm discovery, every command (start..end, ms), total ${ms(totalMs)}:`,
    ...trace.map((call) => `    ${call.command.padEnd(width)}  ${String(Math.round(call.startMs)).padStart(5)}..${String(Math.round(call.endMs)).padStart(5)}`),
  ];
}

async function main(): Promise<number> {
  const harness = await import('../test/lab/harness.js');
  const availability = harness.labAvailable();
  if (!availability.ok) {
    process.stdout.write(`discovery bench: cannot run: ${availability.reason}\n`);
    return 0;
  }
  const started = performance.now();
  const loadBefore = loadavg()
    .map((load) => load.toFixed(1))
    .join(' ');
  const lab = await harness.startLab();
  try {
    for (const network of NETWORKS) await lab.createNetwork(network);
    const specs = Array.from({ length: CONTAINERS }, (_, index) => containerSpec(index));
    const firstIds = await lab.runContainers(specs.slice(0, FIRST_STAGE));
    const small = await probe(lab, ROUNDS);
    const setupStarted = performance.now();
    const restIds = await lab.runContainers(specs.slice(FIRST_STAGE));
    const setupMs = performance.now() - setupStarted;
    const large = await probe(lab, ROUNDS);
    if (large.containersSeen !== CONTAINERS) throw new Error(`discovery saw ${large.containersSeen} containers, expected ${CONTAINERS}`);

    const haveBuild = existsSync(harness.V6WALL_JS);
    const processes = haveBuild ? await processRounds(lab, [...firstIds, ...restIds]) : undefined;

    const row = (report: ProbeReport): string => {
      const base = median(report.baselineMs);
      const cells = [
        String(report.containersSeen).padStart(10),
        String(report.dockerCalls).padStart(12),
        ms(base).padStart(9),
        `${ms(median(report.discoveryMs))} ${(median(report.discoveryMs) / base).toFixed(2)}x`.padStart(19),
        `${ms(median(report.dockerPartMs))} ${(median(report.dockerPartMs) / base).toFixed(2)}x`.padStart(20),
      ];
      return `  ${cells.join('  ')}`;
    };
    const lines = [
      `discovery bench: Docker 20.10 in the lab's server namespace, ${ROUNDS} alternating rounds, medians (target <= ${TARGET}x)`,
      `  setup: ${FIRST_STAGE} then ${CONTAINERS - FIRST_STAGE} more containers started in ${ms(setupMs)}`,
      `  load average ${loadBefore} at start, ${loadavg()
        .map((load) => load.toFixed(1))
        .join(' ')} now: discovery runs ~12 tools at once, so on a busy machine it pays their CPU`,
      '  baseline = docker ps + docker inspect <all>, one after another, through runCommand; discovery reads Docker through its Engine API (docker CLI only as the fallback)',
      `  containers  docker calls   baseline  discoverHostFacts()  discoverDocker() only`,
      row(small),
      row(large),
      `  docker calls constant: ${small.dockerCalls === large.dockerCalls ? 'yes' : 'NO'} (${large.dockerCommands.join('; ')})`,
      `  ${CONTAINERS} rounds: baseline ${large.baselineMs.map(ms).join(', ')}`,
      `  ${CONTAINERS} rounds: discovery ${large.discoveryMs.map(ms).join(', ')}`,
      processes
        ? `  whole process: shell doing docker ps + docker inspect ${ms(median(processes.shell))}, v6wall plan --json ${ms(median(processes.v6wall))} (exit ${[...processes.exitCodes].join('/')}; includes node start)`
        : `  whole process: skipped (${harness.V6WALL_JS} missing: npm run build)`,
      ...traceLines(large.trace, large.traceTotalMs),
      `  total bench time ${ms(performance.now() - started)}`,
      '',
    ];
    process.stdout.write(lines.join('\n'));
    return 0;
  } catch (error) {
    process.stderr.write(`discovery bench: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    const problems = await lab.teardown();
    if (problems.length > 0) process.stderr.write(`discovery bench: teardown: ${problems.join('; ')}\n`);
  }
}

process.exitCode = await main();
