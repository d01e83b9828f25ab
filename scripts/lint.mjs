// `npm run lint` (also a step of `npm test`): eslint (typescript-eslint), prettier --check, an
// import-cycle check of src/ (madge, type-only imports included) and knip (unused files,
// exports and dependencies). Every check runs; the exit code is 1 if any failed.
import { spawnSync } from 'node:child_process';

// What eslint and prettier check: every source, test, bench and script.
const TREE = ['src', 'test', 'bench', 'scripts', 'vitest.config.ts', 'eslint.config.js'];

const CHECKS = [
  ['eslint', ['npx', 'eslint', '--max-warnings=0', ...TREE]],
  ['prettier', ['npx', 'prettier', '--check', '--log-level=warn', ...TREE]],
  // .madgerc: TypeScript paths; type-only imports count as edges too.
  ['import cycles', ['npx', 'madge', '--circular', '--no-spinner', 'src/']],
  ['knip', ['npx', 'knip', '--no-progress']],
];

const failed = [];
for (const [name, argv] of CHECKS) {
  console.log(`-- ${name}`);
  const result = spawnSync(argv[0], argv.slice(1), { stdio: 'inherit' });
  if (result.status !== 0) failed.push(name);
}
console.log(failed.length === 0 ? 'lint: all checks passed' : `lint: failed: ${failed.join(', ')}`);
process.exitCode = failed.length === 0 ? 0 : 1;
