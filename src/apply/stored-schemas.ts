// What v6wall keeps on disk, one schema per file: the pending apply, a snapshot's manifest, the
// applied state and each transcript line. Their types are derived from these schemas, and every
// reader parses through them, so the root watchdog never acts on a field it did not check.
//
// valibot rather than zod: its functions are separate exports that the bundler keeps only when
// used, so these schemas add about 6 KB to the bundle and no measurable start-up time to the
// watchdog (the same schema with zod's default API bundled to 454 KB and cost ~100 ms of CPU at
// start; zod/mini 21 KB).
import { NFT_PERSIST_PATH } from '../core/plan-nftables.js';
import * as v from 'valibot';
import type { Result } from '../core/types/result.js';
import { isSafeId } from './ids.js';

const isoTime = v.pipe(
  v.string(),
  v.check((text) => !Number.isNaN(Date.parse(text)), 'should be a time such as 2026-01-31T10:35:58.000Z'),
);
/** Ids become file names. */
const safeId = v.pipe(v.string(), v.check(isSafeId, 'should be an id made of letters, digits, ".", "_" and "-"'));
const wholeNumber = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  v.pipe(
    v.number(),
    v.check(
      (n) => Number.isInteger(n) && n >= min && n <= max,
      `should be a whole number from ${min}${max === Number.MAX_SAFE_INTEGER ? ' up' : ` to ${max}`}`,
    ),
  );
const port = wholeNumber(1, 65535);
const pid = wholeNumber(1);
const count = wholeNumber(0);
const fileName = v.pipe(v.string(), v.regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'should be a plain file name'));
const argv = v.array(v.string());
const proto = v.picklist(['tcp', 'udp']);
const exposure = v.picklist(['route', 'publish', 'skip']);
const planStepKind = v.picklist(['ssh', 'default', 'enable', 'route', 'publish', 'integration']);

// ---------- pieces shared by several files (checked against the types in src/core/types/ in a test) ----------

export const ChoicesSchema = v.object({
  sshPorts: v.array(port),
  exposures: v.array(
    v.object({
      container: v.string(),
      port,
      proto,
      exposure,
      hostPort: v.optional(port),
      source: v.optional(v.string()),
    }),
  ),
  scope: v.optional(v.picklist(['exact', 'additive'])),
  close: v.optional(v.array(v.object({ container: v.string(), port, proto: v.optional(proto), source: v.optional(v.string()) }))),
  removeStale: v.optional(v.boolean()),
  removeForeign: v.optional(v.array(v.string())),
});

export const StepRecordSchema = v.object({
  index: count,
  why: v.string(),
  argv,
  input: v.optional(v.string()),
  exitCode: wholeNumber(-1024),
  stdout: v.string(),
  stderr: v.string(),
  durationMs: v.pipe(
    v.number(),
    v.check((n) => n >= 0, 'should be 0 or more'),
  ),
  startedAt: isoTime,
});

// ---------- state.json: what v6wall applied and kept ----------

export const AppliedStateSchema = v.object({
  version: v.literal(1),
  updatedAt: isoTime,
  lastTranscriptId: safeId,
  sshPorts: v.array(port),
  exposures: v.array(
    v.object({
      container: v.string(),
      port,
      proto,
      exposure,
      hostPort: v.nullable(port),
      /** The container address a route rule points at; null for publish and skip. */
      containerAddress: v.nullable(v.string()),
      /** The comment on the UFW rule, which is how later runs recognise it. */
      ruleComment: v.nullable(v.string()),
    }),
  ),
  /** Every step v6wall ran and kept, oldest first. */
  appliedSteps: v.array(
    v.object({
      kind: planStepKind,
      why: v.string(),
      argv,
      undoArgv: v.nullable(argv),
      transcriptId: safeId,
    }),
  ),
});

/** The whole state.json: v6wall's applied state under `applied` (absent until something was kept). */
export const StateFileSchema = v.object({ applied: v.optional(AppliedStateSchema) });

// ---------- pending.json: the one apply that awaits confirmation ----------

