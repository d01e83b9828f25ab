// The wizard's state as plain data. Choices made on one screen live here, so
// going back and forth never loses them.
import type { ApplyEvent, ApplyOutcome, StepRecord } from '../core/types/apply-events.js';
import type { Facts, Proto } from '../core/types/facts.js';
import type { Plan, PlanStep } from '../core/types/plan.js';
import type { Result } from '../core/types/result.js';
import type { ReachVerdict } from '../core/iptables/reachability.js';
import type { ExposureOption } from './exposure-rows.js';
import type { Remembered } from './remembered.js';

export const SCREENS = ['discovery', 'ssh', 'defaults', 'containers', 'exposure', 'preview', 'apply', 'confirm', 'done'] as const;
export type Screen = (typeof SCREENS)[number];

export type Overlay = 'none' | 'help' | 'quit-confirm';

export interface SshPortRow {
  port: number;
  checked: boolean;
  /** Where the port was seen ("sshd config: sshd -T", ...); empty for a port the operator added. */
  sources: string[];
}

export interface SshScreenState {
  rows: SshPortRow[];
  cursor: number;
  /** The port being typed. */
  draft: string;
  error: string | null;
}

export interface ContainersScreenState {
  /** Names, in the order Docker listed them. */
  selected: string[];
  /** Index into the filtered list. */
  cursor: number;
  filter: string;
  /** Typing goes into the filter. */
  filtering: boolean;
}

export interface ExposureScreenState {
  /** By portKey; kept when a container is deselected so re-selecting it restores the choice. */
  picks: Record<string, ExposureOption>;
  /** By portKey: the IPv6 addresses or networks allowed in (canonical); empty or absent means anywhere. */
  sources: Record<string, string[]>;
  /** The "from" field of the port row under the cursor, while it is being typed. */
  editing: { key: string; draft: string; error: string | null } | null;
  /** Rules v6wall did not make, by their key: kept unless the operator chooses to remove them. */
  foreign: Record<string, 'keep' | 'remove'>;
  cursor: number;
  /** The port (portKey) whose menu of exposures is open; null when none is. */
  menu: string | null;
}

export interface PreviewScreenState {
  plan: Result<Plan> | null;
  scroll: number;
  /** Enter was pressed once: the next enter applies. */
  armed: boolean;
  /** The path being typed for "save as script"; null when not saving. */
  savePath: string | null;
  /** A save was requested: the effect runs it and reports back. */
  saving: boolean;
  saveMessage: string | null;
  /** Remove v6wall's rules for containers that are gone or have a new address (r toggles). */
  removeStale: boolean;
}

export type StepStatus = 'pending' | 'running' | 'done' | 'failed' | 'skipped';

export interface StepProgress {
  step: PlanStep;
  status: StepStatus;
  record: StepRecord | null;
}

export interface ApplyScreenState {
  status: 'idle' | 'requested' | 'running' | 'finished';
  steps: StepProgress[];
  events: ApplyEvent[];
  outcome: ApplyOutcome | null;
  rolledBackReason: string | null;
  /** The apply itself could not run (a thrown error). */
  crash: string | null;
}

/** expired: the deadline passed and the rollback is under way; rolled-back: its transcript says it is done. */
export type ConfirmStatus = 'waiting' | 'keeping' | 'confirmed' | 'kept' | 'expired' | 'rolled-back';

/** The rollback as its transcript reports it, once done. */
export interface RollbackDone {
  summary: string;
  restoredFiles: string[];
  commands: string[];
}

/** A connection from the host itself: it shows the service answers, not what strangers can reach. */
export type HostProbe = 'checking' | 'open' | 'closed' | 'not-probed';

/** One opening checked after the apply: the ruleset's verdict and a probe from the host. */
export interface CheckRow {
  key: string;
  /** Short, for one line: "SSH 2222/tcp", "web 80/tcp (route)", "web 80/tcp (port 8081)". */
  label: string;
  ssh: boolean;
  address: string;
  port: number;
  proto: Proto;
  verdict: ReachVerdict;
  dockerOnly: boolean;
  probe: HostProbe;
}

export interface ConfirmChecks {
  /** idle until the confirm screen asks; reading while discovery runs again. */
  status: 'idle' | 'reading' | 'done' | 'failed';
  rows: CheckRow[];
  /** Why (part of) the verdicts cannot be judged, from the reachability report. */
  note: string | null;
  /** What the live firewall does that differs from the choices, in plain words (empty: none); null until judged. */
  differences: string[] | null;
  error: string | null;
}

export interface ConfirmScreenState {
  status: ConfirmStatus;
  /** k was pressed: the menu asks whether to keep the changes without proof. */
  askingKeep: boolean;
  keepError: string | null;
  /** What the live ruleset lets in after the apply, and whether each service answers the host. */
  checks: ConfirmChecks;
  /** Set when the rollback is done (status rolled-back). */
  rollback: RollbackDone | null;
}

export const IDLE_CHECKS: ConfirmChecks = { status: 'idle', rows: [], note: null, differences: null, error: null };

export interface WizardState {
  screen: Screen;
  overlay: Overlay;
  facts: Facts | null;
  discoveryError: string | null;
  /** Rows a list may use; page keys move by this much. */
  viewRows: number;
  defaultScriptPath: string;
  ssh: SshScreenState;
  containers: ContainersScreenState;
  exposure: ExposureScreenState;
  preview: PreviewScreenState;
  apply: ApplyScreenState;
  confirm: ConfirmScreenState;
  /** The last run's choices, as the wizard's store gave them back. */
  remembered: Remembered;
  /** Why the store could not be read (its choices are then not offered); null when it could. */
  rememberNote: string | null;
  /** The quit question was asked by ctrl+c: quitting then ends with 130. */
  quitInterrupted: boolean;
  /** Set when the wizard should end, with the exit code. */
  exitCode: number | null;
}

export function initialState(options: { viewRows?: number; defaultScriptPath?: string } = {}): WizardState {
  return {
    screen: 'discovery',
    overlay: 'none',
    facts: null,
    discoveryError: null,
    viewRows: options.viewRows ?? 10,
    defaultScriptPath: options.defaultScriptPath ?? './v6wall-plan.sh',
    ssh: { rows: [], cursor: 0, draft: '', error: null },
    containers: { selected: [], cursor: 0, filter: '', filtering: false },
    exposure: { picks: {}, sources: {}, editing: null, foreign: {}, cursor: 0, menu: null },
    preview: { plan: null, scroll: 0, armed: false, savePath: null, saving: false, saveMessage: null, removeStale: false },
    apply: { status: 'idle', steps: [], events: [], outcome: null, rolledBackReason: null, crash: null },
    confirm: { status: 'waiting', askingKeep: false, keepError: null, checks: IDLE_CHECKS, rollback: null },
    remembered: { exposures: {} },
    rememberNote: null,
    quitInterrupted: false,
    exitCode: null,
  };
}
