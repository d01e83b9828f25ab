import { resolveStateDir } from '../apply/paths.js';
import type { CommandIo } from './command-io.js';
import { confirmCommand } from '../cli/spec.js';
import { parseCommandLine } from './command-line.js';

export async function run(args: string[], io: CommandIo): Promise<number> {
  const parsed = parseCommandLine(confirmCommand, args, io);
  if (typeof parsed === 'number') return parsed;
  const [code, ...extra] = parsed.positionals;
  if (code === undefined || extra.length > 0) {
    io.stderr('v6wall confirm: give exactly one CODE, the one `v6wall apply` printed\n');
    return 2;
  }
  const { confirmPending } = await import('../apply/confirm.js');
  const result = await confirmPending(resolveStateDir(parsed.values['state-dir'], io.env), code, { env: io.env });
  if (!result.ok) {
    io.stderr(`v6wall confirm: ${result.error}\n`);
    return 1;
  }
  io.stdout(`Confirmed: the changes of apply ${result.value.applyId} are kept and the rollback is disarmed.\n`);
  io.stdout(`Transcript: v6wall transcript ${result.value.transcriptId}\n`);
  for (const warning of result.value.warnings) io.stderr(`warning: ${warning}\n`);
  return 0;
}
