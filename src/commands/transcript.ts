import { parseArgs } from 'node:util';
import { resolveStateDir } from '../apply/paths.js';
import { stateDirHelp, usageError, type CommandIo } from './io.js';

export const transcriptHelp = `Usage: v6wall transcript [--list | --last | ID] [--format text|sh|json] [--undo] [--state-dir DIR]

What v6wall applied and rolled back, written as it happened.

  --list                    one line per transcript, oldest first (the default)
  --last                    the newest transcript
  ID                        that transcript
  --format text|sh|json     text for reading (default); sh: a runnable POSIX script of the
                            commands that were applied, each under its why; json: every entry
  --undo                    the inverse script: each applied command's undo, last first
${stateDirHelp}
  -h, --help                this help

Exit codes: 0 shown, 1 missing or corrupted transcript, 2 bad flags.
`;

const FORMATS = ['text', 'sh', 'json'] as const;
type Format = (typeof FORMATS)[number];
const isFormat = (text: string): text is Format => (FORMATS as readonly string[]).includes(text);

export async function run(args: string[], io: CommandIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        list: { type: 'boolean' },
        last: { type: 'boolean' },
        format: { type: 'string' },
        undo: { type: 'boolean' },
        'state-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    return usageError(io, 'transcript', error);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout(transcriptHelp);
    return 0;
  }
  const format = values.format ?? 'text';
  if (!isFormat(format)) {
    io.stderr(`v6wall transcript: --format ${format}: expected text, sh or json\n`);
    return 2;
  }
  const picks = [values.list === true, values.last === true, positionals.length > 0].filter(Boolean).length;
  if (picks > 1 || positionals.length > 1) {
    io.stderr('v6wall transcript: give one of --list, --last or a single ID\n');
    return 2;
  }
  const stateDir = resolveStateDir(values['state-dir'], io.env);
  const [{ listTranscripts, readTranscript }, render] = await Promise.all([import('../apply/transcript.js'), import('../apply/transcript-render.js')]);

  const id = positionals[0];
  if (id !== undefined) {
    const t = await readTranscript(stateDir, id);
    if (!t.ok) {
      io.stderr(`v6wall transcript: ${t.errors}\n`);
      return 1;
    }
    io.stdout(render.renderTranscript(t.value, format, values.undo === true));
    return 0;
  }

  const listing = await listTranscripts(stateDir);
  for (const problem of listing.problems) io.stderr(`warning: ${problem}\n`);
  if (values.last) {
    const last = listing.transcripts.at(-1);
    if (last === undefined) {
      io.stderr(`v6wall transcript: no readable transcript in ${stateDir}\n`);
      return 1;
    }
    io.stdout(render.renderTranscript(last, format, values.undo === true));
    return 0;
  }
  if (format === 'json') {
    const summaries = listing.transcripts.map((t) => ({ id: t.id, kind: t.start.kind, when: t.start.when, who: t.start.who, hostname: t.start.hostname, outcome: t.outcome }));
    io.stdout(`${JSON.stringify({ transcripts: summaries, problems: listing.problems }, null, 2)}\n`);
    return 0;
  }
  if (listing.transcripts.length === 0) io.stdout(`No transcripts in ${stateDir} yet.\n`);
  for (const t of listing.transcripts) io.stdout(`${render.summarizeTranscript(t)}\n`);
  return 0;
}
