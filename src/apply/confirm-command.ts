// The confirm line the wizard shows, exactly as to type it in a new session on this host: `v6wall`
// when that name runs this same program, else the full command; `sudo` only when the operator
// came in through sudo; `--state-dir` whenever the state is not in the default place.
import { existsSync, realpathSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { shellJoin, shellQuote } from '../core/shell-quote.js';
import { DEFAULT_STATE_DIR } from './paths.js';
import { isSingleExecutable, selfCommand } from './self-command.js';

function realpathOrNull(path: string): string | null {
  try {
    return realpathSync(path);
  } catch {
    return null;
  }
}

/** Whether `v6wall` on this PATH is this program (the executable itself, or a link to this script). */
function v6wallOnPathIsThis(env: NodeJS.ProcessEnv): boolean {
  const self = isSingleExecutable() ? process.execPath : process.argv[1];
  if (self === undefined) return false;
  const target = realpathOrNull(self);
  for (const dir of (env['PATH'] ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, 'v6wall');
    if (existsSync(candidate)) return realpathOrNull(candidate) === target;
  }
  return false;
}

export function confirmCommandLine(code: string, stateDir: string, env: NodeJS.ProcessEnv): string {
  // A root login confirms as root; someone who came in through sudo will again.
  const sudoUser = env['SUDO_USER'];
  const sudo = process.getuid?.() !== 0 || (sudoUser !== undefined && sudoUser !== '' && sudoUser !== 'root') ? 'sudo ' : '';
  const program = v6wallOnPathIsThis(env) ? 'v6wall' : shellJoin(selfCommand());
  const where = stateDir === DEFAULT_STATE_DIR ? '' : ` --state-dir ${shellQuote(stateDir)}`;
  return `${sudo}${program} confirm ${code}${where}`;
}
