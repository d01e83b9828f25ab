// What became of each apply, read from the transcripts: confirmed, kept, still pending, or rolled
// back (and why: the deadline, the applying process dying, the boot guard, by hand, a failed step).
import type { InferOutput } from 'valibot';
import type { RollbackCauseSchema } from './stored-schemas.js';
import { shellJoin } from '../core/shell-quote.js';
import { listTranscripts, readTranscript, type Transcript, type TranscriptEntry, type TranscriptOutcome } from './transcript.js';

export type RollbackCause = InferOutput<typeof RollbackCauseSchema>;

type OutcomeEntry = Extract<TranscriptEntry, { type: 'outcome' }>;

export interface AppliedChange {
  /** The apply's id: its transcript and the snapshot of the firewall before it. */
  id: string;
  when: string;
  who: string;
  hostname: string;
  /** Commands the apply ran. */
  commands: number;
  outcome: TranscriptOutcome | 'incomplete';
  /** For rolled-back and failed: why. null when not rolled back, or not known (older transcripts). */
  cause: RollbackCause | null;
  /** When the outcome was written, by whom, and what it said. */
  outcomeAt: string | null;
  outcomeBy: string | null;
  detail: string;
  /** Its changes are in the firewall as far as v6wall knows (not rolled back, not refused). */
  inEffect: boolean;
}

export interface History {
  /** Applies, oldest first. */
  applies: AppliedChange[];
  problems: string[];
}

// Transcripts written before `cause` existed say it only in words.
function causeFromWords(entry: OutcomeEntry): RollbackCause | null {
  if (entry.outcome === 'failed') return 'step-failed';
  if (entry.outcome !== 'rolled-back') return null;
  if (/no confirmation before the deadline/.test(entry.detail)) return 'deadline';
  if (/died while running|stopped while running/.test(entry.detail)) return 'apply-died';
  if (/v6wall rollback/.test(entry.detail)) return 'by-hand';
  if (/\bat boot\b/.test(entry.detail)) return 'boot';
  if (/pending file was corrupted/.test(entry.detail)) return 'corrupted-pending';
  return null;
}

function lastOutcome(t: Transcript): OutcomeEntry | null {
  let last: OutcomeEntry | null = null;
  for (const e of t.entries) if (e.type === 'outcome') last = e;
  return last;
}

/** The snapshot a rollback transcript restored, when it finished. */
function restoredSnapshot(t: Transcript): string | null {
  if (t.start.kind !== 'rollback' || t.outcome !== 'rolled-back') return null;
  for (const e of t.entries) if (e.type === 'restore') return e.snapshotId;
  return null;
}

/** Pure: the applies and what became of them, from every transcript (apply and rollback). */
export function historyFrom(transcripts: readonly Transcript[]): AppliedChange[] {
  const sorted = [...transcripts].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  // A rollback to the snapshot before apply S undid S and every apply after it up to the rollback,
  // also where (in older versions) only the rollback's own transcript says so.
  const undone = new Set<string>();
  for (const r of sorted) {
    const snapshot = restoredSnapshot(r);
    if (snapshot === null) continue;
    for (const t of sorted) if (t.start.kind === 'apply' && t.id >= snapshot && t.id < r.id) undone.add(t.id);
  }
  return sorted
    .filter((t) => t.start.kind === 'apply')
    .map((t) => {
      const last = lastOutcome(t);
      const inEffectByOutcome = t.outcome === 'pending' || t.outcome === 'confirmed' || t.outcome === 'kept-without-proof' || t.outcome === 'incomplete';
      return {
        id: t.id,
        when: t.start.when,
        who: t.start.who,
        hostname: t.start.hostname,
        commands: t.entries.filter((e) => e.type === 'step' && e.phase === 'apply').length,
        outcome: t.outcome,
        cause: last === null ? null : (last.cause ?? causeFromWords(last)),
        outcomeAt: last?.when ?? null,
        outcomeBy: last?.by ?? null,
        detail: last?.detail ?? '',
        inEffect: inEffectByOutcome && !undone.has(t.id),
      };
    });
}

export async function loadHistory(stateDir: string): Promise<History> {
  const listing = await listTranscripts(stateDir);
  return { applies: historyFrom(listing.transcripts), problems: listing.problems };
}

/** The latest apply that changed anything (refused ones changed nothing), or null. */
export function lastApply(history: History): AppliedChange | null {
  for (let i = history.applies.length - 1; i >= 0; i -= 1) {
    const apply = history.applies[i];
    if (apply !== undefined && apply.outcome !== 'refused') return apply;
  }
  return null;
}

/** A time as an operator reads it on this host: 10:36:52, with the date when it is not today. */
export function clockTime(iso: string, now: Date = new Date()): string {
  const at = new Date(iso);
  const time = at.toLocaleTimeString('en-GB', { hour12: false });
  return at.toDateString() === now.toDateString() ? time : `${at.toLocaleDateString('en-CA')} ${time}`;
}

const CAUSE_WORDS: Record<RollbackCause, string> = {
  deadline: 'no confirmation by the deadline',
  'apply-died': 'the applying v6wall process died',
  boot: 'still unconfirmed at boot',
  'by-hand': 'by hand (`v6wall rollback`)',
  'step-failed': 'a command failed, undone at once',
  'corrupted-pending': 'the pending file was unreadable, undone to be safe',
};

/** "rolled back at 10:36:52: no confirmation by the deadline", "confirmed at 10:35:58 by alice", ... */
export function describeOutcome(apply: AppliedChange, now: Date = new Date()): string {
  const at = apply.outcomeAt === null ? '' : ` at ${clockTime(apply.outcomeAt, now)}`;
  const by = apply.outcomeBy === null || apply.outcomeBy === 'watchdog' ? '' : ` by ${apply.outcomeBy}`;
  switch (apply.outcome) {
    case 'confirmed':
      return `confirmed${at}${by}`;
    case 'kept-without-proof':
      return `kept without proof${at}${by}`;
    case 'pending':
      return 'awaiting confirmation';
    case 'refused':
      return `refused, nothing changed: ${apply.detail}`;
    case 'incomplete':
      return 'no outcome written (v6wall stopped before it finished)';
    case 'rolled-back':
    case 'failed':
      return `rolled back${at}: ${apply.cause === null ? apply.detail : CAUSE_WORDS[apply.cause]}`;
    default: {
      const unknown: never = apply.outcome;
      return unknown;
    }
  }
}

/** What the wizard shows while it watches its apply: still pending, kept, or rolled back with what was restored. */
export type ApplyFate = { kind: 'pending' } | { kind: 'confirmed' } | { kind: 'rolled-back'; summary: string; restoredFiles: string[]; commands: string[] };

export async function applyFate(stateDir: string, transcriptId: string, now: Date = new Date()): Promise<ApplyFate> {
  const read = await readTranscript(stateDir, transcriptId);
  if (!read.ok) return { kind: 'pending' };
  const t = read.value;
  if (t.outcome === 'confirmed' || t.outcome === 'kept-without-proof') return { kind: 'confirmed' };
  if (t.outcome !== 'rolled-back' && t.outcome !== 'failed') return { kind: 'pending' };
  const [apply] = historyFrom([t]);
  const restoredFiles = t.entries.flatMap((e) => (e.type === 'restore' ? e.files : []));
  const commands = t.entries.flatMap((e) => (e.type === 'step' && e.phase === 'rollback' ? [`${shellJoin(e.record.argv)}  (${e.record.why})`] : []));
  return { kind: 'rolled-back', summary: apply === undefined ? 'rolled back' : describeOutcome(apply, now), restoredFiles, commands };
}
