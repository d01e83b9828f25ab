// Issue 14 speed target: analysing a 5,000-rule nftables ruleset takes 200 ms or less cold,
// printed as a ratio to reading the same ruleset with `nft -j list ruleset` in the same run.
// The ruleset: Docker's own golden IPv6 table for a nat network (moby's nftabler test data) grown
// the way Docker 29 grows it per published container (a DNAT, a "DROP DIRECT ACCESS", an accept
// in the bridge's chain), plus a table v6wall could own with one forward opening per container.
// It is loaded with `nft -f` into a fresh network namespace and read back with `nft -j list
// ruleset` (the baseline); the analysis reads that output. Cold: one parse + analysis in a fresh
// process running nftables-cold-run.ts bundled like the CLI (median of several); warm: repeated in
// this process. Wall and CPU time: on a loaded machine wall time mostly measures the queue.
// Needs root and nft; no assertions.
//   sudo npx tsx bench/nftables.bench.ts
import { spawnSync } from 'node:child_process';
import { build, type BuildOptions } from 'esbuild';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseIptablesSave } from '../src/core/iptables/parse-save.js';
import { analyzeReachability, type Probe, type RoutingContext } from '../src/core/iptables/reachability.js';
import { parseNftJson } from '../src/core/nftables/parse-json.js';
import { adaptGolden, ip6GoldenFor, NFT_1_0_6_SPELLING } from '../test/lab/nft-golden.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const TARGET_RULES = 5000;
const BRIDGE = 'br-bench';
const SUBNET = '2001:db8:1234:a1:1::/80';
const HOST = '2001:db8:1234:1::2';
const ROUNDS = 9;
const WARM_RUNS = 15;

const containerAddress = (i: number): string => `2001:db8:1234:a1:1::${(0x1000 + i).toString(16)}`;
const hostPort = (i: number): number => 10000 + i;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** Inserts lines next to the first line containing `marker` (after it, or before it). */
function insertAt(lines: string[], marker: string, extra: string[], where: 'after' | 'before'): void {
  const at = lines.findIndex((l) => l.includes(marker));
  if (at === -1) throw new Error(`golden has no line with "${marker}"`);
  lines.splice(where === 'after' ? at + 1 : at, 0, ...extra);
}

/** Docker's golden with `services` published containers, and a v6wall-like table opening each one. */
function grow(services: number): string {
  const golden = adaptGolden(ip6GoldenFor('nat').text, { bridge: BRIDGE, subnet: SUBNET, container: containerAddress(0), hostPort: hostPort(0) }).text;
  const lines = golden.split('\n');
  const more = Array.from({ length: services - 1 }, (_, k) => k + 1);
  insertAt(
    lines,
    'comment "DNAT"',
    more.map((i) => `\t\tiifname != "${BRIDGE}" ip6 saddr != fe80::/10 tcp dport ${hostPort(i)} counter dnat to [${containerAddress(i)}]:80 comment "DNAT"`),
    'after',
  );
  insertAt(
    lines,
    'comment "DROP DIRECT ACCESS"',
    more.map((i) => `\t\tip6 daddr ${containerAddress(i)} iifname != "${BRIDGE}" counter drop comment "DROP DIRECT ACCESS"`),
    'after',
  );
  insertAt(
    lines,
    'comment "UNPUBLISHED PORT DROP"',
    more.map((i) => `\t\tip6 daddr ${containerAddress(i)} tcp dport 80 counter accept`),
    'before',
  );
  const openings = Array.from({ length: services }, (_, i) => `\t\toifname "${BRIDGE}" ip6 daddr ${containerAddress(i)} tcp dport 443 accept`);
  const v6wall = [
    'table inet v6wall {',
    '\tchain input {',
    '\t\ttype filter hook input priority filter - 10; policy drop;',
    '\t\tct state established,related accept',
    '\t\ttcp dport 2222 accept',
    '\t}',
    '\tchain forward {',
    '\t\ttype filter hook forward priority filter - 10; policy accept;',
    '\t\tct state established,related accept',
    `\t\tiifname "${BRIDGE}" accept`,
    ...openings,
    '\t}',
    '}',
  ];
  let text = `${lines.join('\n')}\n${v6wall.join('\n')}\n`;
  for (const [from, to] of NFT_1_0_6_SPELLING) text = text.split(from).join(to);
  return text;
}

interface Timed {
  stdout: string;
  /** Wall-clock milliseconds. */
  ms: number;
  /** CPU milliseconds (user + system) of the process, from GNU time. */
  cpuMs: number;
}

