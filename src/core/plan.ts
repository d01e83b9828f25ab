// The planner: a pure function of the host's facts and the operator's choices.
// Order matters and is the lockout guarantee: SSH first, then the wanted
// openings, then the default denies, and only then enable.
import type { ChoiceError, Choices, ExposureChoice, Facts, Plan, PlanStep, Result, UfwRule } from './types.js';
import { type AllowSpec, allowArgv, blockingRule, deleteAllowArgv, specSatisfied } from './ufw-commands.js';
import { formatRuleComment } from './rule-comment.js';
import { requiredSshPorts } from './ssh-ports.js';
import { staleRules } from './stale-rules.js';
import { containerIpv6Addresses } from './container-addresses.js';
import { isValidContainerName, isValidPort } from './validate.js';

/** IPv6-only hosts get `to ::/0` so UFW writes no useless IPv4 rules. */
function anyDestination(facts: Facts): string {
  return facts.host.hasIpv4 ? 'any' : '::/0';
}

function allowStep(kind: PlanStep['kind'], why: string, spec: AllowSpec, rules: readonly UfwRule[]): PlanStep {
  return { kind, why, argv: allowArgv(spec), undoArgv: deleteAllowArgv(spec), satisfied: specSatisfied(rules, spec) };
}

function choiceLabel(choice: ExposureChoice): string {
  const flag = choice.exposure === 'publish' ? '--publish' : '--route';
  const port = choice.exposure === 'publish' ? choice.hostPort : choice.port;
  return `${flag} ${choice.container}:${port}/${choice.proto}`;
}

function exposureSteps(facts: Facts, choice: ExposureChoice, errors: ChoiceError[]): PlanStep[] {
  const label = choiceLabel(choice);
  const fail = (message: string): PlanStep[] => {
    errors.push({ choice: label, message });
    return [];
  };
  if (!isValidContainerName(choice.container)) return fail(`"${choice.container}" is not a valid container name`);
  if (!isValidPort(choice.port)) return fail(`${choice.port} is not a port (1-65535)`);
  const container = facts.docker.containers.find((candidate) => candidate.name === choice.container);
  if (!container) return fail(`no container named "${choice.container}" on this host`);
  const port = container.ports.find((candidate) => candidate.port === choice.port && candidate.proto === choice.proto);
  if (!port) return fail(`container "${container.name}" does not expose ${choice.port}/${choice.proto}`);
  const rules = facts.ufw.rules;

  if (choice.exposure === 'route') {
    const addresses = containerIpv6Addresses(container);
    if (addresses.length === 0) return fail(`container "${container.name}" has no global IPv6 address to route to`);
    const comment = formatRuleComment({ kind: 'route', container: container.name, port: port.port, proto: port.proto });
    return addresses.map((address) =>
      allowStep(
        'route',
        `Let the internet reach ${container.name} at [${address}]:${port.port}/${port.proto} (route rule to the container's own address)`,
        { route: true, proto: port.proto, to: address, port: port.port, comment },
        rules,
      ),
    );
  }

  const hostPort = choice.hostPort;
  if (hostPort === undefined || !isValidPort(hostPort)) return fail('a published exposure needs the host port');
  if (!port.published.some((binding) => binding.hostPort === hostPort)) {
    return fail(`container "${container.name}" does not publish ${port.port}/${port.proto} on host port ${hostPort}`);
  }
  const comment = formatRuleComment({ kind: 'publish', container: container.name, port: port.port, proto: port.proto, hostPort });
  return [
    allowStep(
      'publish',
      `Let the internet reach ${container.name}'s ${port.port}/${port.proto} through the host's port ${hostPort}`,
      { route: false, proto: port.proto, to: anyDestination(facts), port: hostPort, comment },
      rules,
    ),
  ];
}

function sshErrors(facts: Facts, choices: Choices): ChoiceError[] {
  const errors: ChoiceError[] = [];
  for (const port of choices.sshPorts) {
    if (!isValidPort(port)) errors.push({ choice: `--ssh-port ${port}`, message: `${port} is not a port (1-65535)` });
  }
  if (choices.sshPorts.length === 0) {
    errors.push({ choice: '--ssh-port', message: 'no SSH port is known: pass --ssh-port N so the firewall never shuts you out' });
  }
  for (const required of requiredSshPorts(facts.ssh)) {
    if (!choices.sshPorts.includes(required.port)) {
      errors.push({
        choice: '--ssh-port',
        message: `SSH port ${required.port} is in use (${required.reason}) but would not be allowed: add --ssh-port ${required.port}`,
      });
    }
  }
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

/** Turns facts and choices into ordered steps, or explains why it must not. */
export function buildPlan(facts: Facts, choices: Choices): Result<Plan> {
  const errors: ChoiceError[] = [...hostErrors(facts)];
  if (errors.length > 0) return { ok: false, errors };
  errors.push(...sshErrors(facts, choices));

  const rules = facts.ufw.rules;
  const destination = anyDestination(facts);
  const sshSteps = [...new Set(choices.sshPorts)].filter(isValidPort).map((port) =>
    allowStep(
      'ssh',
      `Allow SSH on port ${port} first, so the firewall can never shut you out`,
      { route: false, proto: 'tcp', to: destination, port, comment: formatRuleComment({ kind: 'ssh', port }) },
      rules,
    ),
  );

  const removals: PlanStep[] = choices.removeStale
    ? staleRules(facts).map((stale) => ({
        kind: stale.spec.route ? 'route' : 'publish',
        why: `Remove a rule for ${stale.reason}`,
        argv: deleteAllowArgv(stale.spec),
        undoArgv: allowArgv(stale.spec),
        satisfied: false,
      }))
    : [];

  const seen = new Set<string>();
  const openings = choices.exposures
    .filter((choice) => choice.exposure !== 'skip')
    .flatMap((choice) => exposureSteps(facts, choice, errors))
    .filter((step) => {
      const key = step.argv.join('\u0000');
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });

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
  ];
  return { ok: true, value: { steps: [...sshSteps, ...removals, ...openings, ...defaultSteps(facts), enable], notes } };
}

/** The steps that would actually run. */
export function pendingSteps(plan: Plan): PlanStep[] {
  return plan.steps.filter((step) => !step.satisfied);
}
