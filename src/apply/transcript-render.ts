// Renders a transcript for a person (text), for a program (json) and as a runnable
// POSIX script of the applied commands (sh), or of their inverse (undo).
import type { StepRecord } from '../core/types/apply-events.js';
import type { Choices } from '../core/types/choices.js';
import { shellCommand, shellJoin } from '../core/shell-quote.js';
import type { Transcript, TranscriptEntry } from './transcript.js';

export type TranscriptFormat = 'text' | 'json' | 'sh';

type StepEntry = Extract<TranscriptEntry, { type: 'step' }>;
type ArmedEntry = Extract<TranscriptEntry, { type: 'armed' }>;

/** A comment must stay one comment line whatever the text holds. */
function comment(text: string): string {
  return `# ${text.replace(/[\r\n]+/g, ' ')}`;
}

function appliedSteps(t: Transcript): StepEntry[] {
  return t.entries.filter((e): e is StepEntry => e.type === 'step' && e.phase === 'apply' && e.record.exitCode === 0);
}

function describeChoices(choices: Choices | null): string {
  if (choices === null) return '-';
  const parts = [`ssh ${choices.sshPorts.join(', ') || '-'}`];
  for (const e of choices.exposures) {
    const host = e.exposure === 'publish' && e.hostPort !== undefined ? ` on host port ${e.hostPort}` : '';
    parts.push(`${e.exposure} ${e.container}:${e.port}/${e.proto}${host}${e.source === undefined ? '' : ` from ${e.source}`}`);
  }
  for (const c of choices.close ?? [])
    parts.push(`close ${c.container}:${c.port}${c.proto === undefined ? '' : `/${c.proto}`}${c.source === undefined ? '' : ` from ${c.source}`}`);
  if (choices.scope === 'exact') parts.push('exact (openings not chosen are closed)');
  return parts.join('; ');
}

function indent(text: string, prefix: string): string[] {
  return text
    .replace(/\n$/, '')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => `${prefix}${l}`);
}

function recordLines(record: StepRecord, label: string): string[] {
  return [
    `${label} ${record.why}`,
    `      $ ${shellJoin(record.argv)}`,
    `      exit ${record.exitCode} (${record.durationMs} ms, ${record.startedAt})`,
    ...indent(record.stdout, '      | '),
    ...indent(record.stderr, '      ! '),
  ];
}

/**
 * The rollback as armed. Before the steps its deadline is provisional (the apply moves it on while
 * they run), so only the deadline armed for the confirmation, the one the watchdog keeps, is shown.
 * Older transcripts say nothing of the stage: an armed line followed by another one is the steps'.
 */
function armedLine(e: ArmedEntry, followedByAnother: boolean): string {
  const watchdog = e.watchdogPid === null ? '' : ` (watchdog pid ${e.watchdogPid}${e.watchdog === undefined ? '' : `, ${e.watchdog}`})`;
  const stage = e.stage ?? (followedByAnother ? 'steps' : null);
  if (stage === 'steps') return `  rollback armed${watchdog}: it rolls back if v6wall stops while the steps run`;
  if (stage === 'confirmation') return `  rollback armed until ${e.deadline} unless confirmed${watchdog}`;
  return `  rollback armed until ${e.deadline}${watchdog}`;
}

