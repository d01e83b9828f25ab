import { appendFileSync } from 'node:fs';
import { appendFile, readdir, readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import type { InferOutput } from 'valibot';
import type { Result } from '../core/types/result.js';
import { ensurePrivateDir } from './directories.js';
import { describeFsError } from './fs-error.js';
import { isSafeId } from './ids.js';
import { stateLayout } from './paths.js';
import { checkStored, TranscriptEntrySchema, type TranscriptOutcomeSchema } from './stored-schemas.js';

/** How an apply or rollback ended; 'refused': stopped before anything changed. */
export type TranscriptOutcome = InferOutput<typeof TranscriptOutcomeSchema>;

/** One JSON line of a transcript, appended as things happen, never rewritten; see TranscriptEntrySchema. */
export type TranscriptEntry = InferOutput<typeof TranscriptEntrySchema>;

export type StartEntry = Extract<TranscriptEntry, { type: 'start' }>;

/** Who ran v6wall: the sudo caller when there is one, else the user. */
export function whoRan(env: NodeJS.ProcessEnv): string {
  const sudo = env['SUDO_USER'];
  if (sudo !== undefined && sudo !== '') return sudo;
  const user = env['USER'] ?? env['LOGNAME'];
  if (user !== undefined && user !== '') return user;
  try {
    return userInfo().username;
  } catch {
    return `uid ${process.getuid?.() ?? '?'}`;
  }
}

export interface TranscriptWriter {
  id: string;
  path: string;
  /** Appends one line. Never throws: a write error is kept in `errors`, the apply goes on. */
  append(entry: TranscriptEntry): Promise<void>;
  errors: string[];
}

/** Starts a transcript; this first write must succeed or the caller refuses to go on. */
export async function startTranscript(stateDir: string, start: StartEntry): Promise<Result<TranscriptWriter, string>> {
  const path = stateLayout.transcript(stateDir, start.id);
  try {
    await ensurePrivateDir(stateLayout.transcripts(stateDir));
    await appendFile(path, `${JSON.stringify(start)}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    return { ok: false, error: `cannot write the transcript ${path}: ${describeFsError(error)}` };
  }
  const writer: TranscriptWriter = {
    id: start.id,
    path,
    errors: [],
    async append(entry) {
      try {
        // Synchronous: one short local write per step costs less than three thread-pool round trips.
        appendFileSync(path, `${JSON.stringify(entry)}\n`);
      } catch (error) {
        writer.errors.push(`transcript ${path}: ${describeFsError(error)}`);
      }
    },
  };
  return { ok: true, value: writer };
}

/** Adds a line to an existing transcript from another process (confirm, rollback, the watchdog). */
export async function appendToTranscript(stateDir: string, id: string, entry: TranscriptEntry): Promise<Result<true, string>> {
  if (!isSafeId(id)) return { ok: false, error: `"${id}" is not a transcript id` };
  try {
    await appendFile(stateLayout.transcript(stateDir, id), `${JSON.stringify(entry)}\n`, { flag: 'a' });
    return { ok: true, value: true };
  } catch (error) {
    return { ok: false, error: `cannot add to transcript ${id}: ${describeFsError(error)}` };
  }
}

export interface Transcript {
  id: string;
  path: string;
  start: StartEntry;
  entries: TranscriptEntry[];
  /** The last outcome written; 'incomplete' when the process stopped before writing one. */
  outcome: TranscriptOutcome | 'incomplete';
  /** The last line was cut off (the writer died mid-line); it is left out. */
  truncated: boolean;
}

export function parseTranscript(id: string, path: string, text: string): Result<Transcript, string> {
  const lines = text.split('\n');
  const endsCleanly = text.endsWith('\n');
  if (endsCleanly) lines.pop();
  const entries: TranscriptEntry[] = [];
  let truncated = false;
  for (const [i, line] of lines.entries()) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      if (i === lines.length - 1 && !endsCleanly) {
        truncated = true;
        break;
      }
      return { ok: false, error: `transcript ${id} is corrupted: line ${i + 1} of ${path} is not JSON` };
    }
    const entry = checkStored(TranscriptEntrySchema, parsed, `line ${i + 1} of ${path}`);
    if (!entry.ok) return { ok: false, error: `transcript ${id} cannot be read: ${entry.error}` };
    entries.push(entry.value);
  }
  const start = entries[0];
  if (start === undefined || start.type !== 'start') {
    return { ok: false, error: `transcript ${id} is corrupted: ${path} does not begin with a start line` };
  }
  let outcome: Transcript['outcome'] = 'incomplete';
  for (const e of entries) if (e.type === 'outcome') outcome = e.outcome;
  return { ok: true, value: { id, path, start, entries, outcome, truncated } };
}

export async function readTranscript(stateDir: string, id: string): Promise<Result<Transcript, string>> {
  if (!isSafeId(id)) return { ok: false, error: `"${id}" is not a transcript id` };
  const path = stateLayout.transcript(stateDir, id);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    return { ok: false, error: `transcript ${id} cannot be read: ${describeFsError(error)}` };
  }
  return parseTranscript(id, path, text);
}

export interface TranscriptListing {
  /** Readable transcripts, oldest first. */
  transcripts: Transcript[];
  /** One message per transcript that could not be read. */
  problems: string[];
}

export async function listTranscripts(stateDir: string): Promise<TranscriptListing> {
  let names: string[];
  try {
    names = await readdir(stateLayout.transcripts(stateDir));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { transcripts: [], problems: [] };
    return { transcripts: [], problems: [`cannot list transcripts: ${describeFsError(error)}`] };
  }
  const ids = names
    .filter((n) => n.endsWith('.jsonl'))
    .map((n) => n.slice(0, -'.jsonl'.length))
    .sort();
  const transcripts: Transcript[] = [];
  const problems: string[] = [];
  for (const id of ids) {
    const result = await readTranscript(stateDir, id);
    if (result.ok) transcripts.push(result.value);
    else problems.push(result.error);
  }
  return { transcripts, problems };
}
