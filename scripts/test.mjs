// `npm test`: type-check, lint (scripts/lint.mjs), build (also `npm run dist`), then the unit suite and the lab suite one
// after the other (the lab loads the machine; timing-sensitive unit tests such
// as the watchdog's must not share it), ending with "N passed, N failed".
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const extra = process.argv.slice(2);
const scratch = mkdtempSync(join(tmpdir(), 'v6wall-test-'));
const totals = { passed: 0, failed: 0, skipped: 0 };
const started = Date.now();

function step(name, argv) {
  console.log(`\n== ${name}: ${argv.join(' ')}`);
  const result = spawnSync(argv[0], argv.slice(1), { stdio: 'inherit' });
  return result.status === 0;
}

function suite(project) {
  const output = join(scratch, `${project}.json`);
  const ok = step(`${project} tests`, [
    'npx',
    'vitest',
    'run',
    '--project',
    project,
    '--reporter=default',
    '--reporter=json',
    `--outputFile=${output}`,
    ...extra,
  ]);
  try {
    const report = JSON.parse(readFileSync(output, 'utf8'));
    totals.passed += report.numPassedTests;
    totals.failed += report.numFailedTests + (report.numFailedTestSuites ?? 0);
    totals.skipped += report.numPendingTests + report.numTodoTests;
    if (!ok && report.numFailedTests + (report.numFailedTestSuites ?? 0) === 0) totals.failed += 1;
  } catch {
    totals.failed += 1;
  }
}

if (!step('typecheck', ['npx', 'tsc', '--noEmit'])) totals.failed += 1;
if (!step('lint', ['node', 'scripts/lint.mjs'])) totals.failed += 1;
if (!step('build', ['node', 'scripts/build.mjs'])) totals.failed += 1;
// The executable and the .deb for the package lab test (test/lab/package.test.ts).
if (!step('dist', ['node', 'scripts/dist.mjs'])) totals.failed += 1;
suite('unit');
suite('lab');

console.log(`\ntests took ${Math.round((Date.now() - started) / 1000)} s`);
console.log(`${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}`);
process.exitCode = totals.failed === 0 ? 0 : 1;
