// A plan: the commands that take the host from its facts to the operator's choices, each with its why and its undo.
import type { Source } from '../sources.js';
import type { Proto } from './facts.js';

export type PlanStepKind = 'ssh' | 'default' | 'enable' | 'route' | 'publish' | 'integration';

/** The shape of an allow rule v6wall adds or removes, before it becomes an argv. */
export interface AllowSpec {
  route: boolean;
  /** 'any' only for rules that match every protocol (egress). */
  proto: Proto | 'any';
  /** 'any' for both families, '::/0' for IPv6 only, or one address. */
  to: string;
  /** null: every port (egress). */
  port: number | null;
  /** Absent: from anywhere. */
  from?: Source;
  /** Route rules only: the interface the traffic comes in on (a Docker bridge, for egress). */
  inInterface?: string;
  comment: string | null;
}

/** The UFW rule a step adds or deletes, as data (for exports that speak UFW in another tool). */
export interface StepRule {
  spec: AllowSpec;
  delete: boolean;
}

export interface PlanStep {
  kind: PlanStepKind;
  /** 'close' for a step that removes an opening (shown apart from the additions); absent: it adds or sets something. */
  change?: 'close';
  /** One line for a person: why this command runs. */
  why: string;
  /** For steps that add or delete one UFW allow rule: that rule. */
  rule?: StepRule;
  argv: string[];
  /** Standard input for argv (e.g. the new content of a file written with `cp /dev/stdin FILE`). */
  input?: string;
  /** The command that undoes this one; null when nothing needs undoing. */
  undoArgv: string[] | null;
  undoInput?: string;
  /** Already true on this host: shown in the preview, never run. */
  satisfied: boolean;
}

export interface Plan {
  steps: PlanStep[];
  /** Plain-words remarks about the plan (e.g. why a rule is IPv6-only). */
  notes: string[];
}