function run(argv: string[], input?: string): Timed {
  const started = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', 'v6wall-cpu %U %S', ...argv], {
    input,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, LANGUAGE: '', LC_ALL: 'C', LANG: 'C' },
  });
  const ms = performance.now() - started;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed: ${r.stderr}`);
  const cpu = /v6wall-cpu (\S+) (\S+)/.exec(r.stderr);
  return { stdout: r.stdout, ms, cpuMs: cpu === null ? Number.NaN : (Number(cpu[1]) + Number(cpu[2])) * 1000 };
}

function canRun(): string | null {
  if (process.getuid?.() !== 0) return 'needs root (a network namespace and nft)';
  if (spawnSync('nft', ['--version']).status !== 0) return 'nft is not installed (apt-get install nftables)';
  if (spawnSync('/usr/bin/time', ['true']).status !== 0) return 'GNU time (/usr/bin/time) is missing';
  return null;
}

const stats = (values: readonly number[]): string =>
  `median ${median(values).toFixed(1)} ms (min ${Math.min(...values).toFixed(1)}, max ${Math.max(...values).toFixed(1)})`;

/** The cold run bundled like the CLI: operators run the bundle, not TypeScript through a loader. */
async function bundleColdRun(dir: string): Promise<string> {
  const out = join(dir, 'nftables-cold-run.mjs');
  const repoRoot = join(here, '..');
  const { bundleOptions } = (await import(join(repoRoot, 'scripts/bundle-options.mjs'))) as { bundleOptions: (entry: string, out: string) => BuildOptions };
  await build({ ...bundleOptions(join(here, 'nftables-cold-run.ts'), out), absWorkingDir: repoRoot });
  return out;
}

async function main(): Promise<void> {
  const why = canRun();
  if (why !== null) {
    console.log(`nftables bench: cannot run: ${why}`);
    return;
  }
  // 3 rules per published container in Docker's table, 1 opening in v6wall's.
  const services = Math.floor((TARGET_RULES - 20) / 4);
  const ns = `v6wall-bench-${randomBytes(3).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'v6wall-nft-bench-'));
  run(['ip', 'netns', 'add', ns]);
  try {
    const coldRun = await bundleColdRun(dir);
    run(['ip', 'netns', 'exec', ns, 'nft', '-f', '-'], grow(services));
    const list = () => run(['ip', 'netns', 'exec', ns, 'nft', '-j', 'list', 'ruleset']);
    const json = list().stdout;
    const rules = parseNftJson(json).tables.reduce((n, t) => n + t.chains.reduce((m, c) => m + c.rules.length, 0), 0);

    const context: RoutingContext = { publicInterface: 'eth0', hostAddresses: [HOST], dockerSubnets: [{ subnet: SUBNET, bridge: BRIDGE }] };
    const probes: Probe[] = [
      { address: HOST, port: 2222, proto: 'tcp' },
      { address: HOST, port: 22, proto: 'tcp' },
    ];
    for (let i = 0; i < services; i += 10) {
      probes.push({ address: HOST, port: hostPort(i), proto: 'tcp' }); // published: DNAT, then both forward chains
      probes.push({ address: containerAddress(i), port: 443, proto: 'tcp' }); // direct: Docker's raw drop
      probes.push({ address: HOST, port: 30000 + i, proto: 'tcp' }); // nothing names it: past every DNAT rule
    }
    const jsonFile = join(dir, 'ruleset.json');
    const inputFile = join(dir, 'input.json');
    writeFileSync(jsonFile, json);
    writeFileSync(inputFile, JSON.stringify({ context, probes }));

    // Alternating, so both sides see the same moments of a noisy machine.
    const listing: Timed[] = [];
    const cold: { ms: number; cpuMs: number }[] = [];
    let counts = { open: 0, blocked: 0, unknown: 0 };
    for (let k = 0; k < ROUNDS; k++) {
      listing.push(list());
      const out = JSON.parse(run([process.execPath, coldRun, jsonFile, inputFile]).stdout) as { ms: number; cpuMs: number; counts: typeof counts };
      cold.push(out);
      counts = out.counts;
    }
    const warm: number[] = [];
    for (let k = 0; k < WARM_RUNS; k++) {
      const started = performance.now();
      analyzeReachability(parseIptablesSave(''), context, probes, parseNftJson(json));
      warm.push(performance.now() - started);
    }

    const listMs = median(listing.map((l) => l.ms));
    const listCpu = median(listing.map((l) => l.cpuMs));
    const coldMs = median(cold.map((c) => c.ms));
    const coldCpu = median(cold.map((c) => c.cpuMs));
    console.log(
      `ruleset: ${rules} nftables rules (${services} published containers in Docker's golden nat table, one v6wall opening each), ${(json.length / 1024).toFixed(0)} KB of JSON`,
    );
    console.log(
      `probes: ${probes.length} (open ${counts.open}, blocked ${counts.blocked}, unknown ${counts.unknown}); load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    );
    console.log(`nft -j list ruleset (baseline), ${ROUNDS} runs: wall ${stats(listing.map((l) => l.ms))}; CPU ${stats(listing.map((l) => l.cpuMs))}`);
    console.log(
      `parse + analyse, cold (fresh bundled process, timed inside), ${ROUNDS} runs: wall ${stats(cold.map((c) => c.ms))}; CPU ${stats(cold.map((c) => c.cpuMs))}`,
    );
    console.log(`parse + analyse, warm (in this process, through tsx), ${WARM_RUNS} runs: wall ${stats(warm)}`);
    console.log(`ratio cold / nft's listing: ${(coldMs / listMs).toFixed(2)}x wall, ${(coldCpu / listCpu).toFixed(2)}x CPU`);
    console.log(`target <= 200 ms cold: ${coldMs <= 200 ? 'met' : 'NOT met'} (median wall), ${coldCpu <= 200 ? 'met' : 'NOT met'} (median CPU)`);
  } finally {
    spawnSync('ip', ['netns', 'del', ns]);
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
