import { resolveStateDir } from '../apply/paths.js';
import { confirmCommand } from '../cli/spec.js';
import { commandEntry } from './command-line.js';

export const run = commandEntry(confirmCommand, async ({ values, positionals, usage, fail, io }): Promise<number> => {
  const [code, ...extra] = positionals;
  if (code === undefined || extra.length > 0) return usage('give exactly one CODE, the one `v6wall apply` printed');
  const { confirmPending } = await import('../apply/confirm.js');
  const result = await confirmPending(resolveStateDir(values['state-dir'], io.env), code, { env: io.env });
  if (!result.ok) return fail(result.error);
  io.stdout(`Confirmed: the changes of apply ${result.value.applyId} are kept and the rollback is disarmed.\n`);
  io.stdout(`Transcript: v6wall transcript ${result.value.transcriptId}\n`);
  for (const warning of result.value.warnings) io.stderr(`warning: ${warning}\n`);
  return 0;
});