export function renderTranscriptText(t: Transcript): string {
  const s = t.start;
  const lines = [`v6wall ${s.kind} ${t.id}: ${t.outcome}`, `  when:    ${s.when}`, `  who:     ${s.who} on ${s.hostname}`];
  if (s.kind === 'apply') lines.push(`  chose:   ${describeChoices(s.choices)}`);
  if (s.confirmTimeoutSec !== null) lines.push(`  confirm within: ${s.confirmTimeoutSec} s`);
  const lastArmed = t.entries.map((e) => e.type).lastIndexOf('armed');
  for (const e of t.entries) {
    switch (e.type) {
      case 'start':
        break;
      case 'snapshot':
        lines.push(`  snapshot ${e.snapshotId} saved (UFW was ${e.ufwEnabled ? 'enabled' : 'disabled'})`);
        break;
      case 'armed':
        lines.push(armedLine(e, t.entries.indexOf(e) < lastArmed));
        break;
      case 'step':
        lines.push(...recordLines(e.record, e.phase === 'apply' ? `  [${e.record.index + 1}]` : '  [rollback]'));
        break;
      case 'restore':
        lines.push(`  restored from snapshot ${e.snapshotId}: ${e.files.join(', ')}`);
        break;
      case 'note':
        lines.push(`  note: ${e.message}`);
        break;
      case 'outcome':
        lines.push(`  ${e.when} ${e.outcome}${e.by !== null ? ` (by ${e.by})` : ''}: ${e.detail}`);
        break;
      default: {
        const unreachable: never = e;
        throw new Error(`unknown transcript entry ${JSON.stringify(unreachable)}`);
      }
    }
  }
  if (t.outcome === 'incomplete') lines.push('  (no outcome was written: v6wall stopped before it finished; see `v6wall status`)');
  if (t.truncated) lines.push('  (the last line was cut off and is not shown)');
  return `${lines.join('\n')}\n`;
}

function scriptHeader(t: Transcript, what: string): string[] {
  const s = t.start;
  const lines = [
    '#!/bin/sh',
    comment(`${what} from v6wall transcript ${t.id}`),
    comment(`applied on ${s.hostname} at ${s.when} by ${s.who}; outcome: ${t.outcome}`),
  ];
  if (t.outcome === 'rolled-back' || t.outcome === 'failed') lines.push(comment('these commands were rolled back on that host afterwards'));
  lines.push('set -e', '');
  return lines;
}

/** The commands that ran and succeeded, in order, each under its why. */
export function renderTranscriptSh(t: Transcript): string {
  const steps = appliedSteps(t);
  const lines = scriptHeader(t, 'The commands applied');
  if (steps.length === 0) lines.push(comment('no command was applied'));
  for (const step of steps) lines.push(comment(step.record.why), shellCommand(step.record.argv, step.record.input), '');
  return `${lines.join('\n').trimEnd()}\n`;
}

/** The inverse: each applied command's undo, last first. */
export function renderTranscriptUndoSh(t: Transcript): string {
  const steps = appliedSteps(t).reverse();
  const lines = scriptHeader(t, 'Undoes the commands applied');
  if (steps.length === 0) lines.push(comment('no command was applied, so there is nothing to undo'));
  for (const step of steps) {
    if (step.undoArgv === null) {
      lines.push(comment(`nothing to undo for: ${step.record.why}`), '');
    } else {
      lines.push(comment(`undo: ${step.record.why}`), shellCommand(step.undoArgv, step.undoInput), '');
    }
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

export function renderTranscriptJson(t: Transcript): string {
  return `${JSON.stringify({ id: t.id, path: t.path, kind: t.start.kind, outcome: t.outcome, truncated: t.truncated, entries: t.entries }, null, 2)}\n`;
}

/** One line per transcript for `--list` and `v6wall status`. */
export function summarizeTranscript(t: Transcript): string {
  const ran = t.entries.filter((e) => e.type === 'step' && e.phase === 'apply').length;
  return `${t.id}  ${t.start.kind.padEnd(8)} ${t.outcome.padEnd(18)} ${ran} command(s)  ${t.start.who}@${t.start.hostname}`;
}

export function renderTranscript(t: Transcript, format: TranscriptFormat, undo: boolean): string {
  if (undo)
    return format === 'json'
      ? `${JSON.stringify(
          {
            id: t.id,
            undo: appliedSteps(t)
              .reverse()
              .map((s) => ({ why: s.record.why, argv: s.undoArgv })),
          },
          null,
          2,
        )}\n`
      : renderTranscriptUndoSh(t);
  switch (format) {
    case 'text':
      return renderTranscriptText(t);
    case 'json':
      return renderTranscriptJson(t);
    case 'sh':
      return renderTranscriptSh(t);
    default: {
      const unreachable: never = format;
      throw new Error(`unknown format ${String(unreachable)}`);
    }
  }
}
