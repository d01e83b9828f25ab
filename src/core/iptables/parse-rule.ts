import type { RuleMatch, RuleTarget } from './ruleset.js';
import type { Token } from './tokenize.js';
import { parseAddrTypes, parseNatDestination, parsePortList, parsePortRange, parseRuleCidr } from './parse-values.js';

export interface ParsedRuleBody {
  matches: RuleMatch[];
  target: RuleTarget | null;
  problems: string[];
}

const PORT_MODULES = new Set(['tcp', 'udp', 'udplite', 'sctp', 'dccp']);
/** Modules that add no condition of their own (their options, when any, are parsed one by one). */
const NEUTRAL_MODULES = new Set([...PORT_MODULES, 'multiport', 'conntrack', 'state', 'addrtype', 'comment', 'recent', 'rt']);

const NON_TERMINATING_TARGETS = new Set([
  'LOG',
  'NFLOG',
  'ULOG',
  'MARK',
  'CONNMARK',
  'TRACE',
  'TCPMSS',
  'CLASSIFY',
  'DSCP',
  'TOS',
  'HL',
  'AUDIT',
  'CHECKSUM',
  'TEE',
  'SET',
  'SECMARK',
  'CONNSECMARK',
  'IDLETIMER',
  'LED',
  'RATEEST',
]);
/** Targets that end the packet's walk in a way v6wall does not model. */
const OPAQUE_TARGETS = new Set(['NFQUEUE', 'QUEUE', 'TPROXY', 'SYNPROXY', 'NETMAP', 'CLUSTERIP']);

function isValueToken(t: Token | undefined): t is Token {
  return t !== undefined && (t.quoted || (t.text !== '!' && !t.text.startsWith('-')));
}

function readValue(tokens: Token[], i: number): string | null {
  const t = tokens[i];
  return isValueToken(t) ? t.text : null;
}

/** One "--option values..." inside module `module`; returns the matches it adds. */
function interpretOption(module: string | null, name: string, values: string[], negated: boolean): RuleMatch[] | null {
  if (module === 'rt') return [];
  const v = values[0];
  const portModule = module === null || PORT_MODULES.has(module);
  switch (name) {
    case 'dport':
    case 'destination-port':
    case 'sport':
    case 'source-port': {
      if (!portModule || v === undefined) return null;
      const range = parsePortRange(v);
      if (range === null) return null;
      return [{ kind: 'port', dir: name.startsWith('d') ? 'dst' : 'src', ranges: [range], negated }];
    }
    case 'dports':
    case 'destination-ports':
    case 'sports':
    case 'source-ports':
    case 'ports': {
      if (module !== 'multiport' || v === undefined) return null;
      const ranges = parsePortList(v);
      if (ranges === null) return null;
      const dir = name === 'ports' ? 'either' : name.startsWith('d') ? 'dst' : 'src';
      return [{ kind: 'port', dir, ranges, negated }];
    }
    case 'syn':
      return portModule ? [{ kind: 'syn', negated }] : null;
    case 'tcp-flags':
      return portModule && values.length === 2 && values[0] === 'FIN,SYN,RST,ACK' && values[1] === 'SYN' ? [{ kind: 'syn', negated }] : null;
    case 'ctstate':
    case 'state': {
      if ((name === 'ctstate' ? module !== 'conntrack' : module !== 'state') || v === undefined) return null;
      return [{ kind: 'state', states: v.toUpperCase().split(','), negated }];
    }
    case 'ctorigdstport': {
      if (module !== 'conntrack' || v === undefined) return null;
      const range = parsePortRange(v);
      return range === null ? null : [{ kind: 'ctorigdstport', range, negated }];
    }
    case 'ctorigdst': {
      if (module !== 'conntrack' || v === undefined) return null;
      const cidr = parseRuleCidr(v);
      return cidr === null ? null : [{ kind: 'ctorigdst', cidr, negated }];
    }
    case 'src-type':
    case 'dst-type': {
      if (module !== 'addrtype' || v === undefined) return null;
      const types = parseAddrTypes(v);
      return types === null ? null : [{ kind: 'addrtype', dir: name === 'src-type' ? 'src' : 'dst', types, negated }];
    }
    case 'limit-iface-in':
    case 'limit-iface-out':
      // The host's addresses are treated as one set; close enough for "is it LOCAL".
      return module === 'addrtype' ? [] : null;
    case 'comment':
      return module === 'comment' ? [] : null;
    case 'update':
    case 'rcheck':
      return module === 'recent' ? [{ kind: 'recent-check' }] : null;
    case 'set':
    case 'remove':
    case 'name':
    case 'seconds':
    case 'hitcount':
    case 'rttl':
    case 'reap':
    case 'mask':
    case 'rsource':
    case 'rdest':
      return module === 'recent' ? [] : null;
    default:
      return null;
  }
}

