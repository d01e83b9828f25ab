import { splitHostPort } from './host-port.js';
import { type Parsed, quoteLine, splitLines } from './parsed.js';
import { parsePort } from '../port.js';

/** A port sshd's effective configuration says it listens on. */
export interface SshdConfiguredPort {
  port: number;
  /** The listen address when the port came from a listenaddress line. */
  address: string | null;
}

/**
 * `sshd -T` output. sshd prints every `port` line, but when listenaddress
 * lines carry their own port only those are listened on, so listenaddress
 * wins whenever present.
 */
export function parseSshdEffectiveConfig(text: string): Parsed<SshdConfiguredPort[]> {
  const portLines: SshdConfiguredPort[] = [];
  const listenLines: SshdConfiguredPort[] = [];
  const warnings: string[] = [];
  for (const line of splitLines(text)) {
    const [keyword = '', value = ''] = line.trim().split(/\s+/);
    const key = keyword.toLowerCase();
    if (key === 'port') {
      const port = parsePort(value);
      if (port === null) warnings.push(`sshd -T printed a port v6wall cannot read: ${quoteLine(line)}`);
      else portLines.push({ port, address: null });
    } else if (key === 'listenaddress') {
      const hostPort = splitHostPort(value);
      if (hostPort === null) warnings.push(`sshd -T printed a listen address v6wall cannot read: ${quoteLine(line)}`);
      else listenLines.push(hostPort);
    }
  }
  return { value: listenLines.length > 0 ? listenLines : portLines, warnings };
}
