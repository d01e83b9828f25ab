// The planner: a pure function of the host's facts and the operator's choices.
// Order matters and is the lockout guarantee: SSH first, then the wanted
// openings (and, on Docker 23+ with ip6tables, the DOCKER-USER block that makes
// UFW decide for containers), then the default denies, and only then enable.
import type { ChoiceError, Choices, ExposureChoice, Facts, Plan, PlanStep, Result, UfwRule } from './types.js';
import { type DockerFirewallMode, type Support, dockerFirewallMode, exposureSupport } from './docker-mode.js';
import { type PlanContext, addressesWithNetworks, dockerDecidesNotes, dockerUserBlockSteps } from './plan-docker.js';
import { type AllowSpec, allowArgv, blockingRule, deleteAllowArgv, specSatisfied } from './ufw-commands.js';
import { formatRuleComment } from './rule-comment.js';
import { requiredSshPorts } from './ssh-ports.js';
import { staleRules } from './stale-rules.js';
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

/** Why an exposure cannot work, or how it works only in Docker's way, with the change that would alter that. */
function supportMessage(support: Support): string {
  if (support.fix === undefined) return support.why;
  if (!support.works) return `${support.why} To make it work: ${support.fix}.`;
  return `${support.why} ${support.fix.charAt(0).toUpperCase()}${support.fix.slice(1)}.`;
}

/** Docker forwards the published port to the container's own address: UFW decides in FORWARD, by route rule. */
function publishGoesThroughForward(mode: DockerFirewallMode): boolean {
  return mode.kind === 'ip6tables-on-docker-user' || mode.kind === 'nftables';
}

function exposureSteps(context: PlanContext, choice: ExposureChoice): PlanStep[] {
  const { facts, mode } = context;
  const label = choiceLabel(choice);
  const fail = (message: string): PlanStep[] => {
    context.errors.push({ choice: label, message });
    return [];
  };
  if (!isValidContainerName(choice.container)) return fail(`"${choice.container}" is not a valid container name`);
  if (!isValidPort(choice.port)) return fail(`${choice.port} is not a port (1-65535)`);
  const container = facts.docker.containers.find((candidate) => candidate.name === choice.container);
  if (!container) return fail(`no container named "${choice.container}" on this host`);
  const port = container.ports.find((candidate) => candidate.port === choice.port && candidate.proto === choice.proto);
  if (!port) return fail(`container "${container.name}" does not expose ${choice.port}/${choice.proto}`);
  const rules = facts.ufw.rules;
  const placed = addressesWithNetworks(context, container);
  const routeRule = (address: string, why: string, comment: string, kind: 'route' | 'publish'): PlanStep =>
    allowStep(kind, why, { route: true, proto: port.proto, to: address, port: port.port, comment }, rules);

  if (choice.exposure === 'route') {
    if (placed.length === 0) return fail(`container "${container.name}" has no global IPv6 address to route to`);
    const comment = formatRuleComment({ kind: 'route', container: container.name, port: port.port, proto: port.proto });
    const steps: PlanStep[] = [];
    for (const { address, network } of placed) {
      const support = network === undefined ? null : exposureSupport(mode, network, port).route;
      if (support !== null && !support.works) return fail(supportMessage(support));
      if (support?.fix !== undefined) context.notes.push(`${container.name} ${port.port}/${port.proto}: ${supportMessage(support)}`);
      steps.push(routeRule(address, `Let the internet reach ${container.name} at [${address}]:${port.port}/${port.proto} (route rule to the container's own address)`, comment, 'route'));
    }
    return steps;
  }

  const hostPort = choice.hostPort;
  if (hostPort === undefined || !isValidPort(hostPort)) return fail('a published exposure needs the host port');
  if (!port.published.some((binding) => binding.hostPort === hostPort)) {
    return fail(`container "${container.name}" does not publish ${port.port}/${port.proto} on host port ${hostPort}`);
  }
  const comment = formatRuleComment({ kind: 'publish', container: container.name, port: port.port, proto: port.proto, hostPort });
  const forwarded = placed.flatMap(({ address, network }) => (network === undefined ? [] : [{ address, network }]));
  for (const { network } of forwarded) {
    const support = exposureSupport(mode, network, port).publish;
    if (!support.works) return fail(supportMessage(support));
    if (support.fix !== undefined) context.notes.push(`${container.name} host port ${hostPort}: ${supportMessage(support)}`);
  }
  if (publishGoesThroughForward(mode) && forwarded.length > 0) {
    return forwarded.map(({ address }) =>
      routeRule(
        address,
        `Let the internet reach ${container.name}'s ${port.port}/${port.proto} through the host's port ${hostPort}: Docker forwards it to [${address}]:${port.port}, so a route rule to that address decides`,
        comment,
        'publish',
      ),
    );
  }
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

  const stale = staleRules(facts);
  const removals: PlanStep[] = choices.removeStale
    ? stale.map((entry) => ({
        kind: entry.spec.route ? 'route' : 'publish',
        why: `Remove a rule for ${entry.reason}`,
        argv: deleteAllowArgv(entry.spec),
        undoArgv: allowArgv(entry.spec),
        satisfied: false,
      }))
    : [];

  const context: PlanContext = { facts, mode: dockerFirewallMode(facts.docker), errors, notes: [] };
  const seen = new Set<string>();
  const openings = choices.exposures
    .filter((choice) => choice.exposure !== 'skip')
    .flatMap((choice) => exposureSteps(context, choice))
    .filter((step) => {
      const key = step.argv.join('\u0000');
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });

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
    ...(!choices.removeStale && stale.length > 0
      ? [`${stale.length} v6wall rule(s) point at containers that are gone or have a new address (${stale.map((entry) => entry.reason).join('; ')}): add --remove-stale to remove them.`]
      : []),
  ];
  return { ok: true, value: { steps: [...sshSteps, ...removals, ...openings, ...integration, ...defaultSteps(facts), enable], notes } };
}

/** The steps that would actually run. */
export function pendingSteps(plan: Plan): PlanStep[] {
  return plan.steps.filter((step) => !step.satisfied);
}