export const PendingSchema = v.object({
  version: v.literal(1),
  id: safeId,
  /** `applying` while steps run (confirm refuses then), `awaiting-confirmation` after. */
  phase: v.picklist(['applying', 'awaiting-confirmation']),
  code: v.pipe(
    v.string(),
    v.check((c) => c.trim() !== '', 'should be the confirmation code'),
  ),
  /** When the watchdog rolls back; it re-reads this on every wake. */
  deadline: isoTime,
  snapshotId: safeId,
  transcriptId: safeId,
  watchdogPid: v.nullable(pid),
  /** The process running the steps; when it dies during `applying`, the watchdog rolls back at once. */
  applyPid: v.optional(pid),
  createdAt: isoTime,
  /** What confirm saves as v6wall's state once the changes are kept (null until the steps ran). */
  proposedState: v.nullable(AppliedStateSchema),
  /** The boot guard's unit file (boot-guard-unit.ts), removed by whoever finishes the apply; null where there is none. */
  bootGuard: v.optional(v.nullable(v.pipe(v.string(), v.startsWith('/', 'should be an absolute path')))),
});

// ---------- snapshots/ID/manifest.json: what a rollback restores ----------

const UfwPathsSchema = v.object({
  /** Holds *.rules and ufw.conf (normally /etc/ufw). */
  ufwDir: v.pipe(v.string(), v.startsWith('/', 'should be an absolute path')),
  /** Holds DEFAULT_*_POLICY and IPV6= (normally /etc/default/ufw). */
  defaultsFile: v.pipe(v.string(), v.startsWith('/', 'should be an absolute path')),
});

const SnapshotFileSchema = v.object({
  /** Where the file lives on the host. */
  original: v.string(),
  /** File name inside the snapshot's files/ folder. */
  stored: fileName,
  mode: wholeNumber(0, 0o7777),
});

/** A restore writes each `original` as root: only UFW's own files qualify. */
function isUfwFile(paths: v.InferOutput<typeof UfwPathsSchema>, original: string): boolean {
  if (original === paths.defaultsFile) return true;
  const dir = paths.ufwDir.endsWith('/') ? paths.ufwDir : `${paths.ufwDir}/`;
  return original.startsWith(dir) && !original.slice(dir.length).includes('/') && !original.includes('/../') && original.length > dir.length;
}

export const ManifestSchema = v.pipe(
  v.object({
    version: v.literal(1),
    id: safeId,
    createdAt: isoTime,
    /** ENABLED=yes in ufw.conf when the snapshot was taken. */
    ufwEnabled: v.boolean(),
    paths: UfwPathsSchema,
    files: v.array(SnapshotFileSchema),
    /** Live tables, kept for reference. */
    tables: v.array(
      v.object({
        name: v.picklist(['ip6tables-save', 'iptables-save']),
        stored: v.nullable(fileName),
        error: v.nullable(v.string()),
      }),
    ),
    /** v6wall's applied state when the snapshot was taken, so a rollback can restore it too. */
    previousState: v.nullable(AppliedStateSchema),
    /** The nftables backend: v6wall's table and its boot file before the apply (apply/nftables-backend.ts). */
    nftables: v.optional(
      v.object({
        table: v.nullable(v.string()),
        persistPath: v.literal(NFT_PERSIST_PATH),
        persisted: v.nullable(v.string()),
      }),
    ),
  }),
  v.forward(
    v.check((m) => m.files.every((f) => isUfwFile(m.paths, f.original)), "should name only UFW's own files (in paths.ufwDir, or paths.defaultsFile)"),
    ['files'],
  ),
);

// ---------- as-left.json: UFW's files (or v6wall's nftables table) as v6wall last left them ----------

/**
 * Written after an apply's steps and after every rollback. A later rollback compares UFW's files
 * with it: a difference means someone else changed the rules since, and rollback shows it and
 * asks for --force before it overwrites that change.
 */
export const AsLeftSchema = v.pipe(
  v.object({
    version: v.literal(1),
    when: isoTime,
    /** The transcript of the apply or rollback that left them so. */
    transcriptId: safeId,
    paths: UfwPathsSchema,
    files: v.array(v.object({ original: v.string(), content: v.string() })),
    /**
     * The nftables backend: table inet v6wall as listed (null: none) and its boot file (null: none);
     * files is then empty. Only compared, never written back.
     */
    nftables: v.optional(
      v.object({
        table: v.nullable(v.string()),
        persistPath: v.pipe(v.string(), v.startsWith('/', 'should be an absolute path')),
        persisted: v.nullable(v.string()),
      }),
    ),
  }),
  v.forward(
    v.check((m) => m.files.every((f) => isUfwFile(m.paths, f.original)), "should name only UFW's own files (in paths.ufwDir, or paths.defaultsFile)"),
    ['files'],
  ),
);

// ---------- transcripts/ID.jsonl: one line per thing that happened ----------

/** 'refused': stopped before anything changed (e.g. the snapshot could not be saved). */
export const TranscriptOutcomeSchema = v.picklist(['pending', 'confirmed', 'kept-without-proof', 'rolled-back', 'failed', 'refused']);

