import type { Runner } from '../core/types/runner.js';
import { resolveStateDir } from '../apply/paths.js';
import { shellJoin } from '../core/shell-quote.js';
import type { CommandIo } from './command-io.js';
import { rollbackCommand } from '../cli/spec.js';
import { parseCommandLine } from './command-line.js';

export interface RollbackCommandDeps {
  run: Runner;
  isRoot: boolean;
}

export async function run(args: string[], io: CommandIo, deps?: Partial<RollbackCommandDeps>): Promise<number> {
  const parsed = parseCommandLine(rollbackCommand, args, io);
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;
  const isRoot = deps?.isRoot ?? process.getuid?.() === 0;
  if (!isRoot) {
    io.stderr('v6wall rollback: restoring the firewall needs root (sudo v6wall rollback); nothing was changed\n');
    return 1;
  }
  const runner = deps?.run ?? (await import('../host/run.js')).runCommand;
  if (values.to !== undefined && values.to.trim() === '') {
    io.stderr('v6wall rollback: --to takes the ID of an apply (`v6wall history` lists them)\n');
    return 2;
  }
  const { rollbackByHand } = await import('../apply/rollback.js');
  const reason = values.to === undefined ? 'asked for with `v6wall rollback`' : `asked for with \`v6wall rollback --to ${values.to}\``;
  const result = await rollbackByHand(resolveStateDir(values['state-dir'], io.env), runner, reason, {
    env: io.env,
    to: values.to,
    force: values.force === true,
  });
  if (!result.ok) {
    io.stderr(`v6wall rollback: ${result.error}\n`);
    return 1;
  }
  const r = result.value;
  if (r.pendingApplyId !== null) io.stdout(`Apply ${r.pendingApplyId} was awaiting confirmation; its rollback is done now.\n`);
  io.stdout(`Undid apply ${r.undoneApplyIds.join(', ')}: the firewall is as it was before apply ${r.snapshotId}.\n`);
  io.stdout(`Restored snapshot ${r.snapshotId}:\n`);
  for (const file of r.restoredFiles) io.stdout(`  ${file}\n`);
  for (const record of r.records) io.stdout(`  ran ${shellJoin(record.argv)} (exit ${record.exitCode})\n`);
  io.stdout(`Transcript: v6wall transcript ${r.transcriptId}\n`);
  return 0;
}
