import { parsePort } from '../port.js';

/** "[::]:2200", "0.0.0.0:22", "[fe80::1%eth0]:22" → address and port. */
export function splitHostPort(text: string): { address: string; port: number } | null {
  const bracketed = /^\[([^\]]*)\](?:%[^:]+)?:(\d+)$/.exec(text);
  if (bracketed) {
    const port = parsePort(bracketed[2] ?? '');
    return port === null ? null : { address: bracketed[1] ?? '', port };
  }
  const colon = text.lastIndexOf(':');
  if (colon <= 0) return null;
  const port = parsePort(text.slice(colon + 1));
  return port === null ? null : { address: text.slice(0, colon), port };
}
