// The flags `v6wall plan`, `apply` and `export` share to say what to open and close, and the plan they make.
import type { SelectionFlags } from '../core/choices.js';
import { parseSshPortFlag, resolveChoices } from '../core/choices.js';
import { buildPlan } from '../core/plan.js';
import type { Choices } from '../core/types/choices.js';
import type { Facts } from '../core/types/facts.js';
import type { Plan } from '../core/types/plan.js';
import type { Result } from '../core/types/result.js';

export interface SelectionValues {
  'ssh-port'?: string[];
  route?: string[];
  publish?: string[];
  close?: string[];
  exact?: boolean;
  'remove-stale'?: boolean;
}

/** Turns parsed option values into SelectionFlags, or a message naming the bad value. */
export function toSelectionFlags(values: SelectionValues): SelectionFlags | string {
  const sshPorts: (number | 'auto')[] = [];
  for (const text of values['ssh-port'] ?? []) {
    const port = parseSshPortFlag(text);
    if (port === null) return `--ssh-port ${text}: expected a port (1-65535) or "auto"`;
    sshPorts.push(port);
  }
  return {
    sshPorts,
    route: values.route ?? [],
    publish: values.publish ?? [],
    close: values.close ?? [],
    exact: values.exact ?? false,
    removeStale: values['remove-stale'] ?? false,
  };
}

export interface PlannedSelection {
  choices: Choices;
  plan: Plan;
  /** What a flag changes nothing about (e.g. closing an opening that is not there). */
  notes: string[];
}

/** The choices the flags make on this host and the plan for them, or every choice refused. */
export function planSelection(facts: Facts, flags: SelectionFlags): Result<PlannedSelection> {
  const choices = resolveChoices(facts, flags);
  if (!choices.ok) return { ok: false, errors: choices.errors };
  const plan = buildPlan(facts, choices.value);
  if (!plan.ok) return plan;
  return { ok: true, value: { choices: choices.value, plan: plan.value, notes: choices.notes ?? [] } };
}
