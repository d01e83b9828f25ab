// Benchmark (not a timed test): how soon after the deadline the automatic rollback is done, with
// both cores kept busy by two spinning processes, on a real host (the lab: real UFW, real Docker
// with its ip6tables rules and v6wall's DOCKER-USER block). Each round applies a route without
// confirming and reads the rollback's end from the transcript. Prints the median and the worst of
// the rounds, their ratio to the 1 s target, and, measured in the same run under the same load,
// what one `ufw reload` (the rollback's old way) takes. Needs root and the lab; otherwise says why.
//   npx tsx bench/rollback.bench.ts
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';

const ROUNDS = 6;
const CONFIRM_TIMEOUT_SEC = 10;
const TARGET_MS = 1000;
const ROUTED_SUBNET = '2001:db8:1234:a1:2::/80';
const WEB = '2001:db8:1234:a1:2::10';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** One spinning process per core, at normal priority, until stopped. */
function cpuLoad(): ChildProcess[] {
  return [0, 1].map(() => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
}

async function main(): Promise<number> {
  const harness = await import('../test/lab/harness.js');
  const availability = harness.labAvailable();
  if (!availability.ok) {
    process.stdout.write(`rollback bench: cannot run: ${availability.reason}\n`);
    return 0;
  }
  if (!existsSync(harness.V6WALL_JS)) {
    process.stdout.write(`rollback bench: cannot run: ${harness.V6WALL_JS} is missing (npm run build)\n`);
    return 0;
  }
  const { docker28Available, docker28Root } = await import('../test/lab/docker28.js');
  const { readTranscript } = await import('../src/apply/transcript.js');
  const docker = docker28Available() ? { unpackedRoot: await docker28Root() } : { ip6tables: true, experimental: true };
  const lab = await harness.startLab({ docker, ipv4: true });
  let load: ChildProcess[] = [];
  try {
    await lab.createNetwork({ name: 'routednet', subnet6: ROUTED_SUBNET, options: { 'com.docker.network.bridge.gateway_mode_ipv6': 'routed' } });
    await lab.runContainer({ name: 'web', network: 'routednet', ip6: WEB, publish: ['80'] });
    await lab.ufw(['allow', 'proto', 'tcp', 'from', 'any', 'to', '::/0', 'port', String(harness.LAB_SSH_PORT)]);
    await lab.ufw(['default', 'deny', 'routed']);
    await lab.ufw(['--force', 'enable']);

    load = cpuLoad();
    const late: number[] = [];
    const reloads: number[] = [];
    for (let round = 1; round <= ROUNDS; round += 1) {
      const applied = await lab.runV6wall(['apply', '--route', 'web:80', '--yes', '--confirm-timeout', String(CONFIRM_TIMEOUT_SEC)]);
      const id = /Transcript: v6wall transcript (\S+)/.exec(applied.stdout)?.[1];
      const deadline = Date.parse(/Deadline: (\S+)/.exec(applied.stdout)?.[1] ?? '');
      if (applied.exitCode !== 0 || id === undefined) throw new Error(`apply failed: ${applied.stderr}`);
      for (;;) {
        const t = await readTranscript(lab.paths.stateDir, id);
        if (t.ok && (t.value.outcome === 'rolled-back' || t.value.outcome === 'failed')) {
          const ms = Date.parse(t.value.entries.at(-1)?.when ?? '') - deadline;
          const how = t.value.entries.flatMap((e) => (e.type === 'step' && e.phase === 'rollback' ? [e.record.argv[0] ?? ''] : [])).join(', ');
          late.push(ms);
          process.stdout.write(`round ${round}: rollback done ${ms} ms after the deadline (${how}), load ${loadavg()[0]?.toFixed(1)}\n`);
          break;
        }
        if (Date.now() > deadline + 60_000) throw new Error('no rollback within 60 s of the deadline');
        await new Promise((r) => setTimeout(r, 50));
      }
      // The old way, under the same load: one full `ufw reload`.
      const reload = await lab.ufw(['reload']);
      reloads.push(reload.durationMs);
    }
    const worst = Math.max(...late);
    process.stdout.write(
      [
        `rollback after the deadline, ${ROUNDS} rounds, both cores busy (${CONFIRM_TIMEOUT_SEC} s windows):`,
        `  median ${median(late)} ms (${(median(late) / TARGET_MS).toFixed(2)}x the 1 s target), worst ${worst} ms (${(worst / TARGET_MS).toFixed(2)}x)`,
        `  one \`ufw reload\` in the same run: median ${Math.round(median(reloads))} ms, worst ${Math.round(Math.max(...reloads))} ms;`,
        `  the rollback's median is ${(median(late) / median(reloads)).toFixed(2)}x a reload's`,
        '',
      ].join('\n'),
    );
    return 0;
  } finally {
    for (const child of load) child.kill('SIGKILL');
    await lab.teardown();
  }
}

process.exitCode = await main();
