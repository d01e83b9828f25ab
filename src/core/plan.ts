// The planner: a pure function of the host's facts and the operator's choices.
// It converges v6wall's openings to the chosen ones: what is chosen and missing is
// added, what v6wall opened and is no longer chosen is closed (never an SSH rule).
// Order matters and is the lockout guarantee: SSH first, then the closings, the
// wanted openings, the egress rules containers need, the DOCKER-USER block that makes
// UFW decide for containers (Docker 23+ with ip6tables), the default denies, and only
// then enable.
import type { ChoiceError, Choices } from './types/choices.js';
import type { Facts, UfwRule } from './types/facts.js';
import type { AllowSpec, Plan, PlanStep } from './types/plan.js';
import type { Result } from './types/result.js';
import { dockerFirewallMode } from './docker-mode.js';
import { type PlanContext, dockerDecidesNotes, dockerUserBlockSteps } from './plan-docker.js';
import { type DesiredRule, anyDestination, openingRules } from './plan-openings.js';
import { allowArgv, blockingRule, deleteAllowArgv, specSatisfied } from './ufw-commands.js';
import { formatRuleComment } from './rule-comment.js';
import { sshPortErrors } from './ssh-ports.js';
import { backendOf } from './backend.js';
import { buildNftablesPlan } from './plan-nftables.js';
import { describeOpening, managedRules, staleReason, type ManagedRule } from './managed-rules.js';
import { desiredEgressRules } from './egress.js';
import { foreignRules } from './foreign-rules.js';
import { closingReason } from './plan-closings.js';
import { openingKey } from './rule-comment.js';
import { openingTagOf, choiceLabel } from './plan-openings.js';
import { sourceContains } from './sources.js';
import { isValidPort } from './port.js';

function allowStep(kind: PlanStep['kind'], why: string, spec: AllowSpec, rules: readonly UfwRule[]): PlanStep {
  return { kind, why, rule: { spec, delete: false }, argv: allowArgv(spec), undoArgv: deleteAllowArgv(spec), satisfied: specSatisfied(rules, spec) };
}

function closeStep(kind: PlanStep['kind'], why: string, spec: AllowSpec): PlanStep {
  return { kind, change: 'close', why, rule: { spec, delete: true }, argv: deleteAllowArgv(spec), undoArgv: allowArgv(spec), satisfied: false };
}

function sshErrors(facts: Facts, choices: Choices): ChoiceError[] {
  const errors = sshPortErrors(facts, choices);
  for (const port of choices.sshPorts) {
    const blocker = blockingRule(facts.ufw.rules, port, 'tcp');
    if (blocker) {
      errors.push({
        choice: `--ssh-port ${port}`,
        message: `an existing UFW rule (${blocker.action} ${blocker.dport}/${blocker.proto}) comes first and would block SSH on ${port}: delete it before enabling`,
      });
    }
  }
  return errors;
}

function hostErrors(facts: Facts): ChoiceError[] {
  if (!facts.ufw.installed) {
    return [{ choice: 'ufw', message: `UFW is not installed: ${facts.ufw.installHint ?? 'install the ufw package'}` }];
  }
  if (facts.ufw.ipv6 === false) {
    return [
      {
        choice: 'ufw',
        message:
          'UFW has IPV6=no in /etc/default/ufw: it would ignore every IPv6 rule and flush ip6tables on enable. Set IPV6=yes, then run `ufw disable` and `ufw enable` (with SSH allowed), and run v6wall again',
      },
    ];
  }
  return [];
}

function defaultSteps(facts: Facts): PlanStep[] {
  const { incoming, routed } = facts.ufw.policies;
  const undo = (policy: string, direction: string) => (policy === 'disabled' ? null : ['ufw', 'default', policy, direction]);
  return [
    {
      kind: 'default',
      why: 'Deny every new incoming connection that no rule allows',
      argv: ['ufw', 'default', 'deny', 'incoming'],
      undoArgv: undo(incoming, 'incoming'),
      satisfied: incoming === 'deny',
    },
    {
      kind: 'default',
      // reject breaks container egress on Docker 28, hence deny.
      why: 'Deny every new forwarded connection (to containers) that no route rule allows',
      argv: ['ufw', 'default', 'deny', 'routed'],
      undoArgv: undo(routed, 'routed'),
      satisfied: routed === 'deny',
    },
  ];
}

