// v6wall tags each rule it adds with a comment, so that later runs recognise
// their own rules (the guided re-run, stale rules, `v6wall status`). The comment
// is an opening's identity: kind, container, port, host port and source.
import type { Proto } from './types/facts.js';
import { parseSource, type Source } from './sources.js';
import { isValidContainerName } from './container-name.js';
import { isValidPort } from './port.js';

export type OpeningTag = {
  kind: 'route' | 'publish';
  container: string;
  port: number;
  proto: Proto;
  hostPort?: number;
  /** Absent: from anywhere (also every comment written before sources existed). */
  source?: Source;
};

export type RuleTag =
  | { kind: 'ssh'; port: number }
  /** A rule that lets a Docker network's containers reach out (egress), where UFW would drop it. */
  | { kind: 'egress'; network: string }
  | OpeningTag;

export const COMMENT_PREFIX = 'v6wall';

export function formatRuleComment(tag: RuleTag): string {
  if (tag.kind === 'ssh') return `${COMMENT_PREFIX} ssh ${tag.port}/tcp`;
  if (tag.kind === 'egress') return `${COMMENT_PREFIX} egress ${tag.network}`;
  const target = tag.kind === 'publish' && tag.hostPort !== undefined ? ` host ${tag.hostPort}` : '';
  const from = tag.source === undefined ? '' : ` from ${tag.source}`;
  return `${COMMENT_PREFIX} ${tag.kind} ${tag.container} ${tag.port}/${tag.proto}${target}${from}`;
}

function parsePortProto(text: string | undefined): { port: number; proto: Proto } | null {
  const match = /^(\d+)\/(tcp|udp)$/.exec(text ?? '');
  if (!match) return null;
  const port = Number(match[1]);
  return isValidPort(port) ? { port, proto: match[2] as Proto } : null;
}

/** "from SOURCE" at the end of the words, in the canonical form v6wall writes; null when malformed. */
function trailingSource(words: string[]): { words: string[]; source?: Source } | null {
  if (words.at(-2) !== 'from') return { words };
  const parsed = parseSource(words.at(-1) ?? '');
  if (!parsed.ok || parsed.value !== words.at(-1)) return null;
  return { words: words.slice(0, -2), source: parsed.value };
}

function parseOpening(words: string[]): OpeningTag | null {
  const trimmed = trailingSource(words);
  if (trimmed === null) return null;
  const [, kind, container, portProto, hostWord, hostPortText, ...rest] = trimmed.words;
  if ((kind !== 'route' && kind !== 'publish') || container === undefined || !isValidContainerName(container)) return null;
  const parsed = parsePortProto(portProto);
  if (!parsed || rest.length > 0) return null;
  const source = trimmed.source === undefined ? {} : { source: trimmed.source };
  if (hostWord === undefined) return { kind, container, ...parsed, ...source };
  const hostPort = Number(hostPortText);
  if (kind !== 'publish' || hostWord !== 'host' || !isValidPort(hostPort) || String(hostPort) !== hostPortText) return null;
  return { kind, container, ...parsed, hostPort, ...source };
}

/** Reads back a comment written by formatRuleComment; null for anything else. */
export function parseRuleComment(comment: string | null): RuleTag | null {
  if (comment === null) return null;
  const words = comment.split(' ');
  if (words[0] !== COMMENT_PREFIX) return null;
  if (words[1] === 'ssh' && words.length === 3) {
    const portProto = parsePortProto(words[2]);
    return portProto && portProto.proto === 'tcp' ? { kind: 'ssh', port: portProto.port } : null;
  }
  if (words[1] === 'egress' && words.length === 3) {
    const network = words[2] ?? '';
    return isValidContainerName(network) ? { kind: 'egress', network } : null;
  }
  return parseOpening(words);
}

/** The opening's identity without its source: what a name on the command line (web:80) selects. */
export function openingKey(tag: Pick<OpeningTag, 'kind' | 'container' | 'port' | 'proto' | 'hostPort'>): string {
  return `${tag.kind} ${tag.container} ${tag.port}/${tag.proto}${tag.kind === 'publish' ? ` host ${tag.hostPort ?? '?'}` : ''}`;
}
