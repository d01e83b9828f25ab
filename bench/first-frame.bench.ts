// Time to first frame of the bundled CLI (dist/v6wall.js, `npm run build`),
// measured through a pty as a person sees it: from spawn to the wizard's first
// screen. Printed as a ratio to `node -e 0` run the same way in the same run.
// Prints numbers; asserts nothing. Target: 3x or less.
import { existsSync } from 'node:fs';
import { CLI, spawnCli } from '../test/ui/pty-helpers.js';

const RUNS = 12;
const MARKER = 'step 1 of 9';

if (!existsSync(CLI)) {
  console.log(`first-frame: ${CLI} is missing; run \`npm run build\` first`);
  process.exit(0);
}

async function wizardFirstFrame(): Promise<number> {
  const start = performance.now();
  const run = spawnCli({ columns: 100, rows: 40 });
  await run.waitFor(MARKER, 20_000);
  const elapsed = performance.now() - start;
  run.kill();
  await run.exited;
  return elapsed;
}

async function bareNode(): Promise<number> {
  const start = performance.now();
  const run = spawnCli({ file: process.execPath, args: ['-e', '0'] });
  await run.exited;
  return performance.now() - start;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? NaN) : ((sorted[middle - 1] ?? NaN) + (sorted[middle] ?? NaN)) / 2;
};

// Interleaved, so machine noise hits both alike; one warm-up of each first.
await wizardFirstFrame();
await bareNode();
const wizard: number[] = [];
const node: number[] = [];
for (let run = 0; run < RUNS; run += 1) {
  wizard.push(await wizardFirstFrame());
  node.push(await bareNode());
}
const ratio = median(wizard) / median(node);
console.log(`time to first frame through a pty, ${RUNS} runs each (target ratio <= 3x)`);
console.log(`v6wall wizard first frame   median ${median(wizard).toFixed(0)} ms  (min ${Math.min(...wizard).toFixed(0)}, max ${Math.max(...wizard).toFixed(0)})`);
console.log(`node -e 0 to exit           median ${median(node).toFixed(0)} ms  (min ${Math.min(...node).toFixed(0)}, max ${Math.max(...node).toFixed(0)})`);
console.log(`ratio                       ${ratio.toFixed(2)}x`);