/**
 * Why an apply was undone: no confirmation by the deadline, the applying process died, the boot
 * guard found it still pending at boot, someone ran `v6wall rollback`, a step failed (undone at
 * once), or the pending file was unreadable (undone to be safe).
 */
export const RollbackCauseSchema = v.picklist(['deadline', 'apply-died', 'boot', 'by-hand', 'step-failed', 'corrupted-pending']);

export const TranscriptEntrySchema = v.variant('type', [
  v.object({
    type: v.literal('start'),
    version: v.literal(1),
    id: safeId,
    kind: v.picklist(['apply', 'rollback']),
    when: isoTime,
    who: v.string(),
    hostname: v.string(),
    choices: v.nullable(ChoicesSchema),
    plan: v.array(v.object({ kind: planStepKind, why: v.string(), argv, undoArgv: v.nullable(argv), satisfied: v.boolean() })),
    confirmTimeoutSec: v.nullable(v.number()),
  }),
  v.object({ type: v.literal('snapshot'), when: isoTime, snapshotId: safeId, ufwEnabled: v.boolean() }),
  v.object({
    type: v.literal('armed'),
    when: isoTime,
    deadline: isoTime,
    watchdogPid: v.nullable(pid),
    /** How the watchdog was started (absent in older transcripts). */
    watchdog: v.optional(v.string()),
    /**
     * 'steps': armed before the steps, with a deadline that moves on while they run; 'confirmation':
     * the deadline the watchdog keeps once they have run. Absent in older transcripts.
     */
    stage: v.optional(v.picklist(['steps', 'confirmation'])),
  }),
  v.object({
    type: v.literal('step'),
    when: isoTime,
    /** 'apply': a plan step; 'rollback': a command run to undo. */
    phase: v.picklist(['apply', 'rollback']),
    kind: v.nullable(planStepKind),
    undoArgv: v.nullable(argv),
    undoInput: v.optional(v.string()),
    record: StepRecordSchema,
  }),
  v.object({ type: v.literal('restore'), when: isoTime, snapshotId: safeId, files: v.array(v.string()) }),
  v.object({
    type: v.literal('outcome'),
    when: isoTime,
    outcome: TranscriptOutcomeSchema,
    detail: v.string(),
    failedStep: v.nullable(count),
    by: v.nullable(v.string()),
    /** Why it was rolled back (outcomes rolled-back and failed; absent in older transcripts). */
    cause: v.optional(RollbackCauseSchema),
  }),
  v.object({ type: v.literal('note'), when: isoTime, message: v.string() }),
]);

// ---------- reading ----------

function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === undefined) return 'nothing';
  return Array.isArray(value) ? 'a list' : typeof value === 'object' ? 'an object' : typeof value;
}

/** valibot's `("a" | "b")` as `one of "a", "b"`. */
function expectedInWords(expected: string | null): string {
  if (expected === null) return 'something else';
  const options = expected.replace(/^\((.*)\)$/, '$1').split(' | ');
  return options.length > 1 ? `one of ${options.join(', ')}` : expected;
}

/** The first problem, in words: which field, what it should be, what it holds. */
export function describeIssues(issues: readonly v.BaseIssue<unknown>[]): string {
  const issue = issues[0];
  if (issue === undefined) return 'it does not hold what v6wall writes there';
  const path = v.getDotPath(issue);
  const field = path === null ? 'its content' : `field "${path}"`;
  const more = issues.length > 1 ? ` (${issues.length - 1} more problem${issues.length > 2 ? 's' : ''} after it)` : '';
  if (issue.kind === 'schema' && issue.input === undefined && path !== null) return `${field} is missing${more}`;
  return `${field} ${issue.kind === 'validation' ? issue.message : `should be ${expectedInWords(issue.expected)}`}, not ${describeValue(issue.input)}${more}`;
}

/** Parses JSON text against a schema; the error names the file and the field. */
export function parseStored<TSchema extends v.GenericSchema>(schema: TSchema, text: string, file: string): Result<v.InferOutput<TSchema>, string> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, error: `${file} is corrupted: it is not valid JSON (${(error as Error).message})` };
  }
  return checkStored(schema, json, file);
}

/** Checks an already parsed value against a schema; the error names the file and the field. */
export function checkStored<TSchema extends v.GenericSchema>(schema: TSchema, value: unknown, file: string): Result<v.InferOutput<TSchema>, string> {
  const result = v.safeParse(schema, value);
  if (result.success) return { ok: true, value: result.output };
  return { ok: false, error: `${file} is corrupted: ${describeIssues(result.issues)}` };
}
