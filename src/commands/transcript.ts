import { resolveStateDir } from '../apply/paths.js';
import { transcriptCommand } from '../cli/spec.js';
import { commandEntry } from './command-line.js';

const FORMATS = ['text', 'sh', 'json'] as const;
type Format = (typeof FORMATS)[number];
const isFormat = (text: string): text is Format => (FORMATS as readonly string[]).includes(text);

export const run = commandEntry(transcriptCommand, async ({ values, positionals, usage, fail, io }): Promise<number> => {
  const format = values.format ?? 'text';
  if (!isFormat(format)) return 2; // already refused by the parser: --format has choices
  const picks = [values.list === true, values.last === true, positionals.length > 0].filter(Boolean).length;
  if (picks > 1 || positionals.length > 1) return usage('give one of --list, --last or a single ID');
  const stateDir = resolveStateDir(values['state-dir'], io.env);
  const [{ listTranscripts, readTranscript }, render] = await Promise.all([import('../apply/transcript.js'), import('../apply/transcript-render.js')]);

  const id = positionals[0];
  if (id !== undefined) {
    const t = await readTranscript(stateDir, id);
    if (!t.ok) return fail(t.error);
    io.stdout(render.renderTranscript(t.value, format, values.undo === true));
    return 0;
  }

  const listing = await listTranscripts(stateDir);
  for (const problem of listing.problems) io.stderr(`warning: ${problem}\n`);
  if (values.last) {
    const last = listing.transcripts.at(-1);
    if (last === undefined) return fail(`no readable transcript in ${stateDir}`);
    io.stdout(render.renderTranscript(last, format, values.undo === true));
    return 0;
  }
  if (format === 'json') {
    const summaries = listing.transcripts.map((t) => ({
      id: t.id,
      kind: t.start.kind,
      when: t.start.when,
      who: t.start.who,
      hostname: t.start.hostname,
      outcome: t.outcome,
    }));
    io.stdout(`${JSON.stringify({ transcripts: summaries, problems: listing.problems }, null, 2)}\n`);
    return 0;
  }
  if (listing.transcripts.length === 0) io.stdout(`No transcripts in ${stateDir} yet.\n`);
  for (const t of listing.transcripts) io.stdout(`${render.summarizeTranscript(t)}\n`);
  return 0;
});