/** One ufw command a spec stands for, whatever its comment. */
const specKey = (spec: AllowSpec): string => deleteAllowArgv(spec).join('\u0000');

interface Closing {
  step: PlanStep;
  rules: UfwRule[];
}

/** v6wall's openings and egress rules that are not wanted any more (SSH rules are never among them). */
function closings(
  context: PlanContext,
  choices: Choices,
  desired: readonly DesiredRule[],
  desiredEgress: readonly AllowSpec[],
): { closes: Closing[]; kept: string[] } {
  const wanted = new Set([...desired.map((rule) => specKey(rule.spec)), ...desiredEgress.map(specKey)]);
  const closes: Closing[] = [];
  const kept: string[] = [];
  for (const managed of managedRules(context.facts.ufw.rules)) {
    if (wanted.has(specKey(managed.spec))) continue;
    if (managed.tag.kind === 'egress') {
      const network = managed.tag.network;
      const gone = !context.mode.networks.some((candidate) => candidate.name === network);
      const why = gone
        ? `Remove the egress rule of Docker network ${managed.tag.network}, which is gone`
        : `Remove the egress rule of Docker network ${managed.tag.network}: its bridge or subnet changed, or Docker's own rules let its containers out here`;
      closes.push({ step: closeStep('route', why, managed.spec), rules: managed.rules });
      continue;
    }
    const tag = managed.tag;
    const stale = staleReason(context.facts, managed);
    const reason = closingReason(choices, tag, stale);
    const what = describeOpening({ ...managed, tag });
    if (reason === null) {
      if (stale !== null) kept.push(`${what} (${stale})`);
      continue;
    }
    closes.push({ step: closeStep(tag.kind, `Close ${what}: ${reason}`, managed.spec), rules: managed.rules });
  }
  return { closes, kept };
}

/** Rules v6wall did not make that the operator chose to remove; the others are only named. */
function foreignSteps(context: PlanContext, choices: Choices): { closes: Closing[]; notes: string[] } {
  const chosen = new Set(choices.removeForeign ?? []);
  const closes: Closing[] = [];
  const notes: string[] = [];
  for (const foreign of foreignRules(context.facts, context.mode)) {
    const opens = foreign.opens.join('; ');
    if (!chosen.has(foreign.key)) {
      notes.push(`A rule v6wall did not make opens ${opens}: \`${foreign.text}\`. It stays as it is.`);
      continue;
    }
    if (foreign.spec === null) {
      context.errors.push({
        choice: foreign.text,
        message:
          'v6wall cannot delete this rule exactly (an application profile, a port range or an interface): delete it by hand with `ufw status numbered` and `ufw delete NUMBER`',
      });
      continue;
    }
    closes.push({
      step: closeStep(
        foreign.spec.route ? 'route' : 'publish',
        `Remove a rule v6wall did not make, which opens ${opens} (you chose to remove it)`,
        foreign.spec,
      ),
      rules: foreign.rules,
    });
  }
  return { closes, notes };
}

/**
 * The rule is in place under another of v6wall's comments (where Docker forwards a published
 * port, routing to the port and publishing it are the same rule): adding it again makes ufw
 * update the comment, so later runs know it by this opening.
 */
function retagged(rule: DesiredRule, inPlace: readonly ManagedRule[]): PlanStep | null {
  const same = inPlace.find((managed) => specKey(managed.spec) === specKey(rule.spec));
  if (same === undefined || same.spec.comment === rule.spec.comment) return null;
  return {
    kind: rule.kind,
    why: `${rule.why} (the rule is in place; its comment changes to "${rule.spec.comment}")`,
    rule: { spec: rule.spec, delete: false },
    argv: allowArgv(rule.spec),
    undoArgv: allowArgv(same.spec),
    satisfied: false,
  };
}

