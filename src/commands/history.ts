import { resolveStateDir } from '../apply/paths.js';
import { historyCommand } from '../cli/spec.js';
import { commandEntry } from './command-line.js';

export const run = commandEntry(historyCommand, async ({ values, io }): Promise<number> => {
  const stateDir = resolveStateDir(values['state-dir'], io.env);
  const { clockTime, describeOutcome, loadHistory } = await import('../apply/history.js');
  const history = await loadHistory(stateDir);
  for (const problem of history.problems) io.stderr(`warning: ${problem}\n`);
  const unreadable = history.applies.length === 0 && history.problems.some((p) => p.startsWith('cannot list'));
  if (values.json === true) {
    io.stdout(`${JSON.stringify({ applies: history.applies.map((a) => ({ ...a, described: describeOutcome(a) })), problems: history.problems }, null, 2)}\n`);
    return unreadable ? 1 : 0;
  }
  if (unreadable) return 1;
  if (history.applies.length === 0) {
    io.stdout(`No applies in ${stateDir} yet.\n`);
    return 0;
  }
  for (const a of history.applies) {
    const mark = a.inEffect ? '*' : ' ';
    io.stdout(`${mark} ${a.id}  ${clockTime(a.when)}  ${a.who}  ${a.commands} command${a.commands === 1 ? '' : 's'}  ${describeOutcome(a)}\n`);
  }
  if (history.applies.some((a) => a.inEffect)) io.stdout('\n* in effect. `v6wall rollback --to ID` goes back to the firewall before apply ID.\n');
  return 0;
});