function parseTarget(kind: 'jump' | 'goto', name: string, options: Map<string, string[]>): RuleTarget {
  if (kind === 'goto') return { kind: 'goto', chain: name };
  switch (name) {
    case 'ACCEPT':
    case 'DROP':
    case 'REJECT':
    case 'RETURN':
      return { kind: name };
    case 'MASQUERADE':
    case 'SNAT':
      return { kind: name };
    case 'NOTRACK':
      return { kind: 'NOTRACK' };
    case 'CT':
      return options.has('notrack') ? { kind: 'NOTRACK' } : { kind: 'non-terminating', name };
    case 'DNAT': {
      const to = options.get('to-destination')?.[0];
      const parsed = to === undefined ? null : parseNatDestination(to);
      return parsed === null ? { kind: 'other', name: `DNAT ${to ?? ''}`.trim() } : { kind: 'DNAT', ...parsed };
    }
    case 'REDIRECT': {
      const to = options.get('to-ports')?.[0];
      if (to === undefined) return { kind: 'REDIRECT', ports: null };
      const ports = parsePortRange(to, '-');
      return ports === null ? { kind: 'other', name: `REDIRECT ${to}` } : { kind: 'REDIRECT', ports };
    }
    default:
      if (NON_TERMINATING_TARGETS.has(name)) return { kind: 'non-terminating', name };
      if (OPAQUE_TARGETS.has(name)) return { kind: 'other', name };
      // Anything else is a user chain; the evaluator treats a missing chain as an unknown target.
      return { kind: 'jump', chain: name };
  }
}

/** Parses the words of a rule after "-A CHAIN". Never throws: what it cannot read becomes an unknown match. */
export function parseRuleBody(tokens: Token[]): ParsedRuleBody {
  const matches: RuleMatch[] = [];
  const problems: string[] = [];
  let target: RuleTarget | null = null;
  let module: string | null = null;
  let moduleHadOption = true;
  let negated = false;

  const closeModule = (): void => {
    if (module !== null && !moduleHadOption && !NEUTRAL_MODULES.has(module)) {
      matches.push({ kind: 'unknown', text: `-m ${module}` });
    }
  };

  let i = 0;
  while (i < tokens.length) {
    const tok = tokens[i] as Token;
    const word = tok.text;
    i++;
    if (!tok.quoted && word === '!') {
      negated = true;
      continue;
    }
    const bang = negated ? '! ' : '';
    switch (word) {
      case '-s':
      case '--source':
      case '--src':
      case '-d':
      case '--destination':
      case '--dst': {
        const value = readValue(tokens, i);
        if (value !== null) i++;
        const cidr = value === null ? null : parseRuleCidr(value);
        const dir = word === '-s' || word.startsWith('--s') ? 'src' : 'dst';
        if (cidr === null) {
          matches.push({ kind: 'unknown', text: `${bang}${word} ${value ?? ''}`.trim() });
          problems.push(`"${value ?? ''}" after ${word} is not an address`);
        } else {
          matches.push({ kind: 'addr', dir, cidr, negated });
        }
        break;
      }
      case '-i':
      case '--in-interface':
      case '-o':
      case '--out-interface': {
        const value = readValue(tokens, i);
        if (value === null) {
          problems.push(`${word} without an interface name`);
          matches.push({ kind: 'unknown', text: `${bang}${word}` });
        } else {
          i++;
          matches.push({ kind: 'iface', dir: word === '-i' || word === '--in-interface' ? 'in' : 'out', name: value, negated });
        }
        break;
      }
      case '-p':
      case '--protocol': {
        const value = readValue(tokens, i);
        if (value === null) {
          problems.push(`${word} without a protocol`);
          matches.push({ kind: 'unknown', text: `${bang}${word}` });
        } else {
          i++;
          matches.push({ kind: 'proto', proto: value.toLowerCase(), negated });
        }
        break;
      }
      case '-m':
      case '--match': {
        closeModule();
        const value = readValue(tokens, i);
        if (value !== null) i++;
        module = value;
        moduleHadOption = false;
        if (value === 'rt') matches.push({ kind: 'routing-header' });
        break;
      }
      case '-j':
      case '--jump':
      case '-g':
      case '--goto': {
        closeModule();
        module = null;
        const name = readValue(tokens, i);
        if (name === null) {
          problems.push(`${word} without a target`);
          break;
        }
        i++;
        const options = new Map<string, string[]>();
        while (i < tokens.length) {
          const opt = tokens[i] as Token;
          i++;
          if (opt.quoted || !opt.text.startsWith('--')) continue;
          const values: string[] = [];
          while (isValueToken(tokens[i])) {
            values.push((tokens[i] as Token).text);
            i++;
          }
          options.set(opt.text.slice(2), values);
        }
        target = parseTarget(word === '-g' || word === '--goto' ? 'goto' : 'jump', name, options);
        break;
      }
      case '-c':
      case '--set-counters':
        while (isValueToken(tokens[i])) i++;
        break;
      default: {
        if (!tok.quoted && word.startsWith('--')) {
          const values: string[] = [];
          while (isValueToken(tokens[i])) {
            values.push((tokens[i] as Token).text);
            i++;
          }
          moduleHadOption = true;
          const added = interpretOption(module, word.slice(2), values, negated);
          if (added === null) {
            const prefix = module === null ? '' : `-m ${module} `;
            matches.push({ kind: 'unknown', text: `${prefix}${bang}${[word, ...values].join(' ')}` });
          } else {
            matches.push(...added);
          }
        } else {
          matches.push({ kind: 'unknown', text: `${bang}${word}` });
          if (!word.startsWith('-')) problems.push(`unexpected word "${word}"`);
        }
      }
    }
    negated = false;
  }
  closeModule();
  return { matches, target, problems };
}
