// A model of what real ufw does with the allow and delete commands v6wall builds, used by the
// planner's property tests (the lab checks the same against real ufw): which tuples it writes
// to user.rules / user6.rules, that a duplicate add only updates the comment, and that a delete
// by rule spec removes the rule in every family it names.
import type { Facts, UfwRule } from '../../src/core/types/facts.js';
import type { Plan } from '../../src/core/types/plan.js';

interface Parsed {
  route: boolean;
  delete: boolean;
  inInterface: string | null;
  proto: string;
  from: string;
  to: string;
  port: string;
  comment: string | null;
}

function parse(argv: readonly string[]): Parsed | null {
  if (argv[0] !== 'ufw') return null;
  let rest = argv.slice(1);
  const route = rest[0] === 'route';
  if (route) rest = rest.slice(1);
  const del = rest[0] === 'delete';
  if (del) rest = rest.slice(1);
  if (rest[0] !== 'allow') return null;
  rest = rest.slice(1);
  const value = (key: string): string | null => {
    const at = rest.indexOf(key);
    return at === -1 ? null : (rest[at + 1] ?? null);
  };
  const on = rest[0] === 'in' && rest[1] === 'on' ? (rest[2] ?? null) : null;
  return {
    route,
    delete: del,
    inInterface: on,
    proto: value('proto') ?? 'any',
    from: value('from') ?? 'any',
    to: value('to') ?? 'any',
    port: value('port') ?? 'any',
    comment: value('comment'),
  };
}

function families(command: Parsed): boolean[] {
  const v6 = (text: string) => text.includes(':');
  if (command.from !== 'any') return [v6(command.from)];
  if (command.to === 'any') return [false, true];
  return [v6(command.to)];
}

export function rulesWrittenBy(argv: readonly string[]): UfwRule[] {
  const command = parse(argv);
  if (command === null || command.delete) return [];
  return tuples(command);
}

function tuples(command: Parsed): UfwRule[] {
  return families(command).map((v6) => ({
    v6,
    route: command.route,
    action: 'allow',
    log: '',
    proto: command.proto,
    dport: command.port,
    dst: command.to === 'any' ? (v6 ? '::/0' : '0.0.0.0/0') : command.to,
    sport: 'any',
    src: command.from === 'any' ? (v6 ? '::/0' : '0.0.0.0/0') : command.from,
    dapp: null,
    sapp: null,
    direction: 'in',
    inInterface: command.inInterface,
    outInterface: null,
    comment: command.comment,
    raw: `### tuple ### ${command.route ? 'route:' : ''}allow ${command.proto} ${command.port} ${command.to} any ${command.from} in${command.inInterface ? `_${command.inInterface}` : ''} v6=${v6}`,
  }));
}

const sameMatch = (a: UfwRule, b: UfwRule): boolean =>
  a.v6 === b.v6 &&
  a.route === b.route &&
  a.action === b.action &&
  a.proto === b.proto &&
  a.dport === b.dport &&
  a.dst === b.dst &&
  a.src === b.src &&
  a.inInterface === b.inInterface &&
  a.outInterface === b.outInterface &&
  a.direction === b.direction;

/** The rules after one ufw command, as ufw would leave them. */
export function applyUfwCommand(rules: readonly UfwRule[], argv: readonly string[]): UfwRule[] {
  const command = parse(argv);
  if (command === null) return [...rules];
  const wanted = tuples(command);
  if (command.delete) return rules.filter((rule) => !wanted.some((target) => sameMatch(rule, target)));
  const next = [...rules];
  for (const tuple of wanted) {
    const at = next.findIndex((rule) => sameMatch(rule, tuple));
    if (at === -1) next.push(tuple);
    else next[at] = { ...(next[at] as UfwRule), comment: tuple.comment };
  }
  return next;
}

/** The host as it would be after running every pending step of the plan. */
export function afterApplying(facts: Facts, plan: Plan): Facts {
  let rules = [...facts.ufw.rules];
  let after6 = facts.ufw.after6Rules;
  let policies = { ...facts.ufw.policies };
  let enabled = facts.ufw.enabled;
  for (const step of plan.steps) {
    if (step.satisfied) continue;
    if (step.argv[0] === 'cp' && step.input !== undefined) after6 = step.input;
    else if (step.argv[1] === 'default') policies = { ...policies, [step.argv[3] as 'incoming' | 'routed']: step.argv[2] as 'deny' };
    else if (step.argv.join(' ') === 'ufw --force enable') enabled = true;
    else rules = applyUfwCommand(rules, step.argv);
  }
  return { ...facts, ufw: { ...facts.ufw, enabled, policies, rules, after6Rules: after6 } };
}

/** A ruleset as a set, for comparing two hosts (ufw's order is the order of adds). */
export function ruleSet(rules: readonly UfwRule[]): string[] {
  return rules.map((rule) => [rule.v6, rule.route, rule.proto, rule.dport, rule.dst, rule.src, rule.inInterface, rule.comment].join('|')).sort();
}
