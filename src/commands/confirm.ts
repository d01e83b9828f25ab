import { parseArgs } from 'node:util';
import { resolveStateDir } from '../apply/paths.js';
import { stateDirHelp, usageError, type CommandIo } from './io.js';

export const confirmHelp = `Usage: v6wall confirm CODE [--state-dir DIR]

Keeps the changes of the last \`v6wall apply\` and disarms its automatic rollback.
Run it from a NEW SSH session: getting in proves that new connections still work
(your old session proves nothing, the firewall lets established connections through).

${stateDirHelp}
  -h, --help                this help

Exit codes: 0 confirmed, 1 wrong code / nothing pending / too late, 2 bad flags.
`;

export async function run(args: string[], io: CommandIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { 'state-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: true });
  } catch (error) {
    return usageError(io, 'confirm', error);
  }
  if (parsed.values.help) {
    io.stdout(confirmHelp);
    return 0;
  }
  const [code, ...extra] = parsed.positionals;
  if (code === undefined || extra.length > 0) {
    io.stderr('v6wall confirm: give exactly one CODE, the one `v6wall apply` printed\n');
    return 2;
  }
  const { confirmPending } = await import('../apply/confirm.js');
  const result = await confirmPending(resolveStateDir(parsed.values['state-dir'], io.env), code, { env: io.env });
  if (!result.ok) {
    io.stderr(`v6wall confirm: ${result.errors}\n`);
    return 1;
  }
  io.stdout(`Confirmed: the changes of apply ${result.value.applyId} are kept and the rollback is disarmed.\n`);
  io.stdout(`Transcript: v6wall transcript ${result.value.transcriptId}\n`);
  for (const warning of result.value.warnings) io.stderr(`warning: ${warning}\n`);
  return 0;
}
