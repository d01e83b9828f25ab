import { parseArgs } from 'node:util';
import type { Runner } from '../core/types.js';
import { resolveStateDir } from '../apply/paths.js';
import { shellJoin } from '../core/shell-quote.js';
import { stateDirHelp, usageError, type CommandIo } from './io.js';

export const rollbackHelp = `Usage: v6wall rollback [--state-dir DIR]

Restores UFW as it was before the last \`v6wall apply\`: its rule files, ufw.conf and
/etc/default/ufw, then reloads UFW (or disables it, if it was disabled then). Works while
an apply awaits confirmation (it disarms that rollback) and also after a confirmation.

${stateDirHelp}
  -h, --help                this help

Exit codes: 0 rolled back, 1 failed or nothing to roll back to, 2 bad flags.
`;

export interface RollbackCommandDeps {
  run: Runner;
  isRoot: boolean;
}

export async function run(args: string[], io: CommandIo, deps?: Partial<RollbackCommandDeps>): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args, options: { 'state-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false }));
  } catch (error) {
    return usageError(io, 'rollback', error);
  }
  if (values.help) {
    io.stdout(rollbackHelp);
    return 0;
  }
  const isRoot = deps?.isRoot ?? process.getuid?.() === 0;
  if (!isRoot) {
    io.stderr('v6wall rollback: restoring the firewall needs root (sudo v6wall rollback); nothing was changed\n');
    return 1;
  }
  const runner = deps?.run ?? (await import('../host/run.js')).runCommand;
  const { rollbackToLastSnapshot } = await import('../apply/rollback.js');
  const result = await rollbackToLastSnapshot(resolveStateDir(values['state-dir'], io.env), runner, 'asked for with `v6wall rollback`', { env: io.env });
  if (!result.ok) {
    io.stderr(`v6wall rollback: ${result.errors}\n`);
    return 1;
  }
  const r = result.value;
  if (r.pendingApplyId !== null) io.stdout(`Apply ${r.pendingApplyId} was awaiting confirmation; its rollback is done now.\n`);
  io.stdout(`Restored snapshot ${r.snapshotId}:\n`);
  for (const file of r.restoredFiles) io.stdout(`  ${file}\n`);
  for (const record of r.records) io.stdout(`  ran ${shellJoin(record.argv)} (exit ${record.exitCode})\n`);
  io.stdout(`Transcript: v6wall transcript ${r.transcriptId}\n`);
  return 0;
}