/** The same ufw command must not run twice (a rule can serve several choices). */
function distinct<T>(items: readonly T[], key: (item: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const k = key(item);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** A source inside another chosen source of the same opening (anywhere holds them all) adds nothing: it is left out, with a note. */
function withoutRedundantSources(choices: Choices, notes: string[]): Choices['exposures'] {
  const open = choices.exposures.filter((choice) => choice.exposure !== 'skip');
  return open.filter((choice) => {
    if (choice.source === undefined) return true;
    const key = openingKey(openingTagOf(choice));
    const wider = open.find(
      (other) =>
        other !== choice && openingKey(openingTagOf(other)) === key && other.source !== choice.source && sourceContains(other.source, choice.source as string),
    );
    if (wider === undefined) return true;
    notes.push(`${choiceLabel(choice)} is left out: ${choiceLabel(wider)} already lets ${choice.source} in.`);
    return false;
  });
}

/** Turns facts and choices into ordered steps, or explains why it must not. */
export function buildPlan(facts: Facts, choices: Choices): Result<Plan> {
  if (backendOf(facts).kind === 'nftables') return buildNftablesPlan(facts, choices);
  const errors: ChoiceError[] = [...hostErrors(facts)];
  if (errors.length > 0) return { ok: false, errors };
  errors.push(...sshErrors(facts, choices));

  const context: PlanContext = { facts, mode: dockerFirewallMode(facts.docker, 'ufw'), errors, notes: [] };
  const inPlace = managedRules(facts.ufw.rules);
  const desired = distinct(
    withoutRedundantSources(choices, context.notes).flatMap((choice) => openingRules(context, choice, inPlace)),
    (rule) => specKey(rule.spec),
  );
  const egress = desiredEgressRules(context.mode);
  const { closes, kept } = closings(
    context,
    choices,
    desired,
    egress.map((rule) => rule.spec),
  );
  const foreign = foreignSteps(context, choices);
  const removed = new Set([...closes, ...foreign.closes].flatMap((close) => close.rules));
  const remaining = facts.ufw.rules.filter((rule) => !removed.has(rule));

  const destination = anyDestination(facts);
  const sshSteps = [...new Set(choices.sshPorts)]
    .filter(isValidPort)
    .map((port) =>
      allowStep(
        'ssh',
        `Allow SSH on port ${port} first, so the firewall can never shut you out`,
        { route: false, proto: 'tcp', to: destination, port, comment: formatRuleComment({ kind: 'ssh', port }) },
        remaining,
      ),
    );
  const openings = desired.map((rule) => retagged(rule, inPlace) ?? allowStep(rule.kind, rule.why, rule.spec, remaining));
  const egressSteps = egress.map((rule) =>
    allowStep(
      'route',
      `Let the containers of Docker network ${rule.network} (${rule.subnet}) start connections out, to the internet and to other containers: without it \`deny routed\` drops them`,
      rule.spec,
      remaining,
    ),
  );
  const integration = dockerUserBlockSteps(context);
  if (errors.length > 0) return { ok: false, errors };

  const enable: PlanStep = {
    kind: 'enable',
    why: 'Turn the firewall on (SSH is already allowed above)',
    argv: ['ufw', '--force', 'enable'],
    undoArgv: ['ufw', 'disable'],
    satisfied: facts.ufw.enabled,
  };
  const notes = [
    facts.host.hasIpv4
      ? 'This host has IPv4 too: allow rules use `to any`, so they cover both IPv4 and IPv6.'
      : 'This host is IPv6-only: allow rules use `to ::/0`, so UFW writes no useless IPv4 rules.',
    ...new Set(context.notes),
    ...dockerDecidesNotes(context),
    ...(kept.length > 0
      ? [
          `${kept.length} v6wall rule(s) point at containers that are gone or have a new address and are kept (${kept.join('; ')}): add --remove-stale to remove them.`,
        ]
      : []),
    ...foreign.notes,
  ];
  const steps = [
    ...sshSteps,
    ...[...closes, ...foreign.closes].map((close) => close.step),
    ...openings,
    ...egressSteps,
    ...integration,
    ...defaultSteps(facts),
    enable,
  ];
  return { ok: true, value: { steps, notes } };
}

/** The steps that would actually run. */
export function pendingSteps(plan: Plan): PlanStep[] {
  return plan.steps.filter((step) => !step.satisfied);
}
