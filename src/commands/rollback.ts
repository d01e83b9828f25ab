import type { Runner } from '../core/types/runner.js';
import { resolveStateDir } from '../apply/paths.js';
import { shellJoin } from '../core/shell-quote.js';
import { rollbackCommand } from '../cli/spec.js';
import { commandEntry } from './command-line.js';

export interface RollbackCommandDeps {
  run: Runner;
  isRoot: boolean;
}

export const run = commandEntry(rollbackCommand, async ({ values, usage, fail, io }, deps?: Partial<RollbackCommandDeps>): Promise<number> => {
  const isRoot = deps?.isRoot ?? process.getuid?.() === 0;
  if (!isRoot) return fail('restoring the firewall needs root (sudo v6wall rollback); nothing was changed');
  const runner = deps?.run ?? (await import('../host/run.js')).runCommand;
  if (values.to !== undefined && values.to.trim() === '') return usage('--to takes the ID of an apply (`v6wall history` lists them)');
  const { rollbackByHand } = await import('../apply/rollback.js');
  const reason = values.to === undefined ? 'asked for with `v6wall rollback`' : `asked for with \`v6wall rollback --to ${values.to}\``;
  const result = await rollbackByHand(resolveStateDir(values['state-dir'], io.env), runner, reason, {
    env: io.env,
    to: values.to,
    force: values.force === true,
  });
  if (!result.ok) return fail(result.error);
  const r = result.value;
  if (r.pendingApplyId !== null) io.stdout(`Apply ${r.pendingApplyId} was awaiting confirmation; its rollback is done now.\n`);
  io.stdout(`Undid apply ${r.undoneApplyIds.join(', ')}: the firewall is as it was before apply ${r.snapshotId}.\n`);
  io.stdout(`Restored snapshot ${r.snapshotId}:\n`);
  for (const file of r.restoredFiles) io.stdout(`  ${file}\n`);
  for (const record of r.records) io.stdout(`  ran ${shellJoin(record.argv)} (exit ${record.exitCode})\n`);
  io.stdout(`Transcript: v6wall transcript ${r.transcriptId}\n`);
  return 0;
});
