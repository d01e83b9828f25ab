// A model of the rules real ufw writes for the allow commands v6wall builds,
// used by planner property tests (the lab checks the same against real ufw).
import type { UfwRule } from '../../src/core/types.js';

export function rulesWrittenBy(argv: readonly string[]): UfwRule[] {
  const route = argv[1] === 'route';
  const rest = argv.slice(route ? 2 : 1);
  if (rest[0] !== 'allow') return [];
  const value = (key: string) => rest[rest.indexOf(key) + 1] ?? '';
  const to = value('to');
  const families = to === 'any' ? [false, true] : [to.includes(':')];
  return families.map((v6) => ({
    v6,
    route,
    action: 'allow',
    log: '',
    proto: value('proto'),
    dport: value('port'),
    dst: to === 'any' ? (v6 ? '::/0' : '0.0.0.0/0') : to,
    sport: 'any',
    src: v6 ? '::/0' : '0.0.0.0/0',
    dapp: null,
    sapp: null,
    direction: 'in',
    inInterface: null,
    outInterface: null,
    comment: value('comment'),
    raw: '',
  }));
}
