// Builds the ufw command lines v6wall runs and decides whether an existing
// rule (parsed from user.rules / user6.rules) already does the same job.
import type { Proto, UfwRule } from './types/facts.js';
import type { AllowSpec } from './types/plan.js';
import { sourceOfRule, type Source } from './sources.js';
import { canonicalAddress } from './address.js';

const V6_ANY = '::/0';
const V4_ANY = '0.0.0.0/0';

/** The match part of a rule, shared by add and delete (ufw deletes by rule spec; the comment is not part of the match). */
function matchArgs(spec: AllowSpec): string[] {
  return [
    ...(spec.route && spec.inInterface !== undefined ? ['in', 'on', spec.inInterface] : []),
    ...(spec.proto === 'any' ? [] : ['proto', spec.proto]),
    'from',
    spec.from ?? 'any',
    'to',
    spec.to,
    ...(spec.port === null ? [] : ['port', String(spec.port)]),
  ];
}

export function allowArgv(spec: AllowSpec): string[] {
  const head = spec.route ? ['ufw', 'route', 'allow'] : ['ufw', 'allow'];
  return [...head, ...matchArgs(spec), ...(spec.comment === null ? [] : ['comment', spec.comment])];
}

export function deleteAllowArgv(spec: AllowSpec): string[] {
  const head = spec.route ? ['ufw', 'route', 'delete', 'allow'] : ['ufw', 'delete', 'allow'];
  return [...head, ...matchArgs(spec)];
}

/** Which rule families (v4 file, v6 file) ufw writes for a destination and source. */
export function familiesFor(to: string, from?: Source): { v4: boolean; v6: boolean } {
  if (from !== undefined) return { v4: false, v6: true };
  if (to === 'any') return { v4: true, v6: true };
  if (to === V6_ANY) return { v4: false, v6: true };
  const address = canonicalAddress(to);
  return { v4: address !== null && !address.includes(':'), v6: address !== null && address.includes(':') };
}

function portListIncludes(dport: string, port: number): boolean {
  return dport.split(',').some((part) => {
    const [low, high] = part.split(':');
    if (high === undefined) return Number(low) === port;
    return Number(low) <= port && port <= Number(high);
  });
}

/** The rule lets in at least the spec's sources: from anywhere, or exactly that source. */
function sourceCovers(rule: UfwRule, from: Source | undefined): boolean {
  if (rule.sport !== 'any') return false;
  const have = sourceOfRule(rule.src);
  return have === undefined || (have !== null && have === from);
}

function destinationMatches(rule: UfwRule, to: string): boolean {
  if (to === 'any' || to === V6_ANY) return rule.dst === (rule.v6 ? V6_ANY : V4_ANY);
  const wanted = canonicalAddress(to);
  const have = canonicalAddress(rule.dst.replace(/\/(128|32)$/, ''));
  return wanted !== null && wanted === have;
}

/**
 * True when `rule` lets through at least what `spec` asks for, in one family:
 * same direction kind, allow (or limit for input), the protocol or any, the
 * port, the destination, from the spec's source or anywhere, on the spec's interface.
 */
export function ruleCovers(rule: UfwRule, spec: AllowSpec, v6: boolean): boolean {
  return (
    rule.v6 === v6 &&
    rule.route === spec.route &&
    rule.direction === 'in' &&
    (rule.action === 'allow' || (!spec.route && rule.action === 'limit')) &&
    (rule.proto === spec.proto || rule.proto === 'any') &&
    (spec.port === null ? rule.dport === 'any' : rule.dport === 'any' || portListIncludes(rule.dport, spec.port)) &&
    destinationMatches(rule, spec.to) &&
    sourceCovers(rule, spec.from) &&
    (rule.inInterface === null || rule.inInterface === (spec.inInterface ?? null)) &&
    rule.outInterface === null
  );
}

/** Every family the spec needs is already covered by an existing rule. */
export function specSatisfied(rules: readonly UfwRule[], spec: AllowSpec): boolean {
  const families = familiesFor(spec.to, spec.from);
  const covered = (v6: boolean) => rules.some((rule) => ruleCovers(rule, spec, v6));
  return (!families.v4 || covered(false)) && (!families.v6 || covered(true));
}

/**
 * The spec that deletes a parsed allow rule (its twin in the other family goes with it when
 * `bothFamilies`), or null when v6wall cannot name it exactly (application profiles, port
 * ranges, outbound rules): those are left to the operator.
 */
export function specOfRule(rule: UfwRule, bothFamilies: boolean): AllowSpec | null {
  if (rule.action !== 'allow' || rule.direction !== 'in' || rule.dapp !== null || rule.sapp !== null || rule.sport !== 'any') return null;
  if (rule.outInterface !== null || (!rule.route && rule.inInterface !== null)) return null;
  const proto = rule.proto === 'tcp' || rule.proto === 'udp' || rule.proto === 'any' ? rule.proto : null;
  if (proto === null) return null;
  const port = rule.dport === 'any' ? null : /^\d+$/.test(rule.dport) ? Number(rule.dport) : undefined;
  if (port === undefined || (port !== null && proto === 'any')) return null;
  const from = sourceOfRule(rule.src);
  if (from === null) return null;
  const anyDst = rule.dst === V6_ANY || rule.dst === V4_ANY;
  const to = anyDst ? (bothFamilies ? 'any' : rule.v6 ? V6_ANY : V4_ANY) : rule.dst.replace(/\/128$/, '');
  return {
    route: rule.route,
    proto,
    to,
    port,
    ...(from === undefined ? {} : { from }),
    ...(rule.inInterface === null ? {} : { inInterface: rule.inInterface }),
    comment: rule.comment,
  };
}

/** A deny or reject rule that would shadow traffic to this port (ufw: first match wins). */
export function blockingRule(rules: readonly UfwRule[], port: number, proto: Proto): UfwRule | undefined {
  return rules.find(
    (rule) =>
      !rule.route &&
      rule.direction === 'in' &&
      (rule.action === 'deny' || rule.action === 'reject') &&
      (rule.proto === proto || rule.proto === 'any') &&
      portListIncludes(rule.dport, port) &&
      rule.inInterface === null,
  );
}
