// One opening a line: the address first (what a pfSense or OPNsense URL table reads), the rest
// after a "#", which those tables skip.
import { type Opening, openingLabel, sourcesText } from '../openings.js';

export function renderList(openings: readonly Opening[], hostname: string): string {
  const lines = [
    `# v6wall openings of ${hostname}: address, then port/protocol, sources and what it is.`,
    '# A URL table keeps only the addresses: let each through on its own port only.',
    ...openings.map((opening) => `${opening.address}/128 # ${opening.port}/${opening.proto} from ${sourcesText(opening)} ${openingLabel(opening)}`),
  ];
  return `${lines.join('\n')}\n`;
}
