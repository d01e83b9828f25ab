// v6wall tags each rule it adds with a comment, so that later runs recognise
// their own rules (the guided re-run, stale rules, `v6wall status`).
import type { Proto } from './types.js';
import { isValidContainerName, isValidPort } from './validate.js';

export type RuleTag =
  | { kind: 'ssh'; port: number }
  | { kind: 'route' | 'publish'; container: string; port: number; proto: Proto; hostPort?: number };

export const COMMENT_PREFIX = 'v6wall';

export function formatRuleComment(tag: RuleTag): string {
  if (tag.kind === 'ssh') return `${COMMENT_PREFIX} ssh ${tag.port}/tcp`;
  const target = tag.kind === 'publish' && tag.hostPort !== undefined ? ` host ${tag.hostPort}` : '';
  return `${COMMENT_PREFIX} ${tag.kind} ${tag.container} ${tag.port}/${tag.proto}${target}`;
}

function parsePortProto(text: string | undefined): { port: number; proto: Proto } | null {
  const match = /^(\d+)\/(tcp|udp)$/.exec(text ?? '');
  if (!match) return null;
  const port = Number(match[1]);
  return isValidPort(port) ? { port, proto: match[2] as Proto } : null;
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
  const kind = words[1];
  const container = words[2];
  if ((kind !== 'route' && kind !== 'publish') || container === undefined || !isValidContainerName(container)) return null;
  const portProto = parsePortProto(words[3]);
  if (!portProto) return null;
  if (words.length === 4) return { kind, container, ...portProto };
  if (kind === 'publish' && words.length === 6 && words[4] === 'host') {
    const hostPort = Number(words[5]);
    return isValidPort(hostPort) ? { kind, container, ...portProto, hostPort } : null;
  }
  return null;
}
