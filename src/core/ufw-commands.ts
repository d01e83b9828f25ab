// Builds the ufw command lines v6wall runs and decides whether an existing
// rule (parsed from user.rules / user6.rules) already does the same job.
import type { Proto, UfwRule } from './types.js';
import { canonicalAddress } from './validate.js';

/** The shape of an allow rule v6wall adds, before it becomes an argv. */
export interface AllowSpec {
  route: boolean;
  proto: Proto;
  /** 'any' for both families, '::/0' for IPv6 only, or one address. */
  to: string;
  port: number;
  comment: string;
}

const V6_ANY = '::/0';
const V4_ANY = '0.0.0.0/0';

export function allowArgv(spec: AllowSpec): string[] {
  const head = spec.route ? ['ufw', 'route', 'allow'] : ['ufw', 'allow'];
  return [...head, 'proto', spec.proto, 'from', 'any', 'to', spec.to, 'port', String(spec.port), 'comment', spec.comment];
}

/** ufw deletes by rule spec; the comment is not part of the match. */
export function deleteAllowArgv(spec: AllowSpec): string[] {
  const head = spec.route ? ['ufw', 'route', 'delete', 'allow'] : ['ufw', 'delete', 'allow'];
  return [...head, 'proto', spec.proto, 'from', 'any', 'to', spec.to, 'port', String(spec.port)];
}

/** Which rule families (v4 file, v6 file) ufw writes for a destination. */
export function familiesFor(to: string): { v4: boolean; v6: boolean } {
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

function isAnySource(rule: UfwRule): boolean {
  return (rule.src === V6_ANY || rule.src === V4_ANY) && rule.sport === 'any';
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
 * port, the destination, from anywhere, on any interface.
 */
export function ruleCovers(rule: UfwRule, spec: AllowSpec, v6: boolean): boolean {
  return (
    rule.v6 === v6 &&
    rule.route === spec.route &&
    rule.direction === 'in' &&
    (rule.action === 'allow' || (!spec.route && rule.action === 'limit')) &&
    (rule.proto === spec.proto || rule.proto === 'any') &&
    portListIncludes(rule.dport, spec.port) &&
    destinationMatches(rule, spec.to) &&
    isAnySource(rule) &&
    rule.inInterface === null &&
    rule.outInterface === null
  );
}

/** Every family the spec needs is already covered by an existing rule. */
export function specSatisfied(rules: readonly UfwRule[], spec: AllowSpec): boolean {
  const families = familiesFor(spec.to);
  const covered = (v6: boolean) => rules.some((rule) => ruleCovers(rule, spec, v6));
  return (!families.v4 || covered(false)) && (!families.v6 || covered(true));
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
