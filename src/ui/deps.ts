import type { ApplyEvent, ApplyOutcome } from '../core/types/apply-events.js';
import type { Choices } from '../core/types/choices.js';
import type { Facts, Proto } from '../core/types/facts.js';
import type { Plan } from '../core/types/plan.js';
import type { Result } from '../core/types/result.js';
import type { Recalled, Remembered } from './remembered.js';

/** Everything the wizard needs from the rest of v6wall, injected by the CLI (and by tests). */
export interface WizardDeps {
  /** Reads the host (ufw, Docker, sshd). May reject with an Error whose message is shown. */
  discover(): Promise<Facts>;
  /** Where the wizard starts: detected SSH ports, exposures already in place. */
  defaultChoices(facts: Facts): Choices;
  buildPlan(facts: Facts, choices: Choices): Result<Plan>;
  /** Runs the plan, reporting each event; rolls back by itself when a step fails. */
  apply(plan: Plan, choices: Choices, onEvent: (event: ApplyEvent) => void): Promise<ApplyOutcome>;
  /** What became of the apply so far: still pending, confirmed (or kept), or rolled back. */
  pollOutcome(): Promise<ApplyFate>;
  /** The command that confirms from a new session on this host, exactly as to type it there. */
  confirmCommand(code: string): string;
  /** Keeps the applied changes without a proven new connection (disarms the rollback). */
  keepWithoutProof(): Promise<void>;
  /** Writes the plan as a runnable shell script; resolves with the path written. */
  savePlanScript(plan: Plan, path: string): Promise<string>;
  /**
   * A NEW connection from this host to address:port: whether the service answers. It never
   * proves the firewall lets strangers in (the host's own traffic takes another path).
   */
  probe(address: string, port: number, proto: Proto): Promise<'open' | 'closed'>;
  /** The last run's choices (called once the first frame is drawn); never rejects: a store that cannot be read gives a note. */
  recall(): Promise<Recalled>;
  /** Keeps this run's choices for the next run; failing to is not an error worth stopping for. */
  remember(remembered: Remembered): Promise<void>;
}

/** What the apply's transcript says became of it. */
export type ApplyFate =
  | { kind: 'pending' }
  | { kind: 'confirmed' }
  | {
      kind: 'rolled-back';
      /** "rolled back at 10:36:52: no confirmation by the deadline". */
      summary: string;
      /** UFW's files put back, and the commands the rollback ran (empty when done from another transcript). */
      restoredFiles: string[];
      commands: string[];
    };

/** How the wizard draws, decided once at start. */
export interface UiOptions {
  /** false under NO_COLOR. */
  color: boolean;
  /** false freezes spinners and countdowns' ticking (snapshots). */
  animate: boolean;
  /** Milliseconds between confirmation polls. */
  pollIntervalMs: number;
  /** The clock, for the rollback countdown. */
  now: () => number;
  /** The file name offered when saving the plan as a script. */
  defaultScriptPath: string;
}

export const DEFAULT_UI_OPTIONS: UiOptions = {
  color: true,
  animate: true,
  pollIntervalMs: 1000,
  now: () => Date.now(),
  defaultScriptPath: './v6wall-plan.sh',
};
